/**
 * @fileoverview Quantisation: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear and the
 * integer kernels MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv. Accumulation is
 * integer (int32, wrapping), so results are bit-exact.
 */
import { DType, F8_TYPES, isF8, isFloat } from "../ir/dtype.ts";
import { TensorType } from "../ir/graph.ts";
import { Expr, TensorRef, Var, bin, c, cast, select, un } from "../ir/tir.ts";
import { foldsRows } from "../ir/schedule.ts";
import { TE, at, maxOf, minOf, reduce } from "./te.ts";
import { WeightLayout, convSum, kernelOf, padInput, phaseInput, windowOf } from "./conv-pool.ts";
import { matmulIndex, matmulShape } from "./linalg.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { toF8 } from "./cast.ts";
import { FLOATS } from "./util.ts";

const QTYPES: readonly DType[] = ["i8", "u8", "i16", "u16", "i32", "u32", "i4", "u4", "i2", "u2", ...F8_TYPES, "f4e2m1"];
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/**
 * How a scale/zero-point tensor of shape `p` indexes against data of shape `x`: per tensor,
 * per axis (1-D along `axis`) or blocked (same rank, `axis` divided into blocks).
 */
function paramIndexer(ctx: OpCtx, x: number[], p: number[], axis: number, block: number, what: string): (idx: Expr[]) => Expr[] {
  if (numel(p) === 1) return () => p.map(() => c(0));
  if (block > 0) {
    if (p.length !== x.length || p.some((d, i) => (i === axis ? d !== Math.ceil(x[i]! / block) : d !== x[i])))
      ctx.fail(`${what} has shape [${p}], which does not block [${x}] by ${block} along axis ${axis}`);
    return (idx) => idx.map((v, i) => (i === axis ? bin("floordiv", v, c(block)) : v));
  }
  if (p.length !== 1 || p[0] !== x[axis])
    ctx.fail(`${what} has shape [${p}]; expected one value or [${x[axis]}] along axis ${axis}`);
  return (idx) => [idx[axis]!];
}

/** Rounds half to even (unless `v` is integral already) and clamps to the range of `t` before converting. */
function saturate(v: Expr, t: DType, integral = false): Expr {
  const r = integral ? v : un("round", v);
  return cast(bin("min", bin("max", r, c(minOf(t), v.dtype)), c(maxOf(t), v.dtype)), t);
}

/** Rounds to the precision of `t` (f16/bf16 arithmetic is done in f32 and rounded after each step). */
const asT = (e: Expr, t: DType): Expr => (t === "f16" || t === "bf16" ? cast(cast(e, t), "f32") : e);
const ctOf = (t: DType): DType => (t === "f64" ? "f64" : "f32");
/** 32-bit integers: not every value is exact in f32. */
const wide = (t: DType): boolean => t === "i32" || t === "u32";

/** The quantisation axis; a per-tensor scale ignores it. */
function quantAxis(ctx: OpCtx, rank: number, scale: number[]): number {
  return rank === 0 || numel(scale) === 1 ? 0 : ctx.axis(ctx.int("axis", 1), rank);
}

