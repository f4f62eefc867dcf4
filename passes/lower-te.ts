/**
 * @fileoverview Lowers a tensor-expression definition (ops/te.ts) to a Tensor IR PrimFunc: stages
 * inlined into their readers or stored to scratch, reductions hoisted into loops, and the default
 * schedules: the register tile for Conv/MatMul/Gemm-like reductions (schedule-tile.ts),
 * accumulation in the output with unroll-and-jam, and partial sums for contiguous float sums.
 */
import { isFloat } from "../ir/dtype.ts";
import { numel, stridesOf } from "../ir/graph.ts";
import {
  Buffer, Expr, IterVar, PrimFunc, Stmt, TensorRef, Var,
  add, bin, c, cast, load, loop, mapExpr, mkVar, mul, seq, store, substExpr, substStmtVar,
} from "../ir/tir.ts";
import { check } from "../ir/diagnostics.ts";
import { coeffOf, loadsIn } from "../ir/affine.ts";
import { ComputeFn, TE, flatIndex, reduceInit } from "../ops/te.ts";
import { C_TILE, TileConfig, combine, tileReduction } from "./schedule-tile.ts";
import { lanesRefusal } from "./vector-tile.ts";
import { vectorizeExpr } from "./vectorize.ts";
import * as V from "../ir/vec.ts";
import { AppliedTile } from "../ir/schedule.ts";
import { InlineSource, Inliner, exprKey } from "./te-inline.ts";
import { AxisBounds, guardsToBounds } from "./guard-bounds.ts";

/**
 * Lowers `te` to a PrimFunc whose params are `inputs`, then `outputs`, then scratch buffers for
 * materialised intermediates (returned so the caller can plan them). `tile`: the register tile
 * reductions are scheduled with (the target's).
 */
export function lowerTE(te: TE, name: string, inputs: TensorRef[], outputs: TensorRef[], tile: TileConfig = C_TILE): { func: PrimFunc; scratch: Buffer[]; tiles: AppliedTile[] } {
  const l = new Lowering(te, tile);
  return { ...l.lower(name, inputs, outputs), tiles: l.tiles };
}

class Lowering {
  /** How many accesses read each tensor, over the stages the outputs need. */
  private readers = new Map<number, number>();
  /** The register tiles built, in order. */
  readonly tiles: AppliedTile[] = [];

  constructor(private readonly te: TE, private readonly tile: TileConfig) {}

  /**
   * Lowers to a PrimFunc whose params are `inputs`, then `outputs`, then scratch buffers for
   * materialised intermediates (returned so the caller can plan them).
   */
  lower(name: string, inputs: TensorRef[], outputs: TensorRef[]): { func: PrimFunc; scratch: Buffer[] } {
    const bufs = new Map<number, Buffer>();
    const params: Buffer[] = [];
    inputs.forEach((t, i) => {
      const b: Buffer = { name: `in${i}`, dtype: t.dtype, shape: t.shape, scope: "input" };
      bufs.set(t.id, b);
      params.push(b);
    });
    const outBufs: Buffer[] = [];
    outputs.forEach((t, i) => {
      check(!bufs.has(t.id), "an op output is also its input; wrap it in a copy");
      const b: Buffer = { name: `out${i}`, dtype: t.dtype, shape: t.shape, scope: "output" };
      bufs.set(t.id, b);
      outBufs.push(b);
    });
    // Outputs that alias inputs or other outputs are copied by a trailing compute.
    const scratch: Buffer[] = [];
    const body: Stmt[] = [];
    const needed = this.reachable(outputs);
    // Extern stages read buffers: a compute they read is materialised (inside fused groups too).
    for (const st of this.te.stages)
      if (st.kind === "extern")
        for (const t of st.ins) { const p = this.te.stageOf(t.id); if (p?.kind === "compute") p.inline = false; }
    this.inlineEpilogueProducers(needed, bufs);
    for (const s of this.te.stages) {
      if (s.kind === "input") continue;
      const ts = s.kind === "extern" ? s.outs : [s.t];
      if (!ts.some((t) => needed.has(t.id))) continue;
      if (s.kind === "compute" && s.inline && !bufs.has(s.t.id)) continue;
      for (const t of ts)
        if (!bufs.has(t.id)) {
          const b: Buffer = { name: `tmp${scratch.length}`, dtype: t.dtype, shape: t.shape, scope: "scratch" };
          bufs.set(t.id, b);
          scratch.push(b);
        }
      if (s.kind === "compute") body.push(this.lowerCompute(s.t, s.fn, bufs));
      else body.push(s.build(s.ins.map((t) => this.materialized(t, bufs)), s.outs.map((t) => bufs.get(t.id)!)));
    }
    return { func: { name, params: [...params, ...outBufs, ...scratch], body: seq(...body) }, scratch };
  }

