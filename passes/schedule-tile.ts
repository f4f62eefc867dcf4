/**
 * @fileoverview The register-tile schedule of a reduction (Conv, MatMul, Gemm with untransposed B,
 * reductions over outer axes): a tile of JM x VW outputs is held in scalar accumulators while
 * the reduction loops run inside it, and each output is stored once. VW consecutive outputs run
 * along the last output axis, where the loads are (near) unit-stride, so the C compiler turns
 * each row of the tile into vector registers; JM outputs run along an axis that a varying load
 * does not depend on (Conv's output channel, MatMul's row), so that load is shared by the rows.
 */
import { coeffOf, mentions } from "../ir/affine.ts";
import { Expr, IterVar, ReduceOp, Stmt, Var, add, bin, c, cast, load, mapExpr, mkVar, mul, seq, store, substExpr, substStmt, substStmtVar, Buffer } from "../ir/tir.ts";
import { DType } from "../ir/dtype.ts";
import { EdgecError } from "../ir/diagnostics.ts";
import { AppliedTile, TileConfig, foldsRows } from "../ir/schedule.ts";
import { TARGETS, TargetDesc, lanesOf } from "../ir/target.ts";
import { canonIndex, canonLoads } from "./tile-index.ts";
import { VectorTileInput, scalableTile, vectorTile, vectorTileRefusal } from "./vector-tile.ts";
import { laneExpr } from "../ir/vec.ts";
import { AxisBounds, guardsToBounds } from "./guard-bounds.ts";
import { foldRows } from "./fold-rows.ts";
import { maskableLoad } from "./vectorize.ts";

export type { TileConfig } from "../ir/schedule.ts";

/** C: 8 rows of 16, sixteen vector registers of 8 lanes. */
export const C_TILE: TileConfig = { accs: 128, width: 16 };
/**
 * WebAssembly: rows built as v128 vectors of 4 lanes; x86 engines have 16 registers. Two rows of
 * 16 (8 v128 accumulators, plus the loaded rows and splats) stay in registers. Padding and stride-2
 * windows read copies (SIMD128 has no masked load, and a stride-2 load is two loads and a shuffle).
 * Winograd from 64 channels: its transforms run scalar, so below that the direct vector tile wins
 * (ic_resnet8: 0.57 ms direct, 0.91 ms with Winograd from 16 channels, 0.54 ms from 64).
 * GELU stays out of the tile: its erf runs lane by lane (bert_tiny 4.8 ms, 7.4 ms in the tile).
 */
export const WASM_TILE: TileConfig = {
  accs: 32, width: 16, lanes: 4, vectors: 4, padInPlace: false, stridedLoads: false, rblock: 128, epilogueInTile: true, winograd: true, winogradMinChannels: 64,
  sharedEpilogue: false,
};

/**
 * A C target with vector intrinsics: rows of two vectors, three quarters of the vector registers
 * as accumulators (the rest hold the loaded row and the broadcast), e.g. 12 rows of 2 x 16 lanes
 * on AVX-512 and 6 rows of 2 x 8 on AVX2; half of them on NEON (8 rows of 2 x 4), whose lane
 * broadcasts keep more vectors live. Padding and stride-2 windows
 * are read in place where masked loads pay (TargetDesc.maskedLoads).
 */
export function vectorTileFor(t: TargetDesc): TileConfig {
  const L = lanesOf(t, "f32");
  // Lane broadcasts keep one loaded vector per row and the row's next vectors for each of the
  // L steps live: half the registers hold accumulators (8 rows of 2 x 4 on NEON).
  const accs = Math.floor((t.vectorRegisters * (t.laneFma ? 2 : 3)) / 4) * L;
  return {
    accs, width: 2 * L, vectors: L, padInPlace: t.maskedLoads, stridedLoads: t.maskedLoads,
    ...(t.scalable ? { scalable: true } : {}), ...(t.laneFma ? { laneFma: true } : {}), ...(t.dot4 ? { dot4: t.dot4 } : {}),
    ...(t.int16Copies ? { int16Copies: true } : {}),
  };
}

/**
 * The tile a target's kernels are scheduled with (`native` resolved by the caller); `winograd`
 * overrides the target's choice (the C targets leave it off by default: it costs 16/9 of the 3x3
 * weights and a larger arena, which microcontrollers cannot spare).
 */
