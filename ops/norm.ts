/**
 * @fileoverview Normalisations: BatchNormalization, Layer/RMS/Instance/Group normalisation,
 * MeanVarianceNormalization, LpNormalization and LRN.
 */
import { DType } from "../ir/dtype.ts";
import { Expr, TensorRef, Var, bin, c, cast, select, un } from "../ir/tir.ts";
import { TE, at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, bcast, broadcastsTo, computeType, k } from "./util.ts";

/** Training mode (opset >= 14): normalise with batch statistics and return updated running ones. */
const bnTraining = (ctx: OpCtx) => ctx.opset >= 14 && ctx.int("training_mode", 0) === 1;

defineOp({
  op: "BatchNormalization", kind: "elemwise",
  attrs: ["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    const outs = ctx.node.outputs.filter((o) => o).length;
    if ((!bnTraining(ctx) && outs > 1) || ctx.node.outputs.length > 3)
      ctx.fail("training mode is only supported from opset 14 with outputs Y, running_mean, running_var",
        "export the model in inference mode (eval())");
    if (x.shape.length < 2) ctx.fail("input must have rank >= 2");
    for (const i of [1, 2, 3, 4]) ctx.expectShape(i, [x.shape[1]!]);
    const stat = { dtype: x.dtype, shape: [x.shape[1]!] };
    return bnTraining(ctx) ? [{ dtype: x.dtype, shape: x.shape }, stat, stat].slice(0, ctx.node.outputs.length)
      : [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, scale, bias, mean, vari] = ins.map((t) => t!) as TensorRef[];
    const eps = ctx.float("epsilon", 1e-5);
    const ct = computeType(x!.dtype);
    const f = (e: Expr) => cast(e, ct);
    if (!bnTraining(ctx)) {
      return [te.compute("batchnorm", x!.shape, (idx) => {
        const ch = idx[1]!;
        const inv = bin("div", f(at(scale!, ch)), un("sqrt", bin("add", f(at(vari!, ch)), k(eps, x!.dtype))));
        return bin("add", bin("mul", bin("sub", f(at(x!, ...idx)), f(at(mean!, ch))), inv), f(at(bias!, ch)));
      }, { dtype: x!.dtype })];
    }
    const mom = ctx.float("momentum", 0.9);
    const ext = [x!.shape[0]!, ...x!.shape.slice(2)];
    const [bm, binv, bvar] = groupStats(te, [x!.shape[1]!], ext, ct, eps, ([ch], [n, ...sp]) => f(at(x!, n!, ch!, ...sp)));
    const y = te.compute("batchnorm", x!.shape, (idx) => {
      const ch = idx[1]!;
      const d = bin("mul", bin("sub", f(at(x!, ...idx)), at(bm, ch)), at(binv, ch));
      return bin("add", bin("mul", d, f(at(scale!, ch))), f(at(bias!, ch)));
    }, { dtype: x!.dtype });
    const blend = (run: TensorRef, cur: (ch: Var) => Expr) => te.compute("bn_running", [x!.shape[1]!], ([ch]) =>
      bin("add", bin("mul", f(at(run, ch!)), c(mom, ct)), bin("mul", cur(ch!), c(1 - mom, ct))), { dtype: x!.dtype });
    const rm = blend(mean!, (ch) => at(bm, ch));
    const rv = blend(vari!, (ch) => at(bvar, ch));
    return [y, rm, rv].slice(0, outs.length);
  },
});