defineOp({
  op: "QuantizeLinear", kind: "elemwise", attrs: ["axis", "block_size", "output_dtype", "precision", "saturate"],
  infer(ctx) {
    const x = ctx.input(0), s = ctx.input(1);
    ctx.dtypeIn(x.dtype, [...FLOATS, "i32"]);
    let out: DType = ctx.has(2) ? ctx.input(2).dtype : "u8";
    if (ctx.int("output_dtype", 0) !== 0 && !ctx.has(2)) {
      const code = ctx.int("output_dtype");
      const byCode: Record<number, DType> = {
        2: "u8", 3: "i8", 4: "u16", 5: "i16", 6: "i32", 12: "u32",
        17: "f8e4m3fn", 18: "f8e4m3fnuz", 19: "f8e5m2", 20: "f8e5m2fnuz",
        21: "u4", 22: "i4", 23: "f4e2m1", 25: "u2", 26: "i2",
      };
      out = byCode[code] ?? ctx.fail(`output_dtype ${code} is not supported`, `supported: ${QTYPES.join(", ")}`);
    }
    ctx.dtypeIn(out, QTYPES, "output");
    const axis = quantAxis(ctx, x.shape.length, s.shape);
    paramIndexer(ctx, x.shape, s.shape, axis, ctx.int("block_size", 0), "y_scale");
    if (ctx.has(2)) paramIndexer(ctx, x.shape, ctx.input(2).shape, axis, ctx.int("block_size", 0), "y_zero_point");
    return [{ dtype: out, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, s, zp] = [ins[0]!, ins[1]!, ins[2]];
    const out = outs[0]!.dtype;
    const axis = quantAxis(ctx, x.shape.length, s.shape);
    const block = ctx.int("block_size", 0);
    const si = paramIndexer(ctx, x.shape, s.shape, axis, block, "y_scale");
    const zi = zp && paramIndexer(ctx, x.shape, zp.shape, axis, block, "y_zero_point");
    const ct = ctOf(s.dtype);
    return [te.compute("quantize", x.shape, (idx) => {
      const q = asT(bin("div", cast(at(x, ...idx), ct), cast(at(s, ...si(idx)), ct)), isFloat(x.dtype) ? x.dtype : s.dtype);
      // Float8 targets round once, in the conversion itself, and saturate only if asked.
      if (isF8(out)) return toF8(zp ? bin("add", q, cast(at(zp, ...zi!(idx)), ct)) : q, out, ctx.int("saturate", 1) !== 0);
      // float4e2m1 has no Inf: its conversion always saturates.
      if (out === "f4e2m1") return cast(zp ? bin("add", q, cast(at(zp, ...zi!(idx)), ct)) : q, out);
      const at32 = wide(out) ? "f64" : "f32";
      let v = cast(un("round", q), at32);
      if (zp) v = bin("add", v, cast(at(zp, ...zi!(idx)), at32));
      return saturate(v, out, true);
    }, { dtype: out })];
  },
});

defineOp({
  op: "DequantizeLinear", kind: "elemwise", attrs: ["axis", "block_size", "output_dtype", "precision"],
  infer(ctx) {
    const x = ctx.input(0), s = ctx.input(1);
    ctx.dtypeIn(x.dtype, QTYPES);
    ctx.dtypeIn(s.dtype, FLOATS, "x_scale");
    const axis = quantAxis(ctx, x.shape.length, s.shape);
    paramIndexer(ctx, x.shape, s.shape, axis, ctx.int("block_size", 0), "x_scale");
    if (ctx.has(2)) {
      if (ctx.input(2).dtype !== x.dtype) ctx.fail(`x_zero_point type ${ctx.input(2).dtype} differs from x type ${x.dtype}`);
      paramIndexer(ctx, x.shape, ctx.input(2).shape, axis, ctx.int("block_size", 0), "x_zero_point");
    }
    return [{ dtype: s.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, s, zp] = [ins[0]!, ins[1]!, ins[2]];
    const axis = quantAxis(ctx, x.shape.length, s.shape);
    const block = ctx.int("block_size", 0);
    const si = paramIndexer(ctx, x.shape, s.shape, axis, block, "x_scale");
    const zi = zp && paramIndexer(ctx, x.shape, zp.shape, axis, block, "x_zero_point");
    const ct = ctOf(s.dtype);
    return [te.compute("dequantize", x.shape, (idx) => {
      // x - zero_point is exact in f32 for every type up to 16 bits, in f64 for the 32-bit ones.
      const dt = wide(x.dtype) ? "f64" : "f32";
      let d = cast(at(x, ...idx), dt);
      if (zp) d = bin("sub", d, cast(at(zp, ...zi!(idx)), dt));
      return bin("mul", cast(d, ct), cast(at(s, ...si(idx)), ct));
    }, { dtype: outs[0]!.dtype })];
  },
});

defineOp({
  op: "DynamicQuantizeLinear", kind: "opaque", attrs: [],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, ["f32"]);
    return [{ dtype: "u8", shape: x.shape }, { dtype: "f32", shape: [] }, { dtype: "u8", shape: [] }];
  },
  compute(_ctx, te, ins) {
    const x = ins[0]!;
    const n = numel(x.shape);
    const flat = (r: Var) => {
      const idx: Expr[] = [];
      let rest: Expr = r;
      for (let i = x.shape.length - 1; i >= 0; i--) {
        idx.unshift(i === 0 ? rest : bin("floormod", rest, c(x.shape[i]!)));
        rest = bin("floordiv", rest, c(x.shape[i]!));
      }
      return at(x, ...idx);
    };
    // The range always includes 0 so that 0 quantises exactly.
    const lo = te.compute("dq_min", [], () => reduce("min", [n], ([r]) => flat(r!), c(0, "f32")), { materialize: true });
    const hi = te.compute("dq_max", [], () => reduce("max", [n], ([r]) => flat(r!), c(0, "f32")), { materialize: true });
    const scale = te.compute("dq_scale", [], () => bin("div", bin("sub", at(hi), at(lo)), c(255, "f32")), { materialize: true });
    const safe = (s: Expr) => select(bin("gt", s, c(0, "f32")), s, c(1, "f32"));
    const zp = te.compute("dq_zero_point", [], () =>
      saturate(bin("sub", c(0, "f32"), bin("div", at(lo), safe(at(scale)))), "u8"), { dtype: "u8", materialize: true });
    const y = te.compute("dq_y", x.shape, (idx) =>
      saturate(bin("add", un("round", bin("div", at(x, ...idx), safe(at(scale)))), cast(at(zp), "f32")), "u8", true), { dtype: "u8" });
    return [y, scale, zp];
  },
});