export function tileFor(target: string | undefined, winograd?: boolean): TileConfig {
  const t = target === "wasm" ? WASM_TILE
    : target === "x86-64-v3" || target === "x86-64-v4" || target === "x86-64-v4-vnni" || target === "aarch64" || target === "riscv64" ? vectorTileFor(TARGETS[target]) : C_TILE;
  return winograd === undefined ? t : { ...t, winograd };
}

/** The value of a --winograd on|off flag (undefined when absent). */
export function winogradFlag(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v !== "on" && v !== "off") throw new EdgecError(`--winograd takes on or off, not '${v}'`);
  return v === "on";
}

export interface TileInput {
  out: Buffer;
  shape: number[];
  idx: Var[];
  op: ReduceOp;
  axes: IterVar[];
  dtype: DType;
  /** The reduced value, in terms of idx and the reduction axes. */
  body: Expr;
  /** The accumulator's start value (in terms of idx). */
  init: Expr;
  /** The stored value, in terms of idx and `hole` (the finished accumulator). */
  post: Expr;
  hole: Var;
  /** The tile's size (default C_TILE). */
  config?: TileConfig;
  /** Told the tile built, when one is. */
  onTile?: (t: AppliedTile) => void;
}

type Load = Extract<Expr, { k: "load" }>;

/** Loads of e, not descending into their indices. */
function topLoads(e: Expr): Load[] {
  const out: Load[] = [];
  mapExpr(e, (x) => { if (x.k === "load") { out.push(x); return x; } return undefined; });
  return out;
}

/**
 * True when v occurs in e only inside load indices, each affine in v; with `guards`, also in the
 * condition of a zero-filled load (padding read in place: computed per element, or as a mask).
 */
function onlyIndexed(e: Expr, v: string, guards = false): boolean {
  let ok = true;
  mapExpr(e, (x) => {
    if (x.k === "load") { if (coeffOf(x.index, v) === undefined) ok = false; return x; }
    const l = guards && x.k === "select" && x.b.k === "const" && x.b.v === 0 ? maskableLoad(x.a, (e) => mentions(e, v)) : undefined;
    if (l && x.k === "select") {
      if (coeffOf(l.index, v) === undefined || hasLoad(x.c)) ok = false;
      return x;
    }
    if (x.k === "var" && x.name === v) ok = false;
    return undefined;
  });
  return ok;
}

/**
 * Builds the tiled loop nest, or returns undefined when the reduction does not have the shape
 * this schedule is for (then the caller keeps its own schedule).
 */
