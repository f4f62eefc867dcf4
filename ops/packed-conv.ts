/**
 * @fileoverview edgec.PackedConv: a float Conv (group 1) whose weights the conv-layout pass packed
 * at compile time in blocks of B output channels, [M/B, C, k..., B], so consecutive output
 * channels read consecutive weights, a block's weights are one contiguous run, and a register
 * tile can hold vectors of output channels where the output rows are too short to fill vectors.
 * Attributes as Conv's window: auto_pad, dilations, pads, strides.
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
    if (x.shape.length < 3 || w.shape.length !== x.shape.length + 1 || w.shape[1] !== x.shape[1])
      ctx.fail(`expects x [N, C, spatial...] and packed weights [M/B, C, k..., B]; got x [${x.shape}], weights [${w.shape}]`);
    const m = w.shape[0]! * w.shape[w.shape.length - 1]!;
    if (ctx.has(2)) ctx.expectShape(2, [m]);
    const win = windowOf(ctx, x.shape.slice(2), kernelOf(w, "blocked"));
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...win.out] }];
  },
  compute(ctx, te, ins, outs) {
    return [floatConv(ctx, te, ins, outs, "blocked")];
  },
});