/** Input i as a zero point: undefined when absent or a constant of zeros, which needs no subtraction. */
function zeroPoint(ctx: OpCtx, i: number, t: TensorRef | undefined): TensorRef | undefined {
  const k = ctx.constant(i);
  return k && Array.from(k.data as ArrayLike<number>).every((v) => Number(v) === 0) ? undefined : t;
}

/** Integer value minus its zero point, in i32. */
const centred = (v: Expr, zp: Expr | undefined): Expr => (zp ? bin("sub", cast(v, "i32"), cast(zp, "i32")) : cast(v, "i32"));

/** A zero point (or scale) that is per tensor or per row/column of a matmul operand. */
function perRowOrTensor(t: TensorRef | undefined, rowOrCol: Expr | undefined): Expr | undefined {
  if (!t) return undefined;
  if (numel(t.shape) === 1) return at(t, ...t.shape.map(() => c(0)));
  return at(t, rowOrCol!);
}

export function checkVecParam(ctx: OpCtx, i: number, len: number | undefined, what: string): void {
  if (!ctx.has(i)) return;
  const s = ctx.input(i).shape;
  if (numel(s) !== 1 && (len === undefined || s.length !== 1 || s[0] !== len))
    ctx.fail(`${what} must hold one value or one per ${len === undefined ? "row" : len}, got shape [${s}]`);
}

function integerMatMul(te: TE, a: TensorRef, b: TensorRef, out: number[], azp?: TensorRef, bzp?: TensorRef): TensorRef {
  const kk = a.shape[a.shape.length - 1]!;
  return te.compute("matmul_int", out, (idx) => {
    const m = matmulIndex(a.shape, b.shape, idx);
    const za = perRowOrTensor(azp, m.i), zb = perRowOrTensor(bzp, m.j);
    return reduce("sum", [kk], ([r]) => bin("mul", centred(at(a, ...m.ai(r!)), za), centred(at(b, ...m.bi(r!)), zb)));
  }, { dtype: "i32" });
}