export function tileReduction(p0: TileInput): Stmt | undefined {
  const { shape, idx } = p0;
  const dims = shape.map((d, i) => i).filter((i) => shape[i]! > 1);
  if (!dims.length || !p0.axes.length) return undefined;
  const cfg = p0.config ?? C_TILE;
  const L = cfg.vectors ?? 0;
  const blocked = L > 1 && !cfg.scalable ? blockedAxis(p0, dims, Math.max(cfg.width, L), L) : undefined;
  let p = blocked?.p ?? p0;
  const loads = topLoads(p.body);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const flat = idx.reduce<Expr>((f, v, i) => add(f, mul(v, c(strides[i]!))), c(0));
  const last = dims[dims.length - 1]!;
  const vec = blocked ? blocked.d : last;
  const vName = idx[vec]!.name;
  if (!onlyIndexed(p.body, vName, true) || !onlyIndexed(p.post, vName)) return undefined;
  const kv = loads.map((l) => coeffOf(l.index, vName)!);
  if (!kv.some((k) => k !== 0) || kv.some((k) => Math.abs(k) > 2)) return undefined;
  // Merge the axis before the last into it where every access sees the two as one contiguous run
  // (1x1 convolutions, whose rows are short): idx[prev] -> 0, idx[vec] -> prev*E + vec.
  let vecExtent = shape[vec]!;
  const merged: number[] = [];
  const exprs = [p.body, p.post];
  for (let j = dims.length - 2; vec === last && !blocked && j >= 0 && vecExtent < 64; j--) {
    const prev = dims[j]!, pName = idx[prev]!.name;
    if (!exprs.every((e) => onlyIndexed(e, pName))) break;
    const accs = [...topLoads(p.body), ...topLoads(p.post)].map((l) => l.index);
    accs.push(flat);
    if (!accs.every((ix) => coeffOf(ix, pName) === vecExtent * coeffOf(ix, vName)!)) break;
    merged.push(prev);
    vecExtent *= shape[prev]!;
  }
  // Rows too short to fill vectors, read in place with their padding guarded, fold into one.
  let col: { v: Var; period: number } | undefined;
  if (L > 1 && !cfg.scalable && vec === last && !blocked && !merged.length && dims.length >= 2 && foldsRows(vecExtent, L)) {
    const prev = dims[dims.length - 2]!, W = shape[vec]!;
    const f = coeffOf(flat, idx[prev]!.name) === W * coeffOf(flat, vName)! ? foldRows(p.body, [p.post, p.init], idx[prev]!, idx[vec]!, W) : undefined;
    if (f && vectorTileRefusal({ op: p.op, dtype: p.dtype, out: p.out, body: f.body, init: p.init, post: p.post, hole: p.hole, flat, v: vName }) === undefined) {
      p = { ...p, body: f.body };
      col = { v: f.col, period: W };
      merged.push(prev);
      vecExtent *= shape[prev]!;
    }
  }
  // A reduction that is contiguous along its own innermost axis and longer than the output row
  // is better served by the dot-product form.
  const rLast = [...p.axes].reverse().find((a) => a.extent > 1);
  const unitR = rLast && loads.every((l) => { const k = coeffOf(l.index, rLast.v.name); return k === 0 || k === 1; });
  if (unitR && rLast.extent >= Math.max(vecExtent, L)) return undefined;
  // The jam axis: outside the tile's row, not read by some load that varies along the row.
  const jamCands = dims.filter((d) => d !== vec && !merged.includes(d) && loads.some((l, i) =>
    kv[i] !== 0 && coeffOf(l.index, idx[d]!.name) === 0));
  // Failing that (depthwise Conv), an axis some load is invariant along: its rows share that
  // load and give the tile independent accumulators.
  const shareCands = dims.filter((d) => d !== vec && !merged.includes(d) && loads.some((l) => coeffOf(l.index, idx[d]!.name) === 0));
  const jam = jamCands.length ? jamCands[jamCands.length - 1] : shareCands[shareCands.length - 1];
  // Rows of channel vectors run along output positions: the axes before the jam axis merge into
  // it where every access sees them as one run (a 1x1 Conv's 7x7 positions as 49 rows).
  let jamExtent = jam === undefined ? 1 : shape[jam]!;
  if (jam !== undefined && vec !== last && jam === last) {
    const jName = idx[jam]!.name;
    const accs = [...topLoads(p.body), ...topLoads(p.post)].map((l) => l.index).concat([flat]);
    for (let j = dims.indexOf(jam) - 1; j >= 0; j--) {
      const prev = dims[j]!, pName = idx[prev]!.name;
      if (prev === vec || !exprs.every((e) => onlyIndexed(e, pName)) || !exprs.every((e) => onlyIndexed(e, jName))) break;
      if (!accs.every((ix) => coeffOf(ix, pName) === jamExtent * coeffOf(ix, jName)!)) break;
      merged.push(prev);
      jamExtent *= shape[prev]!;
    }
  }
  // A vector row is at least one vector long where the row allows, so no tile starts before 0.
  let vw = L > 1 && vecExtent >= L ? Math.min(vecExtent, Math.max(cfg.width, L)) : Math.min(vecExtent, cfg.width);
  // Folded rows with no rows to jam (a depthwise Conv) hold up to 8 vectors of the run at once, in
  // even tiles, so enough sums are in flight to hide the multiply-add's latency.
  if (col && jam === undefined && vecExtent > vw) {
    const n = Math.ceil(vecExtent / L), per = Math.ceil(n / Math.ceil(n / 8));
    vw = Math.min(vecExtent, per * L);
  }
  const perRow = L > 1 ? Math.ceil(vw / L) * L : vw;
  let jmMax = jam === undefined ? 1 : Math.max(1, Math.min(jamExtent, Math.floor(cfg.accs / perRow)));
  // Prefer a row count that divides the axis, so no tail tile is needed.
  if (jam !== undefined) for (let j = jmMax; j * 2 > jmMax; j--) if (jamExtent % j === 0) { jmMax = j; break; }

  const vin: VectorTileInput = { op: p.op, dtype: p.dtype, out: p.out, body: p.body, init: p.init, post: p.post, hole: p.hole, flat, v: vName, ...(col ? { col } : {}) };
  const vectors = L > 1 && vectorTileRefusal(vin) === undefined;
  // Rows the target cannot hold as vectors are scalars: a scalar tile of the portable C's size,
  // not the hundreds of accumulators that would fill its vector registers.
  if (L > 1 && !vectors && (cfg.accs > C_TILE.accs || cfg.width > C_TILE.width))
    return tileReduction({ ...p0, config: { ...cfg, accs: Math.min(cfg.accs, C_TILE.accs), width: Math.min(cfg.width, C_TILE.width) } });
  // Scalar rows run the longest reduction axis innermost: the accumulators then live in one loop,
  // which the C compiler's SLP vectoriser keeps in vector registers (Conv: taps outside, channels
  // in). Vector rows need no such help and keep the reduction's own order (Conv: taps inside),
  // so consecutive steps read neighbouring weights.
  const longest = p.axes.reduce((b, a) => (a.extent > b.extent ? a : b), p.axes[0]!);
  let rOrder = vectors ? [...p.axes] : [...p.axes.filter((a) => a !== longest), longest];
  const zero = new Map<string, Expr>(merged.map((d) => [idx[d]!.name, c(0)]));
  // A long innermost axis under other reduction axes (Conv's channels under its taps) runs in
  // blocks, the taps inside each block, so a block's weights and input rows stay in L1.
  const rb = cfg.rblock;
  if (rb && !vectors && longest.extent > rb && longest.extent % rb === 0 && rOrder.some((a) => a !== longest && a.extent > 1)) {
    const lo = mkVar(`${longest.v.name}o`), li = mkVar(`${longest.v.name}i`);
    zero.set(longest.v.name, add(mul(lo, c(rb)), li));
    rOrder = [{ v: lo, extent: longest.extent / rb }, ...rOrder.slice(0, -1), { v: li, extent: rb }];
  }
  const z = (e: Expr) => (zero.size ? substExpr(e, zero) : e);
  const post = z(p.post), init = z(p.init), flatZ = z(flat);
  const vVar = idx[vec]!, jVar = jam === undefined ? undefined : idx[jam]!;
  // Vector tiles read padding in place: guards on kernel rows become the rows' loop bounds.
  const inTile = new Set([vVar.name, ...(jVar ? [jVar.name] : []), ...(col ? [col.v.name] : [])]);
  const guarded = vectors ? guardsToBounds(p.op, z(p.body), rOrder, inTile) : undefined;
  const body = guarded?.body ?? z(p.body);
  // An epilogue with a select or min/max (ReLU) keeps the C compiler from vectorising the tile's
  // stores, and with them the accumulators: the tile then stores the sums and applies it after.
  const split = p.out.dtype === p.dtype && !isLinear(post) && !cfg.epilogueInTile && !vectors;
  p.onTile?.({ rows: jmMax, width: vw, ...(zero.has(longest.v.name) ? { rblock: rb } : {}), epilogueInTile: !split, ...(vectors ? { lanes: L } : {}) });
  // Folded rows test their guards per lane: the innermost axes of a small window (a Conv's taps)
  // run unrolled, so each kernel row's and column's test is decided or computed once per tile.
  let unrolled = 0;
  if (col)
    for (let j = rOrder.length - 1, n = 1; j >= 0 && !guarded?.bounds.has(rOrder[j]!.v.name) && (n *= rOrder[j]!.extent) <= 16; j--) unrolled++;
  const reductionNest = (inner: Stmt): Stmt => {
    const loops = rOrder.slice(0, rOrder.length - unrolled);
    let nest = unrolled ? seq(...taps(rOrder.slice(loops.length)).map((m) => substStmt(inner, m))) : inner;
    for (let j = loops.length - 1; j >= 0; j--) nest = forAxis(loops[j]!.v, loops[j]!.extent, nest, guarded?.bounds.get(loops[j]!.v.name));
    return nest;
  };
  // Vector tiles: the tile's input, and e at row u of rows from jBase.
  const tin = { ...vin, body, init, post, flat: flatZ };
  const rowsFrom = (jBase: Expr | undefined) => (e: Expr, u: number) => (jVar ? substExpr(e, new Map([[jVar.name, add(jBase!, c(u))]])) : e);
  /** One tile of scalable vectors: rows jBase+u (u < jm), `count` run-time vectors from vBase. */
  const scalableTileAt = (jBase: Expr | undefined, jm: number, vBase: Expr, count: number, masked: boolean): Stmt =>
    scalableTile(tin, L, jm, count, vBase, vecExtent, rowsFrom(jBase), reductionNest, masked);
  /** One tile: rows jBase+u (u < jm), columns vBase+w (w < wv). */
  const tile = (jBase: Expr | undefined, jm: number, vBase: Expr, wv: number): Stmt => {
    if (vectors) return vectorTile(tin, L, jm, wv, vBase, vecExtent, rowsFrom(jBase), reductionNest, !!cfg.laneFma);
    const at = (e: Expr, u: number, w: number) => {
      const m = new Map<string, Expr>([[vVar.name, add(vBase, c(w))]]);
      if (jVar) m.set(jVar.name, add(jBase!, c(u)));
      return substExpr(e, m);
    };
    const cols = rowColumns(wv, cfg.lanes);
    const decls: Stmt[] = [], updates: Stmt[] = [], stores: Stmt[] = [], fin: Stmt[] = [];
    for (let u = 0; u < jm; u++)
      for (const w of cols) {
        const a = mkVar("acc", p.dtype);
        decls.push({ k: "decl", v: a, init: canonLoads(at(init, u, w)) });
        updates.push({ k: "assign", v: a, value: combine(p.op, a, cast(canonLoads(at(body, u, w)), p.dtype)) });
        const o = canonIndex(at(flatZ, u, w));
        if (!split) {
          stores.push(store(p.out, o, cast(canonLoads(substExpr(at(post, u, w), new Map([[p.hole.name, a]]))), p.out.dtype)));
          continue;
        }
        stores.push(store(p.out, o, a));
      }
    // The epilogue runs over each finished row as a loop: small code, once per tile.
    if (split)
      for (let u = 0; u < jm; u++) {
        const w = mkVar("w");
        const m = new Map<string, Expr>([[vVar.name, add(vBase, w)]]);
        if (jVar) m.set(jVar.name, add(jBase!, c(u)));
        const o = canonIndex(substExpr(flatZ, m));
        const value = canonLoads(substExpr(substExpr(post, m), new Map([[p.hole.name, load(p.out, o)]])));
        fin.push(forAxis(w, wv, store(p.out, o, cast(value, p.out.dtype))));
      }
    return seq(...decls, reductionNest(seq(...updates)), ...stores, ...fin);
  };
  const full = Math.floor(vecExtent / vw), rest = vecExtent - full * vw;
  // Channel vectors (packed weights): the blocks along the row run outermost, so one block's
  // weights stay in cache while every output position reads them.
  const blocksOutside = vec !== last && full > 1 && !rest;
  const vb = blocked?.vb ?? mkVar("vb");
  /** Tiles along the row: full blocks of vw, then the rest. */
  const row = (jBase: Expr | undefined, jm: number): Stmt => {
    // Scalable rows: tiles of perRow / L vectors step along the row by their run-time length,
    // whole tiles unmasked, then at most one masked tile for the rest.
    if (vectors && cfg.scalable) {
      const step = mul(laneExpr({ lanes: L, scalable: true }), c(perRow / L));
      const whole = bin("floordiv", c(vecExtent), step);
      const n = bin("floordiv", bin("sub", add(c(vecExtent), step), c(1)), step);
      const vt = mkVar("vb");
      const at = (v: Var, masked: boolean) => scalableTileAt(jBase, jm, mul(v, step), perRow / L, masked);
      return seq(
        { k: "for", v: vb, extent: Math.floor(vecExtent / perRow), kind: "serial", hi: whole, body: at(vb, false) },
        { k: "for", v: vt, extent: Math.ceil(vecExtent / perRow), kind: "serial", lo: whole, hi: n, body: at(vt, true) },
      );
    }
    if (blocksOutside) return tile(jBase, jm, mul(vb, c(vw)), vw);
    const parts: Stmt[] = [];
    if (full === 1) parts.push(tile(jBase, jm, c(0), vw));
    else if (full > 1) parts.push({ k: "for", v: vb, extent: full, kind: "serial", body: tile(jBase, jm, mul(vb, c(vw)), vw) });
    if (rest) parts.push(tile(jBase, jm, c(full * vw), rest));
    return seq(...parts);
  };
  const outer = dims.filter((d) => d !== vec && !merged.includes(d));
  const nestOuter = (ds: number[], inner: Stmt): Stmt => {
    let s = inner;
    for (let j = ds.length - 1; j >= 0; j--) s = forAxis(idx[ds[j]!]!, shape[ds[j]!]!, s);
    return s;
  };
  const unitDims = shape.map((d, i) => i).filter((i) => shape[i]! <= 1);
  const fixUnit = (s: Stmt) => {
    const b: Stmt = blocksOutside ? { k: "for", v: vb, extent: full, kind: "serial", body: s } : blocked && full === 1 ? substStmtVar(s, vb, c(0)) : s;
    return unitDims.reduce((x, d) => substStmtVar(x, idx[d]!, c(0)), b);
  };
  if (jam === undefined) return fixUnit(nestOuter(outer, row(undefined, 1)));
  const before = outer.filter((d) => d < jam), after = outer.filter((d) => d > jam);
  const ext = jamExtent, jFull = Math.floor(ext / jmMax), jRest = ext - jFull * jmMax;
  const parts: Stmt[] = [];
  if (jFull >= 1) {
    const jb = mkVar("jb");
    const body1 = nestOuter(after, row(mul(jb, c(jmMax)), jmMax));
    parts.push(jFull === 1 ? substStmtVar(body1, jb, c(0)) : { k: "for", v: jb, extent: jFull, kind: "serial", body: body1 });
  }
  if (jRest) parts.push(nestOuter(after, row(c(jFull * jmMax), jRest)));
  return fixUnit(nestOuter(before, seq(...parts)));
}

