/**
 * @fileoverview Indexed reads and writes: GatherElements, GatherND, ScatterElements, Scatter,
 * ScatterND, TensorScatter, and the selections Compress and NonZero. Every index read at run
 * time goes through safeIndex, so kernels never touch memory outside their buffers.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { numel } from "../ir/graph.ts";
import { Expr, Stmt, bin, c, cast, load, loop, select, seq, store } from "../ir/tir.ts";
import { at, flatIndex } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { safeIndex, table, unflatten } from "./shape.ts";
import { computeType } from "./util.ts";

const INDEX_TYPES: readonly DType[] = ["i32", "i64"];

/** Loops over every position of `shape`, innermost last. */
export function loopNest(shape: number[], body: (idx: Expr[]) => Stmt, hint = "i"): Stmt {
  if (numel(shape) === 0) return seq();
  const go = (d: number, idx: Expr[]): Stmt =>
    d === shape.length ? body(idx) : loop(shape[d]!, (v) => go(d + 1, [...idx, v]), `${hint}${d}_`);
  return go(0, []);
}

type Reduction = "none" | "add" | "mul" | "max" | "min";

function reductionOf(ctx: OpCtx, dtype: DType): Reduction {
  const r = ctx.string("reduction", "none");
  if (!["none", "add", "mul", "max", "min"].includes(r)) ctx.fail(`reduction '${r}' is not supported`, "use none, add, mul, max or min");
  if (r !== "none" && dtype === "bool") ctx.fail(`reduction '${r}' on bool data is not supported`);
  return r as Reduction;
}

/** old (op) upd, computed in the compute type (f16/bf16 in f32) and stored back as `t`. */
function combine(r: Reduction, old: Expr, upd: Expr, t: DType): Expr {
  if (r === "none") return upd;
  const ct = isFloat(t) ? computeType(t) : t;
  const op = r === "add" ? "add" : r === "mul" ? "mul" : r;
  return cast(bin(op, cast(old, ct), cast(upd, ct)), t);
}

