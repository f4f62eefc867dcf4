/**
 * @fileoverview edgec.QLinearConvDot4: QLinearConv (group 1) reduced four input channels per step
 * with the target's int8 dot product (the IR's dot4ss / dot4us), made by passes/conv-layout.ts.
 *   inputs: x, x_scale, x_zero_point, W, w_scale, y_scale, y_zero_point, B
 *   W: i32 [M/Bk, ceil(C/4), k..., Bk], each word the int8 weights of filter m at four consecutive
 *      channels (the first in the low byte), in blocks of Bk filters as edgec.PackedConv's;
 *   B: i32 [M], the bias less (x_zero_point + offset) * sum of filter m's weights;
 *   attribute dot: "ss" or "us", the dot product's signedness.
 * The window reads a copy of x with four channels per word, each byte x + offset, where offset
 * makes it the dot product's type (128 turns int8 into uint8 for "us"), padded with x_zero_point
 * and with channels past C. So sum (x - zx) * w = sum (x + off) * w - (zx + off) * sum w: the
 * first sum is the dot products', the second is folded into B at compile time.
 */
import { DType } from "../ir/dtype.ts";
import { Expr, TensorRef, bin, c, cast, select } from "../ir/tir.ts";
import { at, reduce } from "./te.ts";
import { inside, windowOf } from "./conv-pool.ts";
import { checkVecParam, requantizeConv } from "./quant.ts";
import { OpCtx, defineOp } from "./registry.ts";

/** What is added to each input byte so that it is the dot product's first operand type. */
export function dotOffset(x: DType, dot: "ss" | "us"): number {
  if (dot === "us") return x === "i8" ? 128 : 0;
  return x === "u8" ? -128 : 0;
}

function dotOf(ctx: OpCtx): "ss" | "us" {
  const d = ctx.string("dot", "");
  if (d !== "ss" && d !== "us") ctx.fail(`attribute dot must be 'ss' or 'us', not '${d}'`);
  return d;
}

defineOp({
  op: "edgec.QLinearConvDot4",
  kind: "out-ewise-fusable",
  attrs: ["auto_pad", "dilations", "pads", "strides", "dot"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(3);
    ctx.dtypeIn(x.dtype, ["i8", "u8"], "x");
    ctx.dtypeIn(w.dtype, ["i32"], "W");
    dotOf(ctx);
    if (x.shape.length < 3 || w.shape.length !== x.shape.length + 1 || w.shape[1] !== Math.ceil(x.shape[1]! / 4))
      ctx.fail(`expects x [N, C, spatial...] and packed weights [M/B, ceil(C/4), k..., B]; got x [${x.shape}], weights [${w.shape}]`);
    const m = w.shape[0]! * w.shape[w.shape.length - 1]!;
    for (const i of [1, 4, 5]) ctx.dtypeIn(ctx.input(i).dtype, ["f32"], "scale");
    checkVecParam(ctx, 1, undefined, "x_scale"); checkVecParam(ctx, 2, undefined, "x_zero_point");
    checkVecParam(ctx, 4, m, "w_scale"); checkVecParam(ctx, 5, undefined, "y_scale"); checkVecParam(ctx, 6, undefined, "y_zero_point");
    ctx.dtypeIn(ctx.input(6).dtype, ["i8", "u8"], "y_zero_point");
    ctx.dtypeIn(ctx.input(7).dtype, ["i32"], "B");
    ctx.expectShape(7, [m]);
    const win = windowOf(ctx, x.shape.slice(2), w.shape.slice(2, -1));
    return [{ dtype: ctx.input(6).dtype, shape: [x.shape[0]!, m, ...win.out] }];
  },
  compute(ctx, te, ins, outs) {
    const [x, xs, xzp, w, ws, ys, yzp, bias] = ins as TensorRef[];
    const dot = dotOf(ctx);
    const off = dotOffset(x!.dtype, dot);
    const spatial = x!.shape.slice(2), channels = x!.shape[1]!;
    const kernel = w!.shape.slice(2, -1), B = w!.shape[w!.shape.length - 1]!;
    const win = windowOf(ctx, spatial, kernel);
    const one = (t: TensorRef) => at(t, ...t.shape.map(() => c(0)));
    const zx = xzp ? one(xzp) : c(0, x!.dtype);
    const padded = spatial.map((d, i) => d + win.begin[i]! + win.end[i]!);
    const packed = te.compute("pack4", [x!.shape[0]!, w!.shape[1]!, ...padded], ([n, q, ...s]) => {
      const coords = s.map((si, i) => bin("sub", si!, c(win.begin[i]!)));
      let word: Expr = c(0, "i32");
      for (let j = 0; j < 4; j++) {
        const ch = bin("add", bin("mul", q!, c(4)), c(j));
        const ok = inside(coords, spatial);
        const valid = ok ? bin("land", ok, bin("lt", ch, c(channels))) : bin("lt", ch, c(channels));
        const v = bin("add", cast(select(valid, at(x!, n!, ch, ...coords), zx), "i32"), c(off, "i32"));
        word = bin("or", word, bin("shl", bin("and", v, c(255, "i32")), c(8 * j, "i32")));
      }
      return word;
    }, { dtype: "i32", materialize: true });
    const acc = te.compute("conv_dot4", outs[0]!.shape, ([n, m, ...o]) =>
      reduce("sum", [w!.shape[1]!, ...kernel], ([q, ...r]) => {
        const coords = o.map((oi, i) => bin("add", bin("mul", oi!, c(win.strides[i]!)), bin("mul", r[i]!, c(win.dilations[i]!))));
        const wv = at(w!, bin("floordiv", m!, c(B)), q!, ...r, bin("floormod", m!, c(B)));
        return bin(dot === "ss" ? "dot4ss" : "dot4us", at(packed, n!, q!, ...coords), wv);
      }), { dtype: "i32" });
    return [requantizeConv(te, acc, { xs: xs!, ws: ws!, ys: ys!, yzp: yzp!, bias: bias! }, outs[0]!)];
  },
});
