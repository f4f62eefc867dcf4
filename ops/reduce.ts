/**
 * @fileoverview Reductions: the Reduce* family, Softmax/LogSoftmax, ArgMax/ArgMin.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { Expr, ReduceOp, Var, bin, c, cast, un } from "../ir/tir.ts";
import { TE, at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, NUMERIC, computeType, k } from "./util.ts";

interface ReduceSpec {
  op: ReduceOp;
  /** Value reduced, from the element. */
  pre?: (x: Expr) => Expr;
  /** Result from the accumulator and the element count. */
  post?: (acc: Expr, n: number, t: DType) => Expr;
  /** Opset from which axes come as an input instead of an attribute. */
  axesInputSince: number;
  dtypes: readonly DType[];
}

const specs: Record<string, ReduceSpec> = {
  ReduceSum: { op: "sum", axesInputSince: 13, dtypes: NUMERIC },
  ReduceMean: { op: "sum", post: (a, n, t) => bin("div", a, k(n, t)), axesInputSince: 18, dtypes: NUMERIC },
  ReduceMax: { op: "max", axesInputSince: 18, dtypes: [...NUMERIC, "bool"] },
  ReduceMin: { op: "min", axesInputSince: 18, dtypes: [...NUMERIC, "bool"] },
  ReduceProd: { op: "prod", axesInputSince: 18, dtypes: NUMERIC },
  ReduceSumSquare: { op: "sum", pre: (x) => bin("mul", x, x), axesInputSince: 18, dtypes: NUMERIC },
  ReduceL1: { op: "sum", pre: (x) => un("abs", x), axesInputSince: 18, dtypes: NUMERIC },
  ReduceL2: { op: "sum", pre: (x) => bin("mul", x, x), post: (a, _n, t) => sqrtAny(a, t), axesInputSince: 18, dtypes: NUMERIC },
  ReduceLogSum: { op: "sum", post: (a) => un("log", a), axesInputSince: 18, dtypes: FLOATS },
};

function sqrtAny(a: Expr, t: DType): Expr {
  return isFloat(t) ? un("sqrt", a) : cast(un("sqrt", cast(a, "f64")), t);
}

/** Reduced axes (sorted, normalised) and keepdims for a Reduce* node. */
export function reduceAxes(ctx: OpCtx, rank: number, axesInputSince: number): { axes: number[]; keep: boolean } {
  const keep = ctx.int("keepdims", 1) === 1;
  let axes: number[] | undefined;
  if (ctx.opset >= axesInputSince) {
    // An axes input with no elements is known to be empty even when it is not a constant.
    if (ctx.has(1)) {
      ctx.dtypeIn(ctx.input(1).dtype, ["i64"], "axes");
      axes = ctx.input(1).shape.includes(0) ? [] : toNumbers(ctx.requireConst(1, "axes").data);
    }
    if ((!axes || axes.length === 0) && ctx.int("noop_with_empty_axes", 0) === 1) return { axes: [], keep };
  } else if (ctx.hasAttr("axes")) {
    axes = ctx.ints("axes");
  }
  if (!axes || axes.length === 0) axes = [...Array(rank).keys()];
  const norm = [...new Set(axes.map((a) => ctx.axis(a, rank)))].sort((a, b) => a - b);
  return { axes: norm, keep };
}

const reducedShape = (shape: number[], axes: number[], keep: boolean) =>
  keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));

/** Splits an output index into the input index with reduction vars placed on `axes`. */
function inputIndex(rank: number, axes: number[], keep: boolean, idx: Var[], r: Var[]): Expr[] {
  const out: Expr[] = [];
  let j = 0, q = 0;
  for (let i = 0; i < rank; i++) {
    if (axes.includes(i)) { out.push(r[q++]!); if (keep) j++; }
    else out.push(idx[j++]!);
  }
  return out;
}

for (const [op, spec] of Object.entries(specs)) {
  defineOp({
    op, kind: "reduce", attrs: ["axes", "keepdims", "noop_with_empty_axes"],
    infer(ctx) {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, spec.dtypes);
      const { axes, keep } = reduceAxes(ctx, x.shape.length, spec.axesInputSince);
      const shape = reducedShape(x.shape, axes, keep);
      // Floats give NaN (0/0); an integer mean of nothing has no value.
      if (op === "ReduceMean" && !isFloat(x.dtype) && axes.some((a) => x.shape[a] === 0) && !shape.includes(0))
        ctx.fail(`the reduced axes hold no elements, and the mean of no ${x.dtype} values is undefined`);
      return [{ dtype: x.dtype, shape }];
    },
    compute(ctx, te, ins, outs) {
      const x = ins[0]!;
      const { axes, keep } = reduceAxes(ctx, x.shape.length, spec.axesInputSince);
      const ct = isFloat(x.dtype) ? computeType(x.dtype) : x.dtype;
      const ext = axes.map((a) => x.shape[a]!);
      const n = ext.reduce((a, b) => a * b, 1);
      return [te.compute(op.toLowerCase(), outs[0]!.shape, (idx) => {
        const acc = reduce(spec.op, ext, (r) => {
          const v = cast(at(x, ...inputIndex(x.shape.length, axes, keep, idx, r)), ct);
          return spec.pre ? spec.pre(v) : v;
        });
        return spec.post ? spec.post(acc, n, x.dtype) : acc;
      }, { dtype: x.dtype })];
    },
  });
}