defineOp({
  op: "GatherElements", kind: "injective", attrs: ["axis"],
  infer(ctx) {
    const x = ctx.input(0), ind = ctx.input(1);
    ctx.dtypeIn(ind.dtype, INDEX_TYPES, "indices");
    const axis = ctx.axis(ctx.int("axis", 0), x.shape.length);
    if (ind.shape.length !== x.shape.length) ctx.fail(`indices have rank ${ind.shape.length}, data rank ${x.shape.length}`);
    if (ind.shape.some((d, i) => i !== axis && d > x.shape[i]!)) ctx.fail(`indices shape [${ind.shape}] exceeds data shape [${x.shape}]`);
    if (x.shape[axis] === 0 && numel(ind.shape) > 0) ctx.fail(`gathers from axis ${axis} of size 0`);
    return [{ dtype: x.dtype, shape: ind.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, ind] = [ins[0]!, ins[1]!];
    const axis = ctx.axis(ctx.int("axis", 0), x.shape.length);
    return [te.compute("gather_elements", outs[0]!.shape, (idx) =>
      at(x, ...idx.map((v, i) => (i === axis ? safeIndex(at(ind, ...idx), x.shape[axis]!) : v))))];
  },
});

function gatherNdSpec(ctx: OpCtx): { b: number; m: number; shape: number[] } {
  const x = ctx.input(0), ind = ctx.input(1);
  ctx.dtypeIn(ind.dtype, ["i64"], "indices");
  const b = ctx.int("batch_dims", 0);
  const q = ind.shape.length, r = x.shape.length;
  const m = ind.shape[q - 1] ?? ctx.fail("indices must have rank at least 1");
  if (b < 0 || b >= Math.min(q, r)) ctx.fail(`batch_dims ${b} is out of range`);
  if (b + m > r) ctx.fail(`index tuples of length ${m} with batch_dims ${b} exceed data rank ${r}`);
  if (ind.shape.slice(0, b).some((d, i) => d !== x.shape[i])) ctx.fail(`batch dims of indices [${ind.shape}] and data [${x.shape}] differ`);
  if (x.shape.slice(b, b + m).some((d) => d === 0) && numel(ind.shape) > 0) ctx.fail("gathers from an empty axis");
  return { b, m, shape: [...ind.shape.slice(0, q - 1), ...x.shape.slice(b + m)] };
}

defineOp({
  op: "GatherND", kind: "injective", attrs: ["batch_dims"],
  infer(ctx) {
    return [{ dtype: ctx.input(0).dtype, shape: gatherNdSpec(ctx).shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, ind] = [ins[0]!, ins[1]!];
    const { b, m } = gatherNdSpec(ctx);
    const q = ind.shape.length;
    return [te.compute("gather_nd", outs[0]!.shape, (idx) => {
      const outer = idx.slice(0, q - 1);
      const tuple = Array.from({ length: m }, (_, j) => safeIndex(at(ind, ...outer, c(j)), x.shape[b + j]!));
      return at(x, ...idx.slice(0, b), ...tuple, ...idx.slice(q - 1));
    })];
  },
});

/** ScatterElements and its older name Scatter; duplicates apply in index order, as ONNX says. */
function defineScatterElements(op: string, withReduction: boolean): void {
  defineOp({
    op, kind: "opaque", attrs: withReduction ? ["axis", "reduction"] : ["axis"],
    infer(ctx) {
      const [x, ind, upd] = [ctx.input(0), ctx.input(1), ctx.input(2)];
      ctx.dtypeIn(ind.dtype, INDEX_TYPES, "indices");
      const axis = ctx.axis(ctx.int("axis", 0), x.shape.length);
      if (upd.dtype !== x.dtype) ctx.fail(`updates are ${upd.dtype} but data is ${x.dtype}`);
      if (ind.shape.length !== x.shape.length || upd.shape.join() !== ind.shape.join())
        ctx.fail(`indices [${ind.shape}] and updates [${upd.shape}] must have one shape of the data's rank ${x.shape.length}`);
      if (ind.shape.some((d, i) => i !== axis && d > x.shape[i]!)) ctx.fail(`indices shape [${ind.shape}] exceeds data shape [${x.shape}]`);
      if (x.shape[axis] === 0 && numel(ind.shape) > 0) ctx.fail(`scatters into axis ${axis} of size 0`);
      if (withReduction) reductionOf(ctx, x.dtype);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    compute(ctx, te, ins, outs) {
      const [x, ind, upd] = [ins[0]!, ins[1]!, ins[2]!];
      const axis = ctx.axis(ctx.int("axis", 0), x.shape.length);
      const red = withReduction ? reductionOf(ctx, x.dtype) : "none";
      return te.extern([{ name: op.toLowerCase(), dtype: x.dtype, shape: outs[0]!.shape }], [x, ind, upd], ([X, I, U], [O]) => seq(
        loopNest(x.shape, (idx) => store(O!, flatIndex(idx, x.shape), load(X!, flatIndex(idx, x.shape)))),
        loopNest(ind.shape, (idx) => {
          const j = safeIndex(load(I!, flatIndex(idx, ind.shape)), x.shape[axis]!);
          const o = flatIndex(idx.map((v, i) => (i === axis ? j : v)), x.shape);
          return store(O!, o, combine(red, load(O!, o), load(U!, flatIndex(idx, ind.shape)), x.dtype));
        }, "s"),
      ));
    },
  });
}
defineScatterElements("ScatterElements", true);
defineScatterElements("Scatter", false);

defineOp({
  op: "ScatterND", kind: "opaque", attrs: ["reduction"],
  infer(ctx) {
    const [x, ind, upd] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    ctx.dtypeIn(ind.dtype, ["i64"], "indices");
    if (upd.dtype !== x.dtype) ctx.fail(`updates are ${upd.dtype} but data is ${x.dtype}`);
    const q = ind.shape.length;
    const m = ind.shape[q - 1] ?? ctx.fail("indices must have rank at least 1");
    if (m > x.shape.length) ctx.fail(`index tuples of length ${m} exceed data rank ${x.shape.length}`);
    const want = [...ind.shape.slice(0, q - 1), ...x.shape.slice(m)];
    if (upd.shape.join() !== want.join()) ctx.fail(`updates have shape [${upd.shape}], expected [${want}]`);
    if (x.shape.slice(0, m).some((d) => d === 0) && numel(ind.shape) > 0) ctx.fail("scatters into an empty axis");
    reductionOf(ctx, x.dtype);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, ind, upd] = [ins[0]!, ins[1]!, ins[2]!];
    const red = reductionOf(ctx, x.dtype);
    const q = ind.shape.length, m = ind.shape[q - 1]!;
    const outer = ind.shape.slice(0, q - 1), inner = x.shape.slice(m);
    return te.extern([{ name: "scatter_nd", dtype: x.dtype, shape: outs[0]!.shape }], [x, ind, upd], ([X, I, U], [O]) => seq(
      loopNest(x.shape, (idx) => store(O!, flatIndex(idx, x.shape), load(X!, flatIndex(idx, x.shape)))),
      loopNest(outer, (bi) => loopNest(inner, (ri) => {
        const tuple = Array.from({ length: m }, (_, j) => safeIndex(load(I!, flatIndex([...bi, c(j)], ind.shape)), x.shape[j]!));
        const o = flatIndex([...tuple, ...ri], x.shape);
        return store(O!, o, combine(red, load(O!, o), load(U!, flatIndex([...bi, ...ri], upd.shape)), x.dtype));
      }, "r"), "s"),
    ));
  },
});

function compressSpec(ctx: OpCtx): { axis?: number; picks: number[] } {
  const x = ctx.input(0);
  const cond = toNumbers(ctx.requireConst(1, "the condition").data);
  const axis = ctx.hasAttr("axis") ? ctx.axis(ctx.int("axis"), x.shape.length) : undefined;
  const n = axis === undefined ? numel(x.shape) : x.shape[axis]!;
  if (cond.length > n) ctx.fail(`the condition has ${cond.length} values but the selected axis has ${n}`);
  const picks: number[] = [];
  cond.forEach((v, i) => { if (v) picks.push(i); });
  return { axis, picks };
}

defineOp({
  op: "Compress", kind: "injective", attrs: ["axis"],
  infer(ctx) {
    const x = ctx.input(0);
    const { axis, picks } = compressSpec(ctx);
    const shape = axis === undefined ? [picks.length] : x.shape.map((d, i) => (i === axis ? picks.length : d));
    return [{ dtype: x.dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const { axis, picks } = compressSpec(ctx);
    return [te.compute("compress", outs[0]!.shape, (idx) => {
      if (axis === undefined) return at(x, ...unflatten(table(idx[0]!, picks, "i32"), x.shape));
      return at(x, ...idx.map((v, i) => (i === axis ? table(v, picks, "i32") : v)));
    })];
  },
});

/** Coordinates of the non-zero elements of a constant, one row per dim, and their count. */
function nonZeroCoords(ctx: OpCtx): { rows: number[][]; count: number } {
  const t = ctx.requireConst(0, "the input");
  const vals = toNumbers(t.data);
  const rows: number[][] = t.shape.map(() => []);
  let count = 0;
  vals.forEach((v, i) => {
    if (!v) return;
    count++;
    let rest = i;
    for (let d = t.shape.length - 1; d >= 0; d--) { rows[d]!.push(rest % t.shape[d]!); rest = Math.floor(rest / t.shape[d]!); }
  });
  return { rows, count };
}

defineOp({
  op: "NonZero", kind: "opaque", attrs: [],
  infer(ctx) {
    const { rows, count } = nonZeroCoords(ctx);
    return [{ dtype: "i64", shape: [rows.length, count] }];
  },
  compute(ctx, te, _ins, outs) {
    // The input is a constant, so this table folds away at compile time.
    const { rows } = nonZeroCoords(ctx);
    return [te.compute("nonzero", outs[0]!.shape, ([d, k]) =>
      rows.reduceRight<Expr>((rest, row, r) => select(bin("eq", d!, c(r)), table(k!, row, "i64"), rest), c(0, "i64")))];
  },
});

defineOp({
  op: "TensorScatter", kind: "injective", attrs: ["axis", "mode"],
  infer(ctx) {
    const [cache, upd] = [ctx.input(0), ctx.input(1)];
    const r = cache.shape.length;
    if (r < 2) ctx.fail(`past_cache has rank ${r}, expected at least 2`);
    const axis = ctx.axis(ctx.int("axis", -2), r);
    if (axis === 0) ctx.fail("axis 0 is the batch axis and cannot be the sequence axis");
    const mode = ctx.string("mode", "linear");
    if (mode !== "linear" && mode !== "circular") ctx.fail(`mode '${mode}' is not supported`, "use linear or circular");
    if (upd.dtype !== cache.dtype) ctx.fail(`update is ${upd.dtype} but past_cache is ${cache.dtype}`);
    if (upd.shape.length !== r || upd.shape.some((d, i) => (i === axis ? d > cache.shape[i]! : d !== cache.shape[i])))
      ctx.fail(`update shape [${upd.shape}] does not fit past_cache shape [${cache.shape}] along axis ${axis}`);
    if (ctx.has(2)) {
      ctx.dtypeIn(ctx.input(2).dtype, ["i64"], "write_indices");
      if (ctx.input(2).shape.join() !== String(cache.shape[0])) ctx.fail(`write_indices has shape [${ctx.input(2).shape}], expected [${cache.shape[0]}]`);
    }
    return [{ dtype: cache.dtype, shape: cache.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [cache, upd, wi] = [ins[0]!, ins[1]!, ins[2]];
    const axis = ctx.axis(ctx.int("axis", -2), cache.shape.length);
    const circular = ctx.string("mode", "linear") === "circular";
    const max = cache.shape[axis]!, len = upd.shape[axis]!;
    // Each cache position receives at most one update row, so this is a gather, not a scatter.
    return [te.compute("tensor_scatter", outs[0]!.shape, (idx) => {
      const w: Expr = wi ? at(wi, idx[0]!) : c(0, "i64");
      let s = bin("sub", cast(idx[axis]!, "i64"), w);
      if (circular) s = bin("mod", bin("add", bin("mod", s, c(max, "i64")), c(max, "i64")), c(max, "i64"));
      const hit = bin("land", bin("ge", s, c(0, "i64")), bin("lt", s, c(len, "i64")));
      const src = cast(bin("min", bin("max", s, c(0, "i64")), c(Math.max(len - 1, 0), "i64")), "i32");
      if (len === 0) return at(cache, ...idx);
      return select(hit, at(upd, ...idx.map((v, i) => (i === axis ? src : v))), at(cache, ...idx));
    })];
  },
});