defineOp({
  op: "LayerNormalization", kind: "reduce", attrs: ["axis", "epsilon", "stash_type"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    const axis = ctx.axis(ctx.int("axis", -1), x.shape.length);
    if (!ctx.has(1)) ctx.fail("the scale (input 1) is required");
    for (const i of [1, 2]) if (ctx.has(i)) {
      ctx.dtypeIn(ctx.input(i).dtype, FLOATS, i === 1 ? "scale" : "bias");
      broadcastsTo(ctx, i, x.shape.slice(axis), i === 1 ? "the scale" : "the bias");
    }
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

defineOp({
  op: "RMSNormalization", kind: "reduce", attrs: ["axis", "epsilon", "stash_type"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    const axis = ctx.axis(ctx.int("axis", -1), x.shape.length);
    ctx.dtypeIn(ctx.input(1).dtype, FLOATS, "scale");
    broadcastsTo(ctx, 1, x.shape.slice(axis), "the scale");
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, scale] = [ins[0]!, ins[1]!];
    const axis = ctx.axis(ctx.int("axis", -1), x.shape.length);
    const eps = ctx.float("epsilon", 1e-5);
    const ext = x.shape.slice(axis);
    const n = ext.reduce((a, b) => a * b, 1);
    const stat = x.shape.map((d, i) => (i < axis ? d : 1));
    const ct = ctx.int("stash_type", 1) === 1 ? "f32" : computeType(x.dtype);
    const xi = (idx: Expr[], rr: Expr[]) => cast(at(x, ...idx.slice(0, axis), ...rr), ct);
    const inv = te.compute("rms_inv", stat, (idx) => {
      const ms = bin("div", reduce("sum", ext, (rv) => { const v = xi(idx, rv); return bin("mul", v, v); }), c(n, ct));
      return bin("div", c(1, ct), un("sqrt", bin("add", ms, c(eps, ct))));
    }, { dtype: ct });
    return [te.compute("rmsnorm", x.shape, (idx) => {
      const s = idx.map((v, i) => (i < axis ? v : c(0)));
      const tail = idx.slice(axis);
      return bin("mul", bin("mul", xi(idx, tail), at(inv, ...s)), cast(bcast(scale, tail), ct));
    }, { dtype: outs[0]!.dtype })];
  },
});

/**
 * Mean and 1/sqrt(var + eps) per group: `stat` is the statistics shape, and `elem(s, r)` reads
 * the element of group `s` at reduction position `r` over `ext`.
 */
function groupStats(te: TE, stat: number[], ext: number[], ct: DType, eps: number,
  elem: (s: Var[], r: Var[]) => Expr): [TensorRef, TensorRef, TensorRef] {
  const n = ext.reduce((a, b) => a * b, 1);
  const mean = te.compute("norm_mean", stat, (s) => bin("div", reduce("sum", ext, (r) => elem(s, r)), c(n, ct)), { dtype: ct });
  const vari = te.compute("norm_var", stat, (s) => {
    const m = at(mean, ...s);
    return bin("div", reduce("sum", ext, (r) => { const d = bin("sub", elem(s, r), m); return bin("mul", d, d); }), c(n, ct));
  }, { dtype: ct });
  const inv = te.compute("norm_invstd", stat, (s) => bin("div", c(1, ct), un("sqrt", bin("add", at(vari, ...s), c(eps, ct)))),
    { dtype: ct, materialize: true });
  return [mean, inv, vari];
}

defineOp({
  op: "InstanceNormalization", kind: "reduce", attrs: ["epsilon"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got ${x.shape.length}`);
    ctx.expectShape(1, [x.shape[1]!]);
    ctx.expectShape(2, [x.shape[1]!]);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, scale, bias] = [ins[0]!, ins[1]!, ins[2]!];
    const ct = computeType(x.dtype);
    const [mean, inv] = groupStats(te, x.shape.slice(0, 2), x.shape.slice(2), ct, ctx.float("epsilon", 1e-5),
      ([n, ch], r) => cast(at(x, n!, ch!, ...r), ct));
    return [te.compute("instancenorm", x.shape, ([n, ch, ...sp]) => {
      const y = bin("mul", bin("sub", cast(at(x, n!, ch!, ...sp), ct), at(mean, n!, ch!)), at(inv, n!, ch!));
      return bin("add", bin("mul", y, cast(at(scale, ch!), ct)), cast(at(bias, ch!), ct));
    }, { dtype: outs[0]!.dtype })];
  },
});

defineOp({
  op: "GroupNormalization", kind: "reduce", attrs: ["epsilon", "num_groups", "stash_type"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got ${x.shape.length}`);
    const g = ctx.int("num_groups");
    if (g < 1 || x.shape[1]! % g !== 0) ctx.fail(`num_groups ${g} does not divide the ${x.shape[1]} channels`);
    for (const i of [1, 2]) {
      const d = ctx.input(i).shape;
      if (d.length !== 1 || (d[0] !== x.shape[1] && d[0] !== g))
        ctx.fail(`input ${i} must have shape [${x.shape[1]}] (per channel) or [${g}] (per group, opset 18)`);
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, scale, bias] = [ins[0]!, ins[1]!, ins[2]!];
    const g = ctx.int("num_groups");
    const cpg = x.shape[1]! / g;
    const ct = ctx.int("stash_type", 1) === 1 ? "f32" : computeType(x.dtype);
    const [mean, inv] = groupStats(te, [x.shape[0]!, g], [cpg, ...x.shape.slice(2)], ct, ctx.float("epsilon", 1e-5),
      ([n, gi], [ci, ...r]) => cast(at(x, n!, bin("add", bin("mul", gi!, c(cpg)), ci!), ...r), ct));
    const perChannel = scale.shape[0] === x.shape[1];
    return [te.compute("groupnorm", x.shape, ([n, ch, ...sp]) => {
      const gi = bin("floordiv", ch!, c(cpg));
      const y = bin("mul", bin("sub", cast(at(x, n!, ch!, ...sp), ct), at(mean, n!, gi)), at(inv, n!, gi));
      const p = perChannel ? ch! : gi;
      return bin("add", bin("mul", y, cast(at(scale, p), ct)), cast(at(bias, p), ct));
    }, { dtype: outs[0]!.dtype })];
  },
});

defineOp({
  op: "MeanVarianceNormalization", kind: "reduce", attrs: ["axes"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    for (const a of ctx.ints("axes", [0, 2, 3])) ctx.axis(a, x.shape.length, "axes entry");
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const rank = x.shape.length;
    const axes = [...new Set(ctx.ints("axes", [0, 2, 3]).map((a) => ctx.axis(a, rank)))].sort((a, b) => a - b);
    const ct = computeType(x.dtype);
    const ext = axes.map((a) => x.shape[a]!);
    const n = ext.reduce((a, b) => a * b, 1);
    const stat = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const xi = (s: Expr[], r: Expr[]) => cast(at(x, ...s.map((v, i) => (axes.includes(i) ? r[axes.indexOf(i)]! : v))), ct);
    const mean = te.compute("mvn_mean", stat, (s) => bin("div", reduce("sum", ext, (r) => xi(s, r)), c(n, ct)), { dtype: ct });
    const msq = te.compute("mvn_msq", stat, (s) =>
      bin("div", reduce("sum", ext, (r) => { const v = xi(s, r); return bin("mul", v, v); }), c(n, ct)), { dtype: ct });
    return [te.compute("mvn", x.shape, (idx) => {
      const s = idx.map((v, i) => (axes.includes(i) ? c(0) : v));
      const m = at(mean, ...s);
      const std = un("sqrt", bin("sub", at(msq, ...s), bin("mul", m, m)));
      return bin("div", bin("sub", cast(at(x, ...idx), ct), m), bin("add", std, c(1e-9, ct)));
    }, { dtype: outs[0]!.dtype })];
  },
});

defineOp({
  op: "LpNormalization", kind: "reduce", attrs: ["axis", "p"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length === 0) ctx.fail("the input is a scalar", "LpNormalization needs an input of rank 1 or more");
    ctx.axis(ctx.int("axis", -1), x.shape.length);
    const p = ctx.int("p", 2);
    if (p !== 1 && p !== 2) ctx.fail(`p must be 1 or 2, got ${p}`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const axis = ctx.axis(ctx.int("axis", -1), x.shape.length);
    const p = ctx.int("p", 2);
    const ct = computeType(x.dtype);
    const stat = x.shape.map((d, i) => (i === axis ? 1 : d));
    const norm = te.compute("lp_norm", stat, (s) => {
      const sum = reduce("sum", [x.shape[axis]!], ([r]) => {
        const v = cast(at(x, ...s.map((e, i) => (i === axis ? r! : e))), ct);
        return p === 1 ? un("abs", v) : bin("mul", v, v);
      });
      return p === 1 ? sum : un("sqrt", sum);
    }, { dtype: ct });
    return [te.compute("lpnorm", x.shape, (idx) => {
      const nv = at(norm, ...idx.map((v, i) => (i === axis ? c(0) : v)));
      // A zero norm gives zero, not 0/0.
      return select(bin("eq", nv, c(0, ct)), c(0, ct), bin("div", cast(at(x, ...idx), ct), nv));
    }, { dtype: outs[0]!.dtype })];
  },
});

defineOp({
  op: "LRN", kind: "opaque", attrs: ["alpha", "beta", "bias", "size"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got ${x.shape.length}`);
    if (ctx.int("size") < 1) ctx.fail("size must be positive");
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const size = ctx.int("size");
    const alpha = ctx.float("alpha", 1e-4), beta = ctx.float("beta", 0.75), bias = ctx.float("bias", 1);
    const ct = computeType(x.dtype);
    const C = x.shape[1]!;
    // Window halves past every channel add nothing: clamp them (the scale keeps the real size).
    const lo = Math.min(Math.floor((size - 1) / 2), C - 1), hi = Math.min(Math.ceil((size - 1) / 2), C - 1);
    return [te.compute("lrn", x.shape, ([n, ch, ...sp]) => {
      const sq = reduce("sum", [lo + hi + 1], ([r]) => {
        const cc = bin("add", bin("sub", ch!, c(lo)), r!);
        const ok = bin("land", bin("ge", cc, c(0)), bin("lt", cc, c(C)));
        const v = cast(at(x, n!, select(ok, cc, c(0)), ...sp), ct);
        return select(ok, bin("mul", v, v), c(0, ct));
      });
      const den = bin("pow", bin("add", c(bias, ct), bin("mul", c(alpha / size, ct), sq)), c(beta, ct));
      return bin("div", cast(at(x, n!, ch!, ...sp), ct), den);
    }, { dtype: outs[0]!.dtype })];
  },
});