/** Every step of the axes, outermost slowest, as values of their variables. */
function taps(axes: IterVar[]): Map<string, Expr>[] {
  return axes.reduce<Map<string, Expr>[]>((ms, a) => ms.flatMap((m) =>
    Array.from({ length: a.extent }, (_, i) => new Map([...m, [a.v.name, c(i)]]))), [new Map()]);
}

function hasLoad(e: Expr): boolean {
  let found = false;
  mapExpr(e, (x) => { if (x.k === "load") found = true; return undefined; });
  return found;
}

/**
 * An output axis whose loads read blocks of B along it (packed Conv weights [M/B, C, k..., B], as
 * floordiv(m, B) and floormod(m, B)) where B is a tile row of `width` lanes: with the row's block
 * variable vb, floordiv(m, B) is vb and floormod(m, B) is m - vb*B inside each row, so the tile
 * sees the loads affine in m. Undefined when there is no such axis.
 */
function blockedAxis(p: TileInput, dims: number[], width: number, L: number): { d: number; vb: Var; p: TileInput } | undefined {
  for (const d of dims) {
    const name = p.idx[d]!.name;
    let B: number | undefined;
    mapExpr(p.body, (x) => {
      if (x.k === "bin" && (x.op === "floordiv" || x.op === "floormod") && x.a.k === "var" && x.a.name === name && x.b.k === "const") B ??= x.b.v;
      return undefined;
    });
    if (B === undefined || B !== width || B % L !== 0 || p.shape[d]! % B !== 0) continue;
    const vb = mkVar("vb"), m = p.idx[d]!;
    const sub = (e: Expr): Expr => mapExpr(e, (x) => {
      if (x.k !== "bin" || x.a.k !== "var" || x.a.name !== name || x.b.k !== "const" || x.b.v !== B) return undefined;
      return x.op === "floordiv" ? vb : x.op === "floormod" ? bin("sub", m, mul(vb, c(B!))) : undefined;
    });
    return { d, vb, p: { ...p, body: sub(p.body), post: sub(p.post), init: sub(p.init) } };
  }
  return undefined;
}

