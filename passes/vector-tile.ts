/**
 * @fileoverview The register tile as vector Tensor IR: each row of the tile is held in vector
 * accumulators of the target's lanes, its varying loads become vector loads and its row-invariant
 * loads broadcasts, so the tile reaches the printer already in vector registers instead of relying
 * on a C compiler's SLP vectoriser (which gives up on rows of 7 or 14 and on 100+ scalars).
 * A row shorter than a vector runs masked; a row that ends inside a vector ends with one full
 * vector overlapping the one before, which recomputes the shared outputs identically. Where the
 * target multiplies by a lane (NEON), row-invariant loads along the reduction are read as vectors.
 */
import { DType, isFloat } from "../ir/dtype.ts";
import { coeffOf } from "../ir/affine.ts";
import { VECTOR_DTYPES } from "../ir/target.ts";
import { BinOp, Buffer, Expr, ReduceOp, Stmt, Var, VecShape, add, bin, c, mapExpr, mkVar, mul, seq, substExpr } from "../ir/tir.ts";
import { exprKey } from "./te-inline.ts";
import * as V from "../ir/vec.ts";
import { canonIndex, canonLoads } from "./tile-index.ts";
import { mentionsAny, unsafeLanes, vectorizeExpr } from "./vectorize.ts";
import { pruneLaneTests } from "./fold-rows.ts";

export interface VectorTileInput {
  op: ReduceOp;
  dtype: DType;
  out: Buffer;
  body: Expr;
  init: Expr;
  post: Expr;
  hole: Var;
  /** The output's flat index. */
  flat: Expr;
  /** The row's variable: consecutive outputs along it fill a vector's lanes. */
  v: string;
  /** Rows folded into v (passes/fold-rows.ts): the local the guards test, v mod period per lane. */
  col?: { v: Var; period: number };
}

const FORMS = new Set(["const", "var", "load", "bin", "un", "cast", "bitcast", "select"]);
const COMBINE: Record<ReduceOp, BinOp> = { sum: "add", prod: "mul", max: "max", min: "min" };

/** Why the tile's rows cannot be vectors of this kind, or undefined when they can. */
export function vectorTileRefusal(t: VectorTileInput): string | undefined {
  if (!coeffOf(t.flat, t.v)) return "the row does not move along the output";
  return lanesRefusal([t.body, t.init, t.post], [t.dtype, t.out.dtype], new Set([t.v, t.hole.name]));
}

/**
 * Why `es` cannot be computed as vectors whose lanes differ in the variables `lane`, or undefined
 * when they can: every form and type must have a vector form, and no lane may compute what
 * scalar code would not (vectorize.ts unsafeLanes).
 */
export function lanesRefusal(es: Expr[], types: DType[], lane: ReadonlySet<string>): string | undefined {
  const all = [...types];
  let form: string | undefined;
  for (const e of es)
    mapExpr(e, (x) => {
      all.push(x.dtype);
      if (!FORMS.has(x.k)) form ??= x.k;
      return undefined;
    });
  if (form) return `a ${form} in the tile`;
  const bad = all.find((d) => !VECTOR_DTYPES.includes(d));
  if (bad) return `a ${bad} value`;
  const varies = (e: Expr): boolean => mentionsAny(e, lane);
  for (const e of es) {
    const why = unsafeLanes(e, varies, false);
    if (why) return why;
  }
  return undefined;
}

/**
 * One tile of `rows` x `width` outputs: `row(e, u)` is e at row u (its row variable still free),
 * `vBase` the tile's first column, `rowLength` the whole row's, `nest` wraps the reduction loops.
 */