  /**
   * A reduction read exactly once, at the same index, by a chain of elementwise stages ending in
   * a materialised stage is inlined there: the epilogue is applied to the accumulator in
   * registers instead of through a scratch buffer.
   */
  private inlineEpilogueProducers(needed: Set<number>, bufs: Map<number, Buffer>): void {
    const uses = new Map<number, { consumer: number; identity: boolean }[]>();
    const use = (id: number, u: { consumer: number; identity: boolean }) => {
      let l = uses.get(id);
      if (!l) uses.set(id, (l = []));
      l.push(u);
    };
    for (const s of this.te.stages) {
      if (s.kind === "input") continue;
      if (s.kind === "extern") { for (const t of s.ins) use(t.id, { consumer: -1, identity: false }); continue; }
      if (!needed.has(s.t.id)) continue;
      const probe = s.t.shape.map((_, i) => mkVar(`p${i}_`));
      mapExpr(s.fn(probe), (e) => {
        // Read inside a reduction's body, an inlined producer would be recomputed every step.
        if (e.k === "reduce") {
          for (const part of e.init ? [e.body, e.init] : [e.body])
            mapExpr(part, (x) => { if (x.k === "access") use(x.t.id, { consumer: s.t.id, identity: false }); return undefined; });
          return e;
        }
        if (e.k !== "access") return undefined;
        const identity = e.idx.length === probe.length && e.t.shape.every((d, i) => d === s.t.shape[i]) &&
          e.idx.every((x, i) => (x.k === "var" && x.name === probe[i]!.name) || (s.t.shape[i] === 1 && x.k === "const" && x.v === 0));
        use(e.t.id, { consumer: s.t.id, identity });
        return undefined;
      });
    }
    const materialized = (id: number): boolean => {
      const st = this.te.stageOf(id);
      return bufs.has(id) || !st || st.kind !== "compute" || !st.inline;
    };
    const chainEnds = (id: number, depth: number): boolean => {
      // Several identity reads by one consumer (x * erf(x)) share one accumulator, unless the
      // tile keeps such epilogues out (TileConfig.sharedEpilogue).
      const u = uses.get(id) ?? [];
      const many = this.tile.sharedEpilogue === false ? u.length !== 1 : !u.length;
      if (many || u.some((x) => !x.identity || x.consumer !== u[0]!.consumer) || u[0]!.consumer < 0 || depth > 16) return false;
      const c = u[0]!.consumer;
      return materialized(c) || chainEnds(c, depth + 1);
    };
    for (const s of this.te.stages)
      if (s.kind === "compute" && !s.inline && !bufs.has(s.t.id) && needed.has(s.t.id) && chainEnds(s.t.id, 0)) s.inline = true;
  }

  private materialized(t: TensorRef, bufs: Map<number, Buffer>): Buffer {
    const b = bufs.get(t.id);
    check(b, `extern stage input ${t.name} is an inlined compute; mark it materialize`);
    return b;
  }

  /** Stages the outputs depend on; counts each tensor's readers on the way (iteratively: chains may be long). */
  private reachable(outputs: TensorRef[]): Set<number> {
    const seen = new Set<number>();
    this.readers.clear();
    const stack = [...outputs];
    while (stack.length) {
      const t = stack.pop()!;
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      const s = this.te.stageOf(t.id);
      if (!s || s.kind === "input") continue;
      const reads: TensorRef[] = [];
      if (s.kind === "extern") reads.push(...s.ins);
      else {
        const probe = s.t.shape.map((_, i) => mkVar(`p${i}_`));
        mapExpr(s.fn(probe), (e) => { if (e.k === "access") reads.push(e.t); return undefined; });
      }
      for (const r of reads) {
        this.readers.set(r.id, (this.readers.get(r.id) ?? 0) + 1);
        stack.push(r);
      }
    }
    return seen;
  }

