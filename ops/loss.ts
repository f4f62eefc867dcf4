/**
 * @fileoverview Classification losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
 * (with its optional log-probability output), reductions none/sum/mean, class weights and
 * ignore_index.
 */
import { DType } from "../ir/dtype.ts";
import { Expr, TensorRef, Var, bin, c, cast, select, un } from "../ir/tir.ts";
import { TE, at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType } from "./util.ts";

function checkLoss(ctx: OpCtx): { reduction: string; shape: number[] } {
  const x = ctx.input(0), t = ctx.input(1);
  ctx.dtypeIn(x.dtype, FLOATS);
  ctx.dtypeIn(t.dtype, ["i32", "i64"], "target");
  if (x.shape.length < 2) ctx.fail(`input must be [N, C, ...], got rank ${x.shape.length}`);
  const want = [x.shape[0]!, ...x.shape.slice(2)];
  if (x.shape[1] === 0 && want.every((d) => d > 0)) ctx.fail("the input has 0 classes (dim 1), so no target can index it");
  ctx.expectShape(1, want);
  if (ctx.has(2)) ctx.expectShape(2, [x.shape[1]!]);
  const reduction = ctx.string("reduction", "mean");
  if (!["none", "sum", "mean"].includes(reduction)) ctx.fail(`reduction '${reduction}' is not one of none, sum, mean`);
  return { reduction, shape: reduction === "none" ? want : [] };
}

/**
 * The loss from per-class log-probabilities `lp(n, class, d...)`: -lp at the target class, times
 * its weight, zero where the target is ignore_index; then reduced.
 */
function lossOf(ctx: OpCtx, te: TE, x: TensorRef, target: TensorRef, weight: TensorRef | undefined,
  lp: (n: Expr, cls: Expr, d: Expr[]) => Expr, ct: DType, outDtype: DType, reduction: string): TensorRef {
  const C = x.shape[1]!;
  const ignore = ctx.hasAttr("ignore_index") ? ctx.int("ignore_index") : undefined;
  const cls = (idx: Expr[]) => cast(at(target, ...idx), "i64");
  // Targets outside [0, C) read class 0 or C-1 (their loss is meaningless but memory-safe).
  const safe = (idx: Expr[]) => cast(bin("min", bin("max", cls(idx), c(0, "i64")), c(C - 1, "i64")), "i32");
  const kept = (idx: Expr[]): Expr | undefined => (ignore === undefined ? undefined : bin("ne", cls(idx), c(ignore, "i64")));
  const w = (idx: Expr[]): Expr => {
    const base = weight ? cast(at(weight, safe(idx)), ct) : c(1, ct);
    const k = kept(idx);
    return k ? select(k, base, c(0, ct)) : base;
  };
  const term = (idx: Expr[]): Expr => {
    const v = bin("mul", un("neg", lp(idx[0]!, safe(idx), idx.slice(1))), w(idx));
    const k = kept(idx);
    return k ? select(k, v, c(0, ct)) : v;
  };
  const tshape = target.shape;
  if (reduction === "none") return te.compute("loss", tshape, (idx) => term(idx), { dtype: outDtype });
  const flat = (r: Var[]) => r as Expr[];
  const total = te.compute("loss_sum", [], () => reduce("sum", tshape, (r) => term(flat(r))), { dtype: ct });
  if (reduction === "sum") return te.compute("loss", [], () => at(total), { dtype: outDtype });
  const wsum = te.compute("loss_wsum", [], () => reduce("sum", tshape, (r) => w(flat(r))), { dtype: ct });
  return te.compute("loss", [], () => bin("div", at(total), at(wsum)), { dtype: outDtype });
}

defineOp({
  op: "NegativeLogLikelihoodLoss", kind: "reduce", attrs: ["ignore_index", "reduction"],
  infer(ctx) {
    const { shape } = checkLoss(ctx);
    return [{ dtype: ctx.input(0).dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, t, w] = [ins[0]!, ins[1]!, ins[2]];
    const ct = computeType(x.dtype);
    return [lossOf(ctx, te, x, t, w, (n, cl, d) => cast(at(x, n, cl, ...d), ct), ct, outs[0]!.dtype, ctx.string("reduction", "mean"))];
  },
});

defineOp({
  op: "SoftmaxCrossEntropyLoss", kind: "reduce", attrs: ["ignore_index", "reduction"],
  infer(ctx) {
    const { shape } = checkLoss(ctx);
    const x = ctx.input(0);
    const outs = [{ dtype: x.dtype, shape }, { dtype: x.dtype, shape: x.shape }];
    return outs.slice(0, Math.max(1, ctx.node.outputs.length));
  },
  compute(ctx, te, ins, outs) {
    const [x, t, w] = [ins[0]!, ins[1]!, ins[2]];
    const ct = computeType(x.dtype);
    const C = x.shape[1]!;
    const stat = x.shape.map((d, i) => (i === 1 ? 1 : d));
    const xi = (idx: Expr[], cl: Expr) => cast(at(x, idx[0]!, cl, ...idx.slice(2)), ct);
    const mx = te.compute("sce_max", stat, (idx) => reduce("max", [C], ([r]) => xi(idx, r!)), { dtype: ct });
    const lse = te.compute("sce_lse", stat, (idx) =>
      bin("add", un("log", reduce("sum", [C], ([r]) => un("exp", bin("sub", xi(idx, r!), at(mx, ...idx))))), at(mx, ...idx)), { dtype: ct });
    const lp = (n: Expr, cl: Expr, d: Expr[]) => bin("sub", cast(at(x, n, cl, ...d), ct), at(lse, n, c(0), ...d));
    const loss = lossOf(ctx, te, x, t, w, lp, ct, outs[0]!.dtype, ctx.string("reduction", "mean"));
    if (outs.length < 2) return [loss];
    const logp = te.compute("sce_log_prob", x.shape, (idx) => lp(idx[0]!, idx[1]!, idx.slice(2)), { dtype: x.dtype });
    return [loss, logp];
  },
});
