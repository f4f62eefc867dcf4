/**
 * @fileoverview edgec.DequantizeWeight: DequantizeLinear of a weight kept in its compact form,
 * made by passes/weight-pack.ts so the weight is never stored as float.
 *   inputs: q, scale, zero_point (optional, i32);
 *   attribute type: the weight's element type (i4, u4, i8, u8);
 *   attribute shape: the weight's shape. An 8-bit q has it; a 4-bit q is u8 holding two elements
 *      a byte (the first in the low nibble): its leading dims are the weight's, its last one packs
 *      the weight's remaining dims (row-major, an odd count padded), so each row starts on a byte
 *      (a Gather of rows gathers whole bytes);
 *   attribute block: block size along the blocked axis (0: none).
 * Scale and zero point have q's rank; along each axis their dim is the weight's (one per index),
 * 1 (one for all) or ceil(dim / block) (one per block).
 * The weight is unpacked in registers by whichever kernel reads it (fuse-ops inlines it).
 */
import { DType } from "../ir/dtype.ts";
import { Expr, bin, c, cast } from "../ir/tir.ts";
import { at } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";

export const DEQUANTIZE_WEIGHT = "edgec.DequantizeWeight";
const TYPES: readonly DType[] = ["i4", "u4", "i8", "u8"];

function typeOf(ctx: OpCtx): DType {
  const t = ctx.string("type", "") as DType;
  if (!TYPES.includes(t)) ctx.fail(`attribute type must be one of ${TYPES.join(", ")}, not '${t}'`);
  return t;
}

const four = (t: DType) => t === "i4" || t === "u4";
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** The weight's shape, checked against q's. */
function weightShape(ctx: OpCtx): number[] {
  const q = ctx.input(0).shape, shape = ctx.ints("shape", []);
  const lead = q.length - 1;
  const fits = four(typeOf(ctx))
    ? lead >= 0 && lead < shape.length && q.slice(0, lead).every((d, i) => d === shape[i]) && q[lead] === Math.ceil(numel(shape.slice(lead)) / 2)
    : q.length === shape.length && q.every((d, i) => d === shape[i]);
  if (!fits) ctx.fail(`q has shape [${q}], which does not hold a ${typeOf(ctx)} weight of shape [${shape}]`);
  return shape;
}

function paramIndex(ctx: OpCtx, w: number[], p: number[], block: number, what: string): (idx: Expr[]) => Expr[] {
  if (p.length !== w.length) ctx.fail(`${what} has rank ${p.length}, the weight ${w.length}`);
  const how = p.map((d, i) => {
    if (d === w[i]) return "same";
    if (d === 1) return "one";
    if (block > 0 && d === Math.ceil(w[i]! / block)) return "block";
    return ctx.fail(`${what} dim ${i} is ${d}; expected ${w[i]}, 1 or ceil(${w[i]} / block)`);
  });
  return (idx) => idx.map((v, i) => (how[i] === "same" ? v : how[i] === "one" ? c(0) : bin("floordiv", v, c(block))));
}

defineOp({
  op: DEQUANTIZE_WEIGHT, kind: "elemwise", attrs: ["type", "block", "shape"], noFold: true,
  infer(ctx) {
    const t = typeOf(ctx);
    ctx.dtypeIn(ctx.input(0).dtype, four(t) ? ["u8"] : [t]);
    ctx.dtypeIn(ctx.input(1).dtype, ["f32"], "scale");
    const shape = weightShape(ctx);
    paramIndex(ctx, shape, ctx.input(1).shape, ctx.int("block", 0), "scale");
    if (ctx.has(2)) {
      ctx.dtypeIn(ctx.input(2).dtype, ["i32"], "zero_point");
      paramIndex(ctx, shape, ctx.input(2).shape, ctx.int("block", 0), "zero_point");
    }
    return [{ dtype: "f32", shape }];
  },
  compute(ctx, te, ins, outs) {
    const [q, s, zp] = [ins[0]!, ins[1]!, ins[2]];
    const t = typeOf(ctx), shape = outs[0]!.shape, block = ctx.int("block", 0);
    const si = paramIndex(ctx, shape, s.shape, block, "scale");
    const zi = zp && paramIndex(ctx, shape, zp.shape, block, "zero_point");
    const lead = q.shape.length - 1;
    return [te.compute("dequantize_weight", shape, (idx) => {
      let v: Expr;
      if (four(t)) {
        let j: Expr = c(0);
        for (let i = lead; i < shape.length; i++) j = bin("add", bin("mul", j, c(shape[i]!)), idx[i]!);
        const byte = cast(at(q, ...idx.slice(0, lead), bin("floordiv", j, c(2))), "i32");
        const nib = bin("and", bin("shr", byte, bin("mul", bin("floormod", j, c(2)), c(4))), c(15));
        v = t === "i4" ? bin("sub", bin("xor", nib, c(8)), c(8)) : nib;
      } else {
        v = cast(at(q, ...idx), "i32");
      }
      if (zp) v = bin("sub", v, at(zp, ...zi!(idx)));
      return bin("mul", cast(v, "f32"), at(s, ...si(idx)));
    }, { dtype: "f32" })];
  },
});