  private lowerCompute(t: TensorRef, fn: ComputeFn, bufs: Map<number, Buffer>): Stmt {
    const out = bufs.get(t.id)!;
    const strides = stridesOf(t.shape);
    if (numel(t.shape) === 0) return seq();
    const acc = this.accumulateInOutput(t, fn, bufs);
    if (acc) return acc;
    const build = (d: number, idx: Var[]): Stmt => {
      if (d === t.shape.length) {
        const { pre, e } = this.expand(fn(idx), bufs);
        let flat: Expr = c(0);
        idx.forEach((v, i) => { flat = add(flat, mul(v, c(strides[i]!))); });
        return seq(...pre, store(out, flat, cast(e, out.dtype)));
      }
      return loop(t.shape[d]!, (v) => build(d + 1, [...idx, v]), `i${d}_`);
    };
    return build(0, []);
  }

  /**
   * Default schedule for a reduction whose loads are contiguous along the last output axis but
   * not along the last reduction axis (Conv, Gemm with untransposed B): accumulate straight into
   * the output with the reduction loops outside the trailing output loops, so the innermost loop
   * walks memory with unit stride and the C compiler can vectorise it.
   *   for outer: { out[inner] = init; for r: for inner: out[inner] op= body; for inner: out = post(out) }
   */
  private accumulateInOutput(t: TensorRef, fn: ComputeFn, bufs: Map<number, Buffer>): Stmt | undefined {
    const out = bufs.get(t.id)!;
    const idx = t.shape.map((_, i) => mkVar(`i${i}_`));
    const e = this.inlined(fn(idx), bufs);
    if (!e) return undefined;
    // One reduction, possibly read several times (an epilogue using its input twice).
    const reds = new Map<string, Extract<Expr, { k: "reduce" }>>();
    mapExpr(e, (x) => { if (x.k === "reduce") { reds.set(exprKey(x), x); return x; } return undefined; });
    if (reds.size !== 1) return undefined;
    const [[redKey, red]] = [...reds] as [[string, Extract<Expr, { k: "reduce" }>]];
    const body = this.expand(red.body, bufs);
    if (body.pre.length) return undefined;
    const hole = mkVar("hole", red.dtype);
    const post = this.expand(mapExpr(e, (x) => (x.k === "reduce" && exprKey(x) === redKey ? hole : undefined)), bufs);
    if (post.pre.length) return undefined;
    const start = red.init ? this.expand(red.init, bufs) : { pre: [], e: reduceInit(red.op, red.dtype) };
    const tiled = start.pre.length ? undefined : tileReduction({
      out, shape: t.shape, idx, op: red.op, axes: red.axes, dtype: red.dtype, body: body.e, init: start.e, post: post.e, hole, config: this.tile,
      onTile: (t) => this.tiles.push(t),
    });
    if (tiled) return tiled;
    if (isFloat(out.dtype) && out.dtype !== "f32" && out.dtype !== "f64") return undefined;
    if (red.dtype !== out.dtype || red.init) return undefined;
    const loads = loadsIn(body.e);
    const unit = (v: Var) => loads.every((l) => { const k = coeffOf(l.index, v.name); return k === 0 || k === 1; });
    const rAxes = red.axes.filter((a) => a.extent > 1);
    const sDims = t.shape.map((d, i) => ({ v: idx[i]!, extent: d })).filter((a) => a.extent > 1);
    const rLast = rAxes[rAxes.length - 1], sLast = sDims[sDims.length - 1];
    if (!sLast || sLast.v !== idx[idx.length - 1]) return undefined;
    const scoreDot = rLast && unit(rLast.v) ? rLast.extent : 0;
    const scoreAcc = loads.every((l) => { const k = coeffOf(l.index, sLast.v.name); return k !== undefined && Math.abs(k) <= 2; }) ? sLast.extent : 0;
    if (scoreAcc < 4 || scoreAcc <= scoreDot) return undefined;
    // Trailing output axes kept innermost: a tile of at most ~8K elements stays in cache.
    let nInner = 1, tile = t.shape[t.shape.length - 1]!;
    while (nInner < t.shape.length && tile * t.shape[t.shape.length - 1 - nInner]! <= 8192) tile *= t.shape[t.shape.length - 1 - nInner++]!;
    const strides = stridesOf(t.shape);
    const flat = idx.reduce<Expr>((f, v, i) => add(f, mul(v, c(strides[i]!))), c(0));
    const nest = (dims: number[], inner: Stmt): Stmt => {
      let s = inner;
      for (let j = dims.length - 1; j >= 0; j--) s = forVar(idx[dims[j]!]!, t.shape[dims[j]!]!, s);
      return s;
    };
    const rank = t.shape.length;
    const outerDims = [...Array(rank - nInner).keys()];
    const innerDims = [...Array(nInner).keys()].map((j) => rank - nInner + j);
    const cur = load(out, flat);
    let rnest: Stmt = nest(innerDims, store(out, flat, combine(red.op, cur, cast(body.e, red.dtype))));
    for (let j = red.axes.length - 1; j >= 0; j--) rnest = reduceLoop(red.axes[j]!, rnest);
    const init = nest(innerDims, store(out, flat, reduceInit(red.op, red.dtype)));
    const fin = post.e.k === "var" && post.e.name === hole.name ? undefined
      : nest(innerDims, store(out, flat, cast(substExpr(post.e, new Map([[hole.name, cur]])), out.dtype)));
    const parts: Stmt[] = [init, rnest, ...(fin ? [fin] : [])];
    // Unroll-and-jam: an outer axis along which an inner-varying load is invariant computes JAM
    // outputs per inner iteration, so that load is read once for all of them.
    const innerVar = idx[rank - 1]!.name;
    const jam = outerDims.filter((d) => t.shape[d]! >= JAM && loads.some((l) =>
      coeffOf(l.index, innerVar) !== 0 && coeffOf(l.index, idx[d]!.name) === 0)).pop();
    if (jam === undefined) return nest(outerDims, seq(...parts));
    const dv = idx[jam]!, ext = t.shape[jam]!, main = Math.floor(ext / JAM) * JAM;
    const jj = mkVar("jj");
    const at = (st: Stmt, u: number) => substStmtVar(st, dv, add(mul(jj, c(JAM)), c(u)));
    const lanes = (st: Stmt) => seq(...Array.from({ length: JAM }, (_, u) => at(st, u)));
    let rjam: Stmt = nest(innerDims, lanes(store(out, flat, combine(red.op, cur, cast(body.e, red.dtype)))));
    for (let j = red.axes.length - 1; j >= 0; j--) rjam = reduceLoop(red.axes[j]!, rjam);
    const after = outerDims.filter((d) => d > jam), before = outerDims.filter((d) => d < jam);
    const jammed: Stmt = { k: "for", v: jj, extent: main / JAM, kind: "serial",
      body: nest(after, seq(lanes(init), rjam, ...(fin ? [lanes(fin)] : []))) };
    const rest: Stmt[] = main < ext ? [{ k: "for", v: dv, extent: ext, kind: "serial", lo: c(main), hi: c(ext), body: nest(after, seq(...parts)) }] : [];
    return nest(before, seq(jammed, ...rest));
  }