export function vectorTile(t: VectorTileInput, lanes: number, rows: number, width: number, vBase: Expr, rowLength: number,
  row: (e: Expr, u: number) => Expr, nest: (body: Stmt) => Stmt, laneFma = false): Stmt {
  const shape: VecShape = { lanes };
  const outStride = coeffOf(t.flat, t.v)!;
  const starts: number[] = [];
  let mask: Var | undefined;
  const decls: Stmt[] = [], updates: Stmt[] = [], stores: Stmt[] = [];
  if (width >= lanes) {
    for (let s = 0; s + lanes <= width; s += lanes) starts.push(s);
    if (width % lanes) starts.push(width - lanes);
  } else if (rowLength >= lanes) starts.push(width - lanes);
  else {
    starts.push(0);
    mask = V.vvar(mkVar("mask", "bool"), shape);
    decls.push({ k: "decl", v: mask, init: V.vbin("lt", V.ramp(c(0), 1, shape), V.bcast(c(width), shape)) });
  }
  const cols = new Map<number, ReadonlyMap<string, Expr>>(), colNames = new Set<string>();
  const colAt = (s: number, base: Expr): ReadonlyMap<string, Expr> => {
    if (!t.col) return new Map();
    if (!cols.has(s)) {
      const v = laneMod(base, t.col.period, shape, decls);
      colNames.add(v.name);
      cols.set(s, new Map([[t.col.v.name, v]]));
    }
    return cols.get(s)!;
  };
  for (let u = 0; u < rows; u++)
    for (const s of starts) {
      const base = canonIndex(add(vBase, c(s)));
      const lane = { v: t.v, base };
      const local = colAt(s, base);
      const vec = (e: Expr, vectors: ReadonlyMap<string, Expr> = new Map()) =>
        canonLoads(vectorizeExpr(row(e, u), lane, shape, local.size ? new Map([...local, ...vectors]) : vectors, mask));
      accumulator(t, shape, vec, canonIndex(substExpr(row(t.flat, u), new Map([[t.v, base]]))), outStride, mask, { decls, updates, stores });
    }
  let loop = nest(seq(...updates));
  if (t.col) loop = pruneLaneTests(loop, [0, rowLength - 1], new Map([...colNames].map((n) => [n, [0, t.col!.period - 1]])));
  return seq(...decls, laneFma ? laneBroadcasts(loop, shape) : loop, ...stores);
}

/**
 * (base + lane) mod W for base >= 0, lane by lane: the ramp from base mod W, then W taken off
 * where a lane reached it, as often as a vector can wrap.
 */
function laneMod(base: Expr, W: number, shape: VecShape, decls: Stmt[]): Var {
  const w = V.bcast(c(W), shape);
  let r = V.vvar(mkVar("col"), shape);
  decls.push({ k: "decl", v: r, init: V.ramp(canonIndex(bin("floormod", base, c(W))), 1, shape) });
  for (let k = Math.floor((W + shape.lanes! - 2) / W); k > 0; k--) {
    const next = V.vvar(mkVar("col"), shape);
    decls.push({ k: "decl", v: next, init: V.vselect(V.vbin("ge", r, w), V.vbin("sub", r, w), r) });
    r = next;
  }
  return r;
}

/**
 * The innermost reduction loop with its row-invariant loads that step by one element read as
 * vectors: unrolled by the lanes, each step's broadcast becomes a lane of the vector loaded once
 * for them all (the same elements the steps read one by one). Unchanged where nothing applies.
 */