defineOp({
  op: "MatMulInteger", kind: "out-ewise-fusable", attrs: [],
  infer(ctx) {
    const a = ctx.input(0), b = ctx.input(1);
    ctx.dtypeIn(a.dtype, ["i8", "u8"], "A");
    ctx.dtypeIn(b.dtype, ["i8", "u8"], "B");
    const shape = matmulShape(ctx, a.shape, b.shape);
    checkVecParam(ctx, 2, a.shape.length > 1 ? a.shape[a.shape.length - 2] : undefined, "a_zero_point");
    checkVecParam(ctx, 3, b.shape.length > 1 ? b.shape[b.shape.length - 1] : undefined, "b_zero_point");
    return [{ dtype: "i32", shape }];
  },
  compute: (ctx, te, ins, outs) => [integerMatMul(te, ins[0]!, ins[1]!, outs[0]!.shape, zeroPoint(ctx, 2, ins[2]), zeroPoint(ctx, 3, ins[3]))],
});

/**
 * y = saturate(round(acc * multiplier) + zero point) in f32, as ONNX Runtime requantizes (so the
 * outputs match its bit for bit, and the epilogue has a vector form).
 */
function requantize(acc: Expr, mult: Expr, yzp: Expr, out: DType): Expr {
  // round(x) + zero point is a whole number (floats past 2^24 all are): saturate need not round it again.
  return saturate(bin("add", un("round", bin("mul", cast(acc, "f32"), cast(mult, "f32"))), cast(yzp, "f32")), out, true);
}

