/**
 * @fileoverview CausalConvWithState: a depthwise 1-D convolution over the past state followed by
 * the input, with an optional SiLU, that also returns the new state (the last K-1 steps).
 */
import { Expr, TensorRef, bin, c, cast, select, un } from "../ir/tir.ts";
import { at, reduce } from "./te.ts";
import { defineOp } from "./registry.ts";
import { FLOATS, computeType } from "./util.ts";

defineOp({
  op: "CausalConvWithState", kind: "opaque", attrs: ["activation"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(1);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length !== 3) ctx.fail(`input must be [N, C, L], got [${x.shape}]`);
    const [n, ch] = x.shape as [number, number, number];
    if (w.shape.length !== 3 || w.shape[0] !== ch || w.shape[1] !== 1)
      ctx.fail(`weight must be [${ch}, 1, K] (one filter per channel), got [${w.shape}]`);
    const km1 = w.shape[2]! - 1;
    if (ctx.has(2)) ctx.expectShape(2, [ch]);
    if (ctx.has(3)) ctx.expectShape(3, [n, ch, km1]);
    const act = ctx.string("activation", "none");
    if (!["none", "silu", "swish"].includes(act)) ctx.fail(`activation '${act}' is not one of none, silu, swish`);
    return [{ dtype: x.dtype, shape: x.shape }, { dtype: x.dtype, shape: [n, ch, km1] }];
  },
  compute(ctx, te, ins, outs) {
    const [x, w, b, past] = ins as [TensorRef, TensorRef, TensorRef | undefined, TensorRef | undefined];
    const L = x.shape[2]!;
    const km1 = w.shape[2]! - 1;
    const ct = computeType(x.dtype);
    const act = ctx.string("activation", "none");
    // Position p of the state-then-input sequence (length K-1+L).
    const padded = (n: Expr, ch: Expr, p: Expr): Expr => {
      const fromInput = cast(at(x, n, ch, bin("max", bin("sub", p, c(km1)), c(0))), ct);
      if (km1 === 0) return fromInput;
      const fromPast = past ? cast(at(past, n, ch, bin("min", p, c(km1 - 1))), ct) : c(0, ct);
      return select(bin("lt", p, c(km1)), fromPast, fromInput);
    };
    const y = te.compute("causal_conv", x.shape, ([n, ch, t]) => {
      let acc = reduce("sum", [km1 + 1], ([r]) => bin("mul", padded(n!, ch!, bin("add", t!, r!)), cast(at(w, ch!, c(0), r!), ct)));
      if (b) acc = bin("add", acc, cast(at(b, ch!), ct));
      if (act === "none") return acc;
      // The activation sees the convolution rounded to the stored type.
      const v = x.dtype === ct ? acc : cast(cast(acc, x.dtype), ct);
      return bin("mul", v, un("sigmoid", v));
    }, { dtype: x.dtype });
    const state = te.compute("causal_state", outs[1]!.shape, ([n, ch, s]) =>
      padded(n!, ch!, bin("add", s!, c(L))), { dtype: x.dtype });
    return [y, state];
  },
});