  /** Where inlining reads stages and buffers from. */
  private source(bufs: Map<number, Buffer>): InlineSource {
    return {
      buffer: (id) => bufs.get(id),
      stage: (t) => { const s = this.te.stageOf(t.id); return s && s.kind === "compute" ? s.fn : undefined; },
      shared: (id) => (this.readers.get(id) ?? 0) > 1,
      flat: flatIndex,
    };
  }

  /**
   * Substitutes accesses of inline stages by their definitions, keeping reductions as they are;
   * undefined if the result would be too deep or too large to hold as one expression.
   */
  private inlined(e: Expr, bufs: Map<number, Buffer>): Expr | undefined {
    return new Inliner(this.source(bufs), false).run(e);
  }

  /** Replaces accesses by loads (inlining inline stages) and hoists reductions into loops. */
  private expand(e: Expr, bufs: Map<number, Buffer>): { pre: Stmt[]; e: Expr } {
    const hoist = (x: Expr, scope: Inliner): Expr => mapExpr(x, (r) => {
      if (r.k !== "reduce") return undefined;
      const acc = mkVar("acc", r.dtype);
      const inner = this.expand(r.body, bufs);
      const split = (this.tile.vectors && vectorPartialSums(r, inner, acc, this.tile.vectors, r.init, this.tile.scalable)) || partialSums(r, inner, acc, r.init);
      if (split) { scope.pre.push(...split); return acc; }
      // Padding read in place: its guards become the reduction's bounds (guard-bounds.ts).
      const g = this.tile.vectors && !inner.pre.length ? guardsToBounds(r.op, inner.e, r.axes, new Set()) : undefined;
      const update = seq(...inner.pre, { k: "assign", v: acc, value: combine(r.op, acc, cast(g?.body ?? inner.e, r.dtype)) });
      let nest: Stmt = update;
      for (let i = r.axes.length - 1; i >= 0; i--) nest = reduceLoop(r.axes[i]!, nest, g?.bounds.get(r.axes[i]!.v.name));
      scope.pre.push({ k: "decl", v: acc, init: r.init ?? reduceInit(r.op, r.dtype) }, nest);
      return acc;
    });
    const scope = new Inliner(this.source(bufs), true, hoist);
    const out = scope.run(e)!;
    return { pre: scope.pre, e: out };
  }
}

