/**
 * @fileoverview Ops that generate or select values by position: Where, Trilu, ConstantOfShape,
 * EyeLike, Range, OneHot.
 */
import { DType, bf16ToF32, f16ToF32, fromOnnxCode, getNumber, isFloat, toNumbers } from "../ir/dtype.ts";
import { Tensor } from "../ir/graph.ts";
import { Expr, bin, c, cast, select } from "../ir/tir.ts";
import { at } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { ALL, NUMERIC, bcast, broadcastShapes, computeType } from "./util.ts";

/** A literal of dtype t; half-precision literals are written in f32 and converted. */
export function lit(v: number, t: DType): Expr {
  return t === "f16" || t === "bf16" ? cast(c(v, "f32"), t) : c(v, t);
}

/** Element i of a constant tensor as a real number (half floats decoded from their bits). */
export function valueOf(t: Tensor, i: number): number {
  const v = getNumber(t.data, i);
  return t.dtype === "f16" ? f16ToF32(v) : t.dtype === "bf16" ? bf16ToF32(v) : v;
}

function scalarOf(ctx: OpCtx, i: number, what: string): number {
  const t = ctx.requireConst(i, what);
  if (t.data.length !== 1) ctx.fail(`${what} (input ${i}) must hold one value, got shape [${t.shape}]`);
  return valueOf(t, 0);
}

defineOp({
  op: "Where", kind: "broadcast", attrs: [],
  infer(ctx) {
    const [cond, x, y] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    if (cond.dtype !== "bool") ctx.fail(`condition is ${cond.dtype}, expected bool`);
    if (x.dtype !== y.dtype) ctx.fail(`X is ${x.dtype} but Y is ${y.dtype}`, "insert a Cast so both share one type");
    return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [cond.shape, x.shape, y.shape]) }];
  },
  compute(_ctx, te, ins, outs) {
    const [cond, x, y] = [ins[0]!, ins[1]!, ins[2]!];
    return [te.compute("where", outs[0]!.shape, (idx) =>
      select(bin("ne", bcast(cond, idx), c(0, "bool")), bcast(x, idx), bcast(y, idx)))];
  },
});

defineOp({
  op: "Trilu", kind: "injective", attrs: ["upper"],
  infer(ctx) {
    const x = ctx.input(0);
    if (x.shape.length < 2) ctx.fail(`input has rank ${x.shape.length}, expected at least 2`);
    if (ctx.has(1) && ctx.input(1).shape.some((d) => d !== 1)) ctx.fail("k must be a scalar");
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!, kRef = ins[1];
    const upper = ctx.int("upper", 1) !== 0;
    const kc = ctx.has(1) ? ctx.constant(1) : undefined;
    const r = x.shape.length;
    return [te.compute("trilu", outs[0]!.shape, (idx) => {
      // Diagonal offset j - i, compared in i64 because k may be any int64.
      const d = cast(bin("sub", idx[r - 1]!, idx[r - 2]!), "i64");
      const k: Expr = !kRef ? c(0, "i64") : kc ? c(getNumber(kc.data, 0), "i64") : cast(at(kRef, ...kRef.shape.map(() => c(0))), "i64");
      const keep = upper ? bin("ge", d, k) : bin("le", d, k);
      return select(keep, at(x, ...idx), lit(0, x.dtype));
    })];
  },
});

defineOp({
  op: "ConstantOfShape", kind: "opaque", attrs: ["value"],
  infer(ctx) {
    const shape = toNumbers(ctx.requireConst(0, "the shape").data);
    if (shape.some((d) => d < 0)) ctx.fail(`shape [${shape}] has a negative dim`);
    const v = ctx.tensor("value");
    if (v && v.data.length !== 1) ctx.fail("value must hold exactly one element");
    return [{ dtype: v?.dtype ?? "f32", shape }];
  },
  compute(ctx, te, _ins, outs) {
    const v = ctx.tensor("value");
    const t = outs[0]!.dtype;
    return [te.compute("constant_of_shape", outs[0]!.shape, () => lit(v ? valueOf(v, 0) : 0, t))];
  },
});