/**
 * The columns of a tile row of wv outputs, in vector order: whole vectors of `lanes`, then, when
 * wv is not a multiple, one more vector ending at the row's end (overlapping the one before).
 */
function rowColumns(wv: number, lanes: number | undefined): number[] {
  const all = Array.from({ length: wv }, (_, w) => w);
  if (!lanes || lanes < 2 || wv <= lanes || wv % lanes === 0) return all;
  const whole = Math.floor(wv / lanes) * lanes;
  return [...all.slice(0, whole), ...all.slice(wv - lanes)];
}

/** True when e is built from loads, constants, variables, +, - and * only. */
function isLinear(e: Expr): boolean {
  let ok = true;
  mapExpr(e, (x) => {
    if (x.k === "load") return x;
    if (x.k === "bin" && (x.op === "add" || x.op === "sub" || x.op === "mul")) return undefined;
    if (x.k !== "const" && x.k !== "var") ok = false;
    return undefined;
  });
  return ok;
}

/** acc op v: one step of a reduction. */
export function combine(op: ReduceOp, acc: Expr, v: Expr): Expr {
  switch (op) {
    case "sum": return bin("add", acc, v);
    case "prod": return bin("mul", acc, v);
    case "max": return bin("max", acc, v);
    case "min": return bin("min", acc, v);
  }
}

function forAxis(v: Var, extent: number, body: Stmt, bounds?: AxisBounds): Stmt {
  if (extent === 1 && !bounds) return substStmtVar(body, v, c(0));
  return { k: "for", v, extent, body, kind: "serial", ...bounds };
}