/** Partial sums of a contiguous float reduction (its order is fixed, so results are deterministic). */
const PARTIALS = 8;

/**
 * A float sum whose innermost reduction axis reads memory with unit stride keeps PARTIALS
 * interleaved partial sums, added in a fixed order at the end: the C compiler vectorises that,
 * which it may not do for a single running sum without reassociating it.
 */
function partialSums(x: Extract<Expr, { k: "reduce" }>, inner: { pre: Stmt[]; e: Expr }, acc: Var, init?: Expr): Stmt[] | undefined {
  const last = x.axes[x.axes.length - 1];
  if (x.op !== "sum" || !isFloat(x.dtype) || x.dtype === "f16" || x.dtype === "bf16" || inner.pre.length) return undefined;
  if (!last || last.extent < 4 * PARTIALS || last.extent % PARTIALS !== 0) return undefined;
  if (!unitStride(inner.e, last.v.name)) return undefined;
  const parts = Array.from({ length: PARTIALS }, () => mkVar("part", x.dtype));
  const r0 = mkVar("rb");
  const lanes = parts.map((p, l): Stmt => ({
    k: "assign", v: p,
    value: bin("add", p, cast(substExpr(inner.e, new Map([[last.v.name, add(mul(r0, c(PARTIALS)), c(l))]])), x.dtype)),
  }));
  let nest: Stmt = { k: "for", v: r0, extent: last.extent / PARTIALS, kind: "serial", body: seq(...lanes) };
  for (let i = x.axes.length - 2; i >= 0; i--) nest = reduceLoop(x.axes[i]!, nest);
  const total = parts.reduce<Expr>((a, p) => bin("add", a, p), init ?? c(0, x.dtype));
  return [...parts.map((p): Stmt => ({ k: "decl", v: p, init: c(0, x.dtype) })), nest, { k: "decl", v: acc, init: total }];
}

/** True when some load of e walks v with unit stride and none walks it otherwise. */
function unitStride(e: Expr, v: string): boolean {
  const ks = loadsIn(e).map((l) => coeffOf(l.index, v));
  return ks.includes(1) && ks.every((k) => k === 0 || k === 1);
}

/** Independent vector partial sums: each FMA waits on its own chain only. */
const VECTOR_PARTIALS = 4;

/**
 * partialSums for a target whose tiles are vectors of L lanes: P vector partials (P*L elements a
 * step, P the largest of 4, 2, 1 that divides), combined lane-wise and then across lanes at the end.
 */
