/**
 * @fileoverview Element type conversions: Cast, CastLike and BitCast. Float to integer conversions
 * saturate (NaN becomes 0) so no conversion is undefined in C.
 */
import { DType, byteSize, fromOnnxCode, isFloat } from "../../ir/dtype.ts";
import { TensorType } from "../../ir/graph.ts";
import { cast } from "../../ir/tir.ts";
import { at } from "../te.ts";
import { OpCtx, OpDef, defineOp } from "./registry.ts";
import { ALL } from "./util.ts";

function defineCast(op: string, target: (ctx: OpCtx) => DType): void {
  const def: OpDef = {
    op, kind: "elemwise",
    // saturate and round_mode only change float8 conversions, which are rejected by target type.
    attrs: op === "Cast" ? ["to", "saturate", "round_mode"] : ["saturate", "round_mode"],
    infer(ctx): TensorType[] {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, ALL);
      return [{ dtype: target(ctx), shape: x.shape }];
    },
    compute(_ctx, te, ins, outs) {
      const x = ins[0]!;
      return [te.compute(op.toLowerCase(), x.shape, (idx) => cast(at(x, ...idx), outs[0]!.dtype))];
    },
  };
  defineOp(def);
}

defineCast("Cast", (ctx) => {
  const to = fromOnnxCode(ctx.int("to"));
  if (typeof to !== "string")
    return ctx.fail(`cast to ${to.unsupported} is not supported`,
      "supported targets: float, double, float16, bfloat16, int8..int64, uint8..uint64, bool");
  return to;
});

defineCast("CastLike", (ctx) => ctx.input(1).dtype);

defineOp({
  op: "BitCast", kind: "elemwise", attrs: ["to"],
  infer(ctx) {
    const x = ctx.input(0);
    const to = fromOnnxCode(ctx.int("to"));
    if (typeof to !== "string") return ctx.fail(`bit cast to ${to.unsupported} is not supported`);
    if (byteSize(to) !== byteSize(x.dtype)) ctx.fail(`cannot bit cast ${x.dtype} (${byteSize(x.dtype)} bytes) to ${to} (${byteSize(to)} bytes)`);
    // Between integer types of one width (and bool), reinterpreting bits is the modular conversion.
    if (isFloat(x.dtype) !== isFloat(to) || (isFloat(to) && to !== x.dtype) || (to === "bool" && x.dtype !== "bool"))
      ctx.fail(`bit casts from ${x.dtype} to ${to} are not supported`, "only integer types of the same width (or bool to 8-bit integers) can be bit cast");
    return [{ dtype: to, shape: x.shape }];
  },
  compute(_ctx, te, ins, outs) {
    const x = ins[0]!;
    return [te.compute("bitcast", x.shape, (idx) => cast(at(x, ...idx), outs[0]!.dtype))];
  },
});
