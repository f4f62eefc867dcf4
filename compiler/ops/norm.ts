/**
 * @fileoverview Normalisations: BatchNormalization (inference), LayerNormalization.
 */
import { Expr, bin, c, cast, un } from "../../ir/tir.ts";
import { at, reduce } from "../te.ts";
import { defineOp } from "./registry.ts";
import { FLOATS, bcast, computeType, k } from "./util.ts";

defineOp({
  op: "BatchNormalization", kind: "elemwise",
  attrs: ["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (ctx.int("training_mode", 0) === 1 || ctx.node.outputs.filter((o) => o).length > 1)
      ctx.fail("training mode is not supported", "export the model in inference mode (eval())");
    if (x.shape.length < 2) ctx.fail("input must have rank >= 2");
    for (const i of [1, 2, 3, 4]) ctx.expectShape(i, [x.shape[1]!]);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins) {
    const [x, scale, bias, mean, vari] = ins.map((t) => t!) as [NonNullable<typeof ins[0]>, ...NonNullable<typeof ins[0]>[]];
    const eps = ctx.float("epsilon", 1e-5);
    const ct = computeType(x.dtype);
    const f = (e: Expr) => cast(e, ct);
    return [te.compute("batchnorm", x.shape, (idx) => {
      const ch = idx[1]!;
      const inv = bin("div", f(at(scale!, ch)), un("sqrt", bin("add", f(at(vari!, ch)), k(eps, x.dtype))));
      return bin("add", bin("mul", bin("sub", f(at(x, ...idx)), f(at(mean!, ch))), inv), f(at(bias!, ch)));
    }, { dtype: x.dtype })];
  },
});

defineOp({
  op: "LayerNormalization", kind: "reduce", attrs: ["axis", "epsilon", "stash_type"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    const axis = ctx.axis(ctx.int("axis", -1), x.shape.length);
    const stat = x.shape.map((d, i) => (i < axis ? d : 1));
    const outs = [{ dtype: x.dtype, shape: x.shape }, { dtype: "f32" as const, shape: stat }, { dtype: "f32" as const, shape: stat }];
    return outs.slice(0, Math.max(1, ctx.node.outputs.length));
  },
  compute(ctx, te, ins, outs) {
    const [x, scale, bias] = ins;
    const r = x!.shape.length;
    const axis = ctx.axis(ctx.int("axis", -1), r);
    const eps = ctx.float("epsilon", 1e-5);
    const ext = x!.shape.slice(axis);
    const n = ext.reduce((a, b) => a * b, 1);
    const stat = x!.shape.map((d, i) => (i < axis ? d : 1));
    const ct = ctx.int("stash_type", 1) === 1 ? "f32" : computeType(x!.dtype);
    const xi = (idx: Expr[], rr: Expr[]) => cast(at(x!, ...idx.slice(0, axis), ...rr), ct);
    const mean = te.compute("ln_mean", stat, (idx) =>
      bin("div", reduce("sum", ext, (rv) => xi(idx, rv)), c(n, ct)), { dtype: ct });
    const inv = te.compute("ln_invstd", stat, (idx) => {
      const m = at(mean, ...idx);
      const v = bin("div", reduce("sum", ext, (rv) => { const d = bin("sub", xi(idx, rv), m); return bin("mul", d, d); }), c(n, ct));
      return bin("div", c(1, ct), un("sqrt", bin("add", v, c(eps, ct))));
    }, { dtype: ct });
    const y = te.compute("layernorm", x!.shape, (idx) => {
      const s = idx.map((v, i) => (i < axis ? v : c(0)));
      const tail = idx.slice(axis);
      let e = bin("mul", bin("sub", xi(idx, tail), at(mean, ...s)), at(inv, ...s));
      e = bin("mul", e, cast(bcast(scale!, tail), ct));
      if (bias) e = bin("add", e, cast(bcast(bias, tail), ct));
      return e;
    }, { dtype: outs[0]!.dtype });
    return [y, mean, inv].slice(0, outs.length);
  },
});