function laneBroadcasts(s: Stmt, shape: VecShape): Stmt {
  if (s.k !== "for") return s;
  if (s.body.k === "for") return { ...s, body: laneBroadcasts(s.body, shape) };
  const L = shape.lanes!, body = s.body.k === "seq" ? s.body.body : [s.body];
  if (s.lo || s.hi || s.extent % L || s.extent < L || !body.every((x) => x.k === "assign")) return s;
  const v = s.v.name, vectors = new Map<string, { load: Extract<Expr, { k: "load" }>; wv: Var }>();
  for (const x of body) mapExpr((x as Extract<Stmt, { k: "assign" }>).value, (e) => {
    if (e.k === "bcast" && e.a.k === "load" && !e.a.mask && coeffOf(e.a.index, v) === 1) {
      const key = exprKey(e.a);
      if (!vectors.has(key)) vectors.set(key, { load: e.a, wv: V.vvar(mkVar("lanes", e.a.dtype), shape) });
    }
    return undefined;
  });
  if (!vectors.size) return s;
  const vo = mkVar(`${v}l`);
  const loads = [...vectors.values()].map(({ load, wv }): Stmt =>
    ({ k: "decl", v: wv, init: V.vload(load.buf, V.ramp(canonIndex(substExpr(load.index, new Map([[v, mul(vo, c(L))]]))), 1, shape)) }));
  const steps = Array.from({ length: L }, (_, k) => body.map((x) => {
    const a = x as Extract<Stmt, { k: "assign" }>;
    const value = mapExpr(a.value, (e) => {
      const hit = e.k === "bcast" && e.a.k === "load" ? vectors.get(exprKey(e.a)) : undefined;
      return hit && V.shuffle(hit.wv, undefined, Array.from({ length: L }, () => k));
    });
    return { ...a, value: canonLoads(substExpr(value, new Map([[v, add(mul(vo, c(L)), c(k))]]))) };
  }));
  return { k: "for", v: vo, extent: s.extent / L, kind: s.kind, body: seq(...loads, ...steps.flat()) };
}

/** One vector accumulator of a tile: its start value, its update in the reduction, its store at `at`. */
function accumulator(t: VectorTileInput, shape: VecShape, vec: (e: Expr, vectors?: ReadonlyMap<string, Expr>) => Expr, at: Expr, outStride: number,
  mask: Expr | undefined, into: { decls: Stmt[]; updates: Stmt[]; stores: Stmt[] }): void {
  const acc = V.vvar(mkVar("acc", t.dtype), shape);
  into.decls.push({ k: "decl", v: acc, init: V.vcast(vec(t.init), t.dtype) });
  const x = V.vcast(vec(t.body), t.dtype);
  const value = t.op === "sum" && isFloat(t.dtype) && x.k === "bin" && x.op === "mul" ? V.fma(x.a, x.b, acc) : V.vbin(COMBINE[t.op], acc, x);
  into.updates.push({ k: "assign", v: acc, value });
  into.stores.push(V.vstore(t.out, V.ramp(at, outStride, shape), V.vcast(vec(t.post, new Map([[t.hole.name, acc]])), t.out.dtype), mask));
}

/**
 * One tile of `rows` x `count` scalable vectors (vector-length agnostic): vector s of a row
 * starts at vBase + s × its run-time lanes. A `masked` tile (the last of a row) masks its lanes
 * at or past `rowLength`, so it reads and writes only what is left of the row; the others are
 * whole and need no mask.
 */
export function scalableTile(t: VectorTileInput, lanes: number, rows: number, count: number, vBase: Expr, rowLength: number,
  row: (e: Expr, u: number) => Expr, nest: (body: Stmt) => Stmt, masked: boolean): Stmt {
  const shape: VecShape = { lanes, scalable: true };
  const outStride = coeffOf(t.flat, t.v)!;
  const decls: Stmt[] = [], updates: Stmt[] = [], stores: Stmt[] = [];
  for (let u = 0; u < rows; u++)
    for (let s = 0; s < count; s++) {
      const base = canonIndex(s ? add(vBase, mul(V.laneExpr(shape), c(s))) : vBase);
      const mask = masked ? V.vbin("lt", V.ramp(base, 1, shape), V.bcast(c(rowLength), shape)) : undefined;
      const vec = (e: Expr, vectors: ReadonlyMap<string, Expr> = new Map()) =>
        canonLoads(vectorizeExpr(row(e, u), { v: t.v, base }, shape, vectors, mask));
      accumulator(t, shape, vec, canonIndex(substExpr(row(t.flat, u), new Map([[t.v, base]]))), outStride, mask, { decls, updates, stores });
    }
  return seq(...decls, nest(seq(...updates)), ...stores);
}