defineOp({
  op: "ReduceLogSumExp", kind: "reduce", attrs: ["axes", "keepdims", "noop_with_empty_axes"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    const { axes, keep } = reduceAxes(ctx, x.shape.length, 18);
    return [{ dtype: x.dtype, shape: reducedShape(x.shape, axes, keep) }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const { axes, keep } = reduceAxes(ctx, x.shape.length, 18);
    const ct = computeType(x.dtype);
    const ext = axes.map((a) => x.shape[a]!);
    const xi = (idx: Var[], r: Var[]) => cast(at(x, ...inputIndex(x.shape.length, axes, keep, idx, r)), ct);
    const m = te.compute("lse_max", outs[0]!.shape, (idx) => reduce("max", ext, (r) => xi(idx, r)), { dtype: ct });
    return [te.compute("logsumexp", outs[0]!.shape, (idx) => {
      const mx = at(m, ...idx);
      const safe = bin("lt", un("abs", mx), k(Infinity, x.dtype));
      const base = { k: "select", c: safe, a: mx, b: k(0, x.dtype), dtype: ct } as Expr;
      const s = reduce("sum", ext, (r) => un("exp", bin("sub", xi(idx, r), base)));
      return bin("add", un("log", s), base);
    }, { dtype: x.dtype })];
  },
});

/** Softmax-family over `axis` (opset >= 13) or the flattened trailing dims (older opsets). */
function softmaxLike(ctx: OpCtx, te: TE, x: Parameters<typeof at>[0], mode: "softmax" | "log" | "hard") {
  const rank = x.shape.length;
  const axis = ctx.axis(ctx.int("axis", ctx.opset >= 13 ? -1 : 1), rank);
  const axes = ctx.opset >= 13 ? [axis] : [...Array(rank).keys()].slice(axis);
  const ext = axes.map((a) => x.shape[a]!);
  const ct = computeType(x.dtype);
  const outer = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const xi = (idx: Expr[], r: Expr[]) =>
    cast(at(x, ...idx.map((v, i) => (axes.includes(i) ? r[axes.indexOf(i)]! : v))), ct);
  const mx = te.compute("smax", outer, (idx) => reduce("max", ext, (r) => xi(idx, r)), { dtype: ct });
  const keepOuter = (idx: Var[]) => idx.map((v, i) => (axes.includes(i) ? c(0) : v));
  if (mode === "hard") {
    // One at the first maximum along the axes, zero elsewhere.
    const first = te.compute("hfirst", outer, (idx) => reduce("min", [ext.reduce((a, b) => a * b, 1)], ([f]) => {
      const r = unflat(f!, ext);
      return { k: "select", c: bin("eq", xi(idx, r), at(mx, ...idx)), a: f!, b: c(2 ** 30), dtype: "i32" } as Expr;
    }), { dtype: "i32" });
    return te.compute("hardmax", x.shape, (idx) => {
      const pos = axes.reduce<Expr>((acc, a) => bin("add", bin("mul", acc, c(x.shape[a]!)), idx[a]!), c(0));
      return cast(bin("eq", pos, at(first, ...keepOuter(idx))), x.dtype);
    }, { dtype: x.dtype });
  }
  const sum = te.compute("ssum", outer, (idx) =>
    reduce("sum", ext, (r) => un("exp", bin("sub", xi(idx, r), at(mx, ...idx)))), { dtype: ct });
  return te.compute(mode, x.shape, (idx) => {
    const d = bin("sub", cast(at(x, ...idx), ct), at(mx, ...keepOuter(idx)));
    const s = at(sum, ...keepOuter(idx));
    return mode === "log" ? bin("sub", d, un("log", s)) : bin("div", un("exp", d), s);
  }, { dtype: x.dtype });
}

function unflat(f: Expr, ext: number[]): Expr[] {
  const out: Expr[] = [];
  let rest = f;
  for (let i = ext.length - 1; i >= 0; i--) {
    out.unshift(i === 0 ? rest : bin("floormod", rest, c(ext[i]!)));
    rest = bin("floordiv", rest, c(ext[i]!));
  }
  return out;
}

for (const [op, mode] of [["Softmax", "softmax"], ["LogSoftmax", "log"], ["Hardmax", "hard"]] as const) {
  defineOp({
    op, kind: "reduce", attrs: ["axis"],
    infer(ctx) {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, FLOATS);
      ctx.axis(ctx.int("axis", -1), x.shape.length);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    compute: (ctx, te, ins) => [softmaxLike(ctx, te, ins[0]!, mode)],
  });
}
