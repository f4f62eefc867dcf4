/**
 * @fileoverview Element type conversions: Cast, CastLike and BitCast. Float to integer conversions
 * saturate (NaN becomes 0) so no conversion is undefined in C; conversions to the 4- and 2-bit
 * integers then wrap, as ONNX's do (ir/narrow-cast.ts).
 */
import { DType, E8m0Rounding, F8_TYPES, NARROW_TYPES, byteSize, f8Max, fromOnnxCode, isF8, isNarrow } from "../ir/dtype.ts";
import { TensorType } from "../ir/graph.ts";
import { toE8m0 } from "../ir/narrow-cast.ts";
import { Expr, bin, bitcast, c, cast, select } from "../ir/tir.ts";
import { at } from "./te.ts";
import { OpCtx, OpDef, defineOp } from "./registry.ts";
import { ALL } from "./util.ts";

/**
 * Converts to an 8-bit float. The Tensor IR cast does not saturate (overflow gives Inf or NaN);
 * saturation clamps to the largest finite value first, infinities included (as the ONNX reference
 * implementation does for every float8 type), and keeps NaN.
 */
export function toF8(v: Expr, t: DType, saturate: boolean): Expr {
  const x = cast(v, "f32");
  if (!saturate) return cast(x, t);
  const m = c(f8Max(t), "f32"), nm = c(-f8Max(t), "f32");
  return cast(select(bin("gt", x, m), m, select(bin("lt", x, nm), nm, x)), t);
}

function defineCast(op: string, target: (ctx: OpCtx) => DType): void {
  const def: OpDef = {
    op, kind: "elemwise",
    // saturate changes float8 targets (float4e2m1 saturates either way); round_mode only float8e8m0.
    attrs: op === "Cast" ? ["to", "saturate", "round_mode"] : ["saturate", "round_mode"],
    infer(ctx): TensorType[] {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, [...ALL, ...F8_TYPES, ...NARROW_TYPES]);
      const mode = ctx.string("round_mode", "up");
      if (!["up", "down", "nearest"].includes(mode)) ctx.fail(`round_mode "${mode}" is not supported`, 'use "up", "down" or "nearest"');
      return [{ dtype: target(ctx), shape: x.shape }];
    },
    compute(ctx, te, ins, outs) {
      const x = ins[0]!, to = outs[0]!.dtype;
      const sat = ctx.int("saturate", 1) !== 0;
      if (to === "f8e8m0" && x.dtype !== to) {
        const mode = ctx.string("round_mode", "up") as E8m0Rounding;
        return [te.compute(op.toLowerCase(), x.shape, (idx) => toE8m0(at(x, ...idx), mode, sat))];
      }
      if (isF8(to) && x.dtype !== to) return [te.compute(op.toLowerCase(), x.shape, (idx) => toF8(at(x, ...idx), to, sat))];
      return [te.compute(op.toLowerCase(), x.shape, (idx) => cast(at(x, ...idx), to))];
    },
  };
  defineOp(def);
}

defineCast("Cast", (ctx) => {
  const to = fromOnnxCode(ctx.int("to"));
  if (typeof to !== "string")
    return ctx.fail(`cast to ${to.unsupported} is not supported`,
      "supported targets: float, double, float16, bfloat16, float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0), float4e2m1, int2..int64, uint2..uint64, bool");
  return to;
});

defineCast("CastLike", (ctx) => ctx.input(1).dtype);

defineOp({
  op: "BitCast", kind: "elemwise", attrs: ["to"],
  infer(ctx) {
    const x = ctx.input(0);
    const to = fromOnnxCode(ctx.int("to"));
    if (typeof to !== "string") return ctx.fail(`bit cast to ${to.unsupported} is not supported`);
    if (isNarrow(x.dtype) || isNarrow(to))
      ctx.fail(`bit casts from ${x.dtype} to ${to} are not supported`, "the 4- and 2-bit types and float8e8m0 cannot be bit cast");
    if (byteSize(to) !== byteSize(x.dtype)) ctx.fail(`cannot bit cast ${x.dtype} (${byteSize(x.dtype)} bytes) to ${to} (${byteSize(to)} bytes)`);
    // Any bit pattern but 0 and 1 would be an invalid bool.
    if (to === "bool" && x.dtype !== "bool") ctx.fail(`bit casts from ${x.dtype} to bool are not supported`, "compare with 0 instead");
    return [{ dtype: to, shape: x.shape }];
  },
  compute(_ctx, te, ins, outs) {
    const x = ins[0]!;
    return [te.compute("bitcast", x.shape, (idx) => bitcast(at(x, ...idx), outs[0]!.dtype))];
  },
});
