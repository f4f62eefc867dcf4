/**
 * @fileoverview edgec.PackedConv: a float Conv (group 1) whose weights the conv-layout pass packed
 * at compile time as [C, k..., M], so consecutive output channels read consecutive weights and a
 * register tile can hold a vector of output channels where the output rows are too short to fill
 * vectors. Attributes as Conv's window: auto_pad, dilations, pads, strides.
 */
import { FLOATS } from "./util.ts";
import { floatConv, kernelOf, windowOf } from "./conv-pool.ts";
import { defineOp } from "./registry.ts";

defineOp({
  op: "edgec.PackedConv",
  kind: "out-ewise-fusable",
  attrs: ["auto_pad", "dilations", "pads", "strides"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(1);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 3 || w.shape.length !== x.shape.length || w.shape[0] !== x.shape[1])
      ctx.fail(`expects x [N, C, spatial...] and packed weights [C, k..., M]; got x [${x.shape}], weights [${w.shape}]`);
    const m = w.shape[w.shape.length - 1]!;
    if (ctx.has(2)) ctx.expectShape(2, [m]);
    const win = windowOf(ctx, x.shape.slice(2), kernelOf(w, "CKM"));
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...win.out] }];
  },
  compute(ctx, te, ins, outs) {
    return [floatConv(ctx, te, ins, outs, "CKM")];
  },
});