function vectorPartialSums(x: Extract<Expr, { k: "reduce" }>, inner: { pre: Stmt[]; e: Expr }, acc: Var, L: number, init?: Expr, scalable?: boolean): Stmt[] | undefined {
  const last = x.axes[x.axes.length - 1];
  if (x.op !== "sum" || x.dtype !== "f32" || inner.pre.length || !last || last.extent < 2 * L) return undefined;
  const P = scalable ? Math.min(VECTOR_PARTIALS, Math.floor(last.extent / L)) : [VECTOR_PARTIALS, 2, 1].find((p) => last.extent % (p * L) === 0);
  if (!P) return undefined;
  if (!unitStride(inner.e, last.v.name)) return undefined;
  if (lanesRefusal([inner.e], [x.dtype], new Set([last.v.name]))) return undefined;
  if (scalable) return scalablePartialSums(x, inner.e, acc, L, P, init);
  const shape = { lanes: L };
  const parts = Array.from({ length: P }, () => V.vvar(mkVar("part", x.dtype), shape));
  const r0 = mkVar("rb");
  const steps = parts.map((p, j): Stmt => {
    const e = V.vcast(vectorizeExpr(inner.e, { v: last.v.name, base: add(mul(r0, c(P * L)), c(j * L)) }, shape, new Map()), x.dtype);
    return { k: "assign", v: p, value: e.k === "bin" && e.op === "mul" ? V.fma(e.a, e.b, p) : V.vbin("add", p, e) };
  });
  let nest: Stmt = { k: "for", v: r0, extent: last.extent / (P * L), kind: "serial", body: seq(...steps) };
  for (let i = x.axes.length - 2; i >= 0; i--) nest = reduceLoop(x.axes[i]!, nest);
  const lanes = parts.reduce<Expr>((a, p) => (a === p ? a : V.vbin("add", a, p)), parts[0]!);
  const total = bin("add", init ?? c(0, x.dtype), V.hreduce("add", lanes));
  return [...parts.map((p): Stmt => ({ k: "decl", v: p, init: V.bcast(c(0, x.dtype), shape) })), nest, { k: "decl", v: acc, init: total }];
}

/**
 * vectorPartialSums with P vectors of L × vscale lanes: steps of P run-time vectors, the last
 * partial step's lanes at or past the axis' end masked (their loads read nothing and their
 * partials keep their sums).
 */
function scalablePartialSums(x: Extract<Expr, { k: "reduce" }>, e: Expr, acc: Var, L: number, P: number, init?: Expr): Stmt[] {
  const last = x.axes[x.axes.length - 1]!, E = last.extent;
  const shape = { lanes: L, scalable: true as const };
  const parts = Array.from({ length: P }, () => V.vvar(mkVar("part", x.dtype), shape));
  const step = mul(V.laneExpr(shape), c(P));
  // Full steps unmasked, then at most one masked step for the rest.
  const steps = (r0: Var, masked: boolean) => parts.map((p, j): Stmt => {
    const base = add(mul(r0, step), mul(V.laneExpr(shape), c(j)));
    const mask = masked ? V.vbin("lt", V.ramp(base, 1, shape), V.bcast(c(E), shape)) : undefined;
    const v = V.vcast(vectorizeExpr(e, { v: last.v.name, base }, shape, new Map(), mask), x.dtype);
    const sum = v.k === "bin" && v.op === "mul" ? V.fma(v.a, v.b, p) : V.vbin("add", p, v);
    return { k: "assign", v: p, value: mask ? V.vselect(mask, sum, p) : sum };
  });
  const full = bin("floordiv", c(E), step);
  const hi = bin("floordiv", bin("sub", add(c(E), step), c(1)), step);
  const rm = mkVar("rb"), rt = mkVar("rb");
  let nest: Stmt = seq(
    { k: "for", v: rm, extent: Math.floor(E / (P * L)), kind: "serial", hi: full, body: seq(...steps(rm, false)) },
    { k: "for", v: rt, extent: Math.ceil(E / (P * L)), kind: "serial", lo: full, hi, body: seq(...steps(rt, true)) },
  );
  for (let i = x.axes.length - 2; i >= 0; i--) nest = reduceLoop(x.axes[i]!, nest);
  const lanes = parts.reduce<Expr>((a, p) => (a === p ? a : V.vbin("add", a, p)), parts[0]!);
  const total = bin("add", init ?? c(0, x.dtype), V.hreduce("add", lanes));
  return [...parts.map((p): Stmt => ({ k: "decl", v: p, init: V.bcast(c(0, x.dtype), shape) })), nest, { k: "decl", v: acc, init: total }];
}

/** Outputs computed together by unroll-and-jam. */
const JAM = 4;

function forVar(v: Var, extent: number, body: Stmt): Stmt {
  if (extent === 1) return substStmtVar(body, v, c(0));
  return { k: "for", v, extent, body, kind: "serial" };
}

function reduceLoop(iv: IterVar, body: Stmt, bounds?: AxisBounds): Stmt {
  if (iv.extent === 1 && !bounds) return substStmtVar(body, iv.v, c(0));
  return { k: "for", v: iv.v, extent: iv.extent, body, kind: "serial", ...bounds };
}