defineOp({
  op: "EyeLike", kind: "injective", attrs: ["dtype", "k"],
  infer(ctx) {
    const x = ctx.input(0);
    if (x.shape.length !== 2) ctx.fail(`input has rank ${x.shape.length}, expected 2`);
    let dtype = x.dtype;
    if (ctx.hasAttr("dtype")) {
      const t = fromOnnxCode(ctx.int("dtype"));
      dtype = typeof t === "string" ? t : ctx.fail(`dtype ${t.unsupported} is not supported`);
    }
    ctx.dtypeIn(dtype, ALL, "output");
    return [{ dtype, shape: x.shape }];
  },
  compute(ctx, te, _ins, outs) {
    const t = outs[0]!.dtype;
    const k = ctx.int("k", 0);
    return [te.compute("eye_like", outs[0]!.shape, ([i, j]) =>
      select(bin("eq", bin("sub", j!, i!), c(k)), lit(1, t), lit(0, t)))];
  },
});

function rangeSpec(ctx: OpCtx): { start: number; delta: number; n: number } {
  const start = scalarOf(ctx, 0, "start"), limit = scalarOf(ctx, 1, "limit"), delta = scalarOf(ctx, 2, "delta");
  if (delta === 0) ctx.fail("delta is 0");
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  if (!Number.isFinite(n)) ctx.fail(`range from ${start} to ${limit} by ${delta} is not finite`);
  return { start, delta, n };
}

defineOp({
  op: "Range", kind: "opaque", attrs: [],
  infer(ctx) {
    const t = ctx.input(0).dtype;
    ctx.dtypeIn(t, NUMERIC);
    for (const i of [1, 2]) if (ctx.input(i).dtype !== t) ctx.fail(`inputs mix ${t} and ${ctx.input(i).dtype}`);
    return [{ dtype: t, shape: [rangeSpec(ctx).n] }];
  },
  compute(ctx, te, _ins, outs) {
    const { start, delta } = rangeSpec(ctx);
    const t = outs[0]!.dtype;
    const ct = isFloat(t) ? computeType(t) : t;
    return [te.compute("range", outs[0]!.shape, ([i]) =>
      bin("add", c(start, ct), bin("mul", cast(i!, ct), c(delta, ct))), { dtype: t })];
  },
});

defineOp({
  op: "OneHot", kind: "injective", attrs: ["axis"],
  infer(ctx) {
    const ind = ctx.input(0), vals = ctx.input(2);
    ctx.dtypeIn(ind.dtype, NUMERIC, "indices");
    if (vals.shape.length !== 1 || vals.shape[0] !== 2) ctx.fail(`values has shape [${vals.shape}], expected [2]`);
    const depth = Math.trunc(scalarOf(ctx, 1, "depth"));
    if (!(depth >= 1)) ctx.fail(`depth ${depth} must be positive`);
    const r = ind.shape.length + 1;
    const axis = ctx.axis(ctx.int("axis", -1), r);
    const shape = [...ind.shape];
    shape.splice(axis, 0, depth);
    return [{ dtype: vals.dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const [ind, vals] = [ins[0]!, ins[2]!];
    const shape = outs[0]!.shape;
    const axis = ctx.axis(ctx.int("axis", -1), shape.length);
    const depth = shape[axis]!;
    return [te.compute("one_hot", shape, (idx) => {
      const v = cast(at(ind, ...idx.filter((_, i) => i !== axis)), "i64");
      const wrapped = select(bin("lt", v, c(0, "i64")), bin("add", v, c(depth, "i64")), v);
      // Out-of-range indices match no position, so their row is all off_value.
      return select(bin("eq", wrapped, cast(idx[axis]!, "i64")), at(vals, c(1)), at(vals, c(0)));
    })];
  },
});