defineOp({
  op: "QLinearMatMul", kind: "out-ewise-fusable", attrs: [],
  infer(ctx) {
    const a = ctx.input(0), b = ctx.input(3);
    ctx.dtypeIn(a.dtype, ["i8", "u8"], "a");
    ctx.dtypeIn(b.dtype, ["i8", "u8"], "b");
    const shape = matmulShape(ctx, a.shape, b.shape);
    for (const i of [1, 4, 6]) ctx.dtypeIn(ctx.input(i).dtype, FLOATS, "scale");
    const rows = a.shape.length > 1 ? a.shape[a.shape.length - 2] : undefined;
    const cols = b.shape.length > 1 ? b.shape[b.shape.length - 1] : undefined;
    checkVecParam(ctx, 1, rows, "a_scale"); checkVecParam(ctx, 2, rows, "a_zero_point");
    checkVecParam(ctx, 4, cols, "b_scale"); checkVecParam(ctx, 5, cols, "b_zero_point");
    checkVecParam(ctx, 6, undefined, "y_scale"); checkVecParam(ctx, 7, undefined, "y_zero_point");
    ctx.dtypeIn(ctx.input(7).dtype, ["i8", "u8"], "y_zero_point");
    return [{ dtype: ctx.input(7).dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const [a, as, azp, b, bs, bzp, ys, yzp] = ins as TensorRef[];
    const acc = integerMatMul(te, a!, b!, outs[0]!.shape, zeroPoint(ctx, 2, azp), zeroPoint(ctx, 5, bzp));
    const st = as!.dtype;
    return [te.compute("qlinear_matmul", outs[0]!.shape, (idx) => {
      const m = matmulIndex(a!.shape, b!.shape, idx);
      const sa = cast(perRowOrTensor(as, m.i)!, "f32"), sb = cast(perRowOrTensor(bs, m.j)!, "f32");
      const mult = asT(bin("div", asT(bin("mul", sa, sb), st), cast(perRowOrTensor(ys, undefined)!, "f32")), st);
      return requantize(at(acc, ...idx), mult, perRowOrTensor(yzp, undefined)!, outs[0]!.dtype);
    }, { dtype: outs[0]!.dtype })];
  },
});

/**
 * Integer convolution of (x - x_zp) and (w - w_zp[m]) accumulated in i32. The window reads a padded
 * copy of x (split into phases when strided, as the float Conv's), so the register tile sees plain
 * loads; with an input zero point, on targets that ask for it (TEHints.int16Copies), the copy holds
 * x - x_zp as i16 and its padding 0, so the subtraction runs once per element, not per multiply.
 */
function integerConv(ctx: OpCtx, te: TE, x: TensorRef, w: TensorRef, out: number[], xzp?: TensorRef, wzp?: TensorRef, layout: WeightLayout = "MCK"): TensorRef {
  const zx = xzp && at(xzp, ...xzp.shape.map(() => c(0)));
  const win = windowOf(ctx, x.shape.slice(2), kernelOf(w, layout));
  const strided = win.strides.some((s) => s > 1) && win.dilations.every((d) => d === 1);
  // An unpadded, unstrided window reads x itself: x - x_zp stays in the sum (shared by a tile's rows).
  // So does a padded one whose short rows fold into one run on a target with masked loads (taps
  // in the padding add x - x_zp = 0 under a lane select); rows that fill vectors read a copy,
  // which measured faster (mobilenet_v2's 112- to 14-wide depthwise rows: 10-40% per kernel).
  const W = out[out.length - 1]!, L = te.hints.lanes;
  const folds = te.hints.padInPlace && !te.hints.int16Copies && L !== undefined && foldsRows(W, L) && W === x.shape[x.shape.length - 1];
  const copied = strided || ([...win.begin, ...win.end].some((p) => p > 0) && !folds);
  const map = zx && copied && te.hints.int16Copies ? { f: (e: Expr) => bin("sub", cast(e, "i16"), cast(zx, "i16")), dtype: "i16" as const } : undefined;
  const fill = map ? c(0, "i16") : zx ?? c(0, x.dtype);
  const phased = strided ? phaseInput(te, x, win, fill, map) : undefined;
  const padded = phased || !copied ? { x, win } : padInput(te, x, win, fill, map);
  const zxInSum = map ? undefined : zx;
  return te.compute("conv_int", out, (idx) => {
    const zw = wzp && (numel(wzp.shape) === 1 ? at(wzp, ...wzp.shape.map(() => c(0))) : at(wzp, idx[1]!));
    return convSum(ctx, padded.x, w, idx, { x: (e) => centred(e, zxInSum), w: (e) => centred(e, zw), zero: c(0), at: phased }, padded.win, layout);
  }, { dtype: "i32" });
}

function convShape(ctx: OpCtx, x: TensorType, w: TensorType): number[] {
  if (x.shape.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got rank ${x.shape.length}`);
  if (w.shape.length !== x.shape.length) ctx.fail("weight rank must equal input rank");
  const group = ctx.int("group", 1);
  const [m, cpg] = w.shape as [number, number];
  if (group < 1 || m % group !== 0 || cpg * group !== x.shape[1])
    ctx.fail(`channels ${x.shape[1]} and filters ${m} do not match group ${group} with weight shape [${w.shape}]`);
  const kernel = ctx.ints("kernel_shape", w.shape.slice(2));
  const win = windowOf(ctx, x.shape.slice(2), kernel);
  return [x.shape[0]!, m, ...win.out];
}

const CONV_ATTRS = ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"];

defineOp({
  op: "ConvInteger", kind: "out-ewise-fusable", attrs: CONV_ATTRS,
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(1);
    ctx.dtypeIn(x.dtype, ["i8", "u8"], "x");
    ctx.dtypeIn(w.dtype, ["i8", "u8"], "w");
    checkVecParam(ctx, 2, undefined, "x_zero_point");
    checkVecParam(ctx, 3, w.shape[0], "w_zero_point");
    return [{ dtype: "i32", shape: convShape(ctx, x, w) }];
  },
  compute: (ctx, te, ins, outs) => [integerConv(ctx, te, ins[0]!, ins[1]!, outs[0]!.shape, zeroPoint(ctx, 2, ins[2]), zeroPoint(ctx, 3, ins[3]))],
});

/** QLinearConv's checks on everything but the weight's layout; m is the number of filters. */
function qlinearConvParams(ctx: OpCtx, m: number): DType {
  ctx.dtypeIn(ctx.input(0).dtype, ["i8", "u8"], "x");
  ctx.dtypeIn(ctx.input(3).dtype, ["i8", "u8"], "w");
  for (const i of [1, 4, 6]) ctx.dtypeIn(ctx.input(i).dtype, ["f32"], "scale");
  checkVecParam(ctx, 1, undefined, "x_scale"); checkVecParam(ctx, 2, undefined, "x_zero_point");
  checkVecParam(ctx, 4, m, "w_scale"); checkVecParam(ctx, 5, m, "w_zero_point");
  checkVecParam(ctx, 6, undefined, "y_scale"); checkVecParam(ctx, 7, undefined, "y_zero_point");
  ctx.dtypeIn(ctx.input(7).dtype, ["i8", "u8"], "y_zero_point");
  if (ctx.has(8)) { ctx.dtypeIn(ctx.input(8).dtype, ["i32"], "B"); ctx.expectShape(8, [m]); }
  return ctx.input(7).dtype;
}

defineOp({
  op: "QLinearConv", kind: "out-ewise-fusable", attrs: CONV_ATTRS,
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(3);
    const dtype = qlinearConvParams(ctx, w.shape[0]!);
    return [{ dtype, shape: convShape(ctx, x, w) }];
  },
  compute: (ctx, te, ins, outs) => qlinearConv(ctx, te, ins, outs, "MCK"),
});

/**
 * edgec.PackedQLinearConv: QLinearConv (group 1) whose weights the conv-layout pass packed in blocks
 * of B filters, [M/B, C, k..., B], as edgec.PackedConv's: its tile holds vectors of output channels
 * where the output rows are too short to fill vectors. Inputs and window attributes as QLinearConv's.
 */
defineOp({
  op: "edgec.PackedQLinearConv", kind: "out-ewise-fusable", attrs: ["auto_pad", "dilations", "pads", "strides"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(3);
    if (x.shape.length < 3 || w.shape.length !== x.shape.length + 1 || w.shape[1] !== x.shape[1])
      ctx.fail(`expects x [N, C, spatial...] and packed weights [M/B, C, k..., B]; got x [${x.shape}], weights [${w.shape}]`);
    const m = w.shape[0]! * w.shape[w.shape.length - 1]!;
    const dtype = qlinearConvParams(ctx, m);
    const win = windowOf(ctx, x.shape.slice(2), kernelOf(w, "blocked"));
    return [{ dtype, shape: [x.shape[0]!, m, ...win.out] }];
  },
  compute: (ctx, te, ins, outs) => qlinearConv(ctx, te, ins, outs, "blocked"),
});

/** QLinearConv with its weights in `layout`: the integer convolution, then requantized per filter. */
function qlinearConv(ctx: OpCtx, te: TE, ins: (TensorRef | undefined)[], outs: TensorType[], layout: WeightLayout): TensorRef[] {
  const [x, xs, xzp, w, ws, wzp, ys, yzp, bias] = ins;
  const acc = integerConv(ctx, te, x!, w!, outs[0]!.shape, zeroPoint(ctx, 2, xzp), zeroPoint(ctx, 5, wzp), layout);
  return [requantizeConv(te, acc, { xs: xs!, ws: ws!, ys: ys!, yzp: yzp!, bias }, outs[0]!)];
}

/** A convolution's i32 sums [N, M, ...] plus bias[m], requantized per filter by x_scale * w_scale[m] / y_scale. */
export function requantizeConv(te: TE, acc: TensorRef, p: { xs: TensorRef; ws: TensorRef; ys: TensorRef; yzp: TensorRef; bias?: TensorRef }, out: TensorType): TensorRef {
  const one = (t: TensorRef) => at(t, ...t.shape.map(() => c(0)));
  return te.compute("qlinear_conv", out.shape, (idx) => {
    const m = idx[1]!;
    const sw = numel(p.ws.shape) === 1 ? one(p.ws) : at(p.ws, m);
    const mult = bin("div", bin("mul", one(p.xs), sw), one(p.ys));
    let a = at(acc, ...idx);
    if (p.bias) a = bin("add", a, at(p.bias, m));
    return requantize(a, mult, one(p.yzp), out.dtype);
  }, { dtype: out.dtype });
}
