/**
 * @fileoverview Einsum (explicit and implicit output, broadcasting ellipsis, repeated labels for
 * diagonals) and Det (LU decomposition with partial pivoting, in f64).
 */
import { isFloat } from "../ir/dtype.ts";
import { Expr, Stmt, Var, bin, c, cast, load, loop, mkVar, seq, store, un } from "../ir/tir.ts";
import { at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, NUMERIC, computeType } from "./util.ts";

interface EinsumPlan {
  /** Labels of each operand's dims; ellipsis dims are labelled "0", "1", ... from the left. */
  terms: string[][];
  out: string[];
  /** Summed labels. */
  red: string[];
  size: Map<string, number>;
}

function parseTerm(ctx: OpCtx, term: string, rank: number | undefined, ell: number): string[] {
  const t = term.trim();
  const parts = t.split("...");
  if (parts.length > 2) ctx.fail(`term '${t}' has more than one ellipsis`);
  for (const ch of parts.join("")) if (!/[a-zA-Z]/.test(ch)) ctx.fail(`term '${t}' holds '${ch}', which is not a letter`);
  const letters = parts.join("").length;
  const n = parts.length === 2 ? (rank === undefined ? ell : rank - letters) : 0;
  if (n < 0) ctx.fail(`term '${t}' names more dims than its operand's rank ${rank}`);
  if (parts.length === 1 && rank !== undefined && letters !== rank)
    ctx.fail(`term '${t}' names ${letters} dims but its operand has rank ${rank}`);
  const ellLabels = Array.from({ length: n }, (_, i) => String(ell - n + i));
  return parts.length === 2 ? [...parts[0]!, ...ellLabels, ...parts[1]!] : [...parts[0]!];
}

function einsumPlan(ctx: OpCtx): EinsumPlan {
  const eq = ctx.string("equation").replace(/\s+/g, "");
  const [lhs, rhs] = eq.split("->") as [string, string | undefined];
  const ins = ctx.inputs.map((t, i) => t ?? ctx.input(i));
  const inTerms = lhs.split(",");
  if (inTerms.length !== ins.length) ctx.fail(`equation '${eq}' has ${inTerms.length} terms for ${ins.length} inputs`);
  const ell = Math.max(0, ...inTerms.map((t, i) => (t.includes("...") ? ins[i]!.shape.length - t.replace("...", "").length : 0)));
  const terms = inTerms.map((t, i) => parseTerm(ctx, t, ins[i]!.shape.length, ell));
  const size = new Map<string, number>();
  terms.forEach((labels, i) => labels.forEach((l, d) => {
    const dim = ins[i]!.shape[d]!;
    const prev = size.get(l);
    if (prev === undefined || prev === 1) size.set(l, dim);
    else if (dim !== 1 && dim !== prev) ctx.fail(`label '${l}' has sizes ${prev} and ${dim}`);
  }));
  let out: string[];
  if (rhs !== undefined) {
    out = parseTerm(ctx, rhs, undefined, ell);
    for (const l of out) if (!size.has(l)) ctx.fail(`output label '${l}' does not appear in any input`);
    if (new Set(out).size !== out.length) ctx.fail(`output '${rhs}' repeats a label`);
  } else {
    const count = new Map<string, number>();
    for (const t of terms) for (const l of t) count.set(l, (count.get(l) ?? 0) + 1);
    const ellOut = Array.from({ length: ell }, (_, i) => String(i));
    out = [...ellOut, ...[...count].filter(([l, n]) => n === 1 && !/[0-9]/.test(l)).map(([l]) => l).sort()];
  }
  const red = [...size.keys()].filter((l) => !out.includes(l));
  return { terms, out, red, size };
}

defineOp({
  op: "Einsum", kind: "out-ewise-fusable", attrs: ["equation"],
  infer(ctx) {
    const ins = ctx.inputs.map((t, i) => t ?? ctx.input(i));
    if (ins.length === 0) ctx.fail("needs at least one input");
    ctx.dtypeIn(ins[0]!.dtype, NUMERIC);
    for (const t of ins) if (t.dtype !== ins[0]!.dtype) ctx.fail(`inputs mix ${ins[0]!.dtype} and ${t.dtype}`);
    const p = einsumPlan(ctx);
    return [{ dtype: ins[0]!.dtype, shape: p.out.map((l) => p.size.get(l)!) }];
  },
  compute(ctx, te, ins, outs) {
    const xs = ins.map((t) => t!);
    const p = einsumPlan(ctx);
    const t = xs[0]!.dtype;
    const ct = isFloat(t) ? computeType(t) : t;
    const product = (env: Map<string, Expr>) => xs.map((x, i) =>
      cast(at(x, ...p.terms[i]!.map((l, d) => (x.shape[d] === 1 ? c(0) : env.get(l)!))), ct))
      .reduce((a, b) => bin("mul", a, b));
    return [te.compute("einsum", outs[0]!.shape, (idx) => {
      const env = new Map<string, Expr>(p.out.map((l, i) => [l, idx[i]!]));
      if (p.red.length === 0) return product(env);
      return reduce("sum", p.red.map((l) => p.size.get(l)!), (r) => {
        p.red.forEach((l, i) => env.set(l, r[i]!));
        return product(env);
      });
    }, { dtype: t })];
  },
});

defineOp({
  op: "Det", kind: "opaque", attrs: [],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    const r = x.shape.length;
    if (r < 2 || x.shape[r - 1] !== x.shape[r - 2]) ctx.fail(`input must be square matrices [..., n, n], got [${x.shape}]`);
    return [{ dtype: x.dtype, shape: x.shape.slice(0, -2) }];
  },
  compute(_ctx, te, ins, outs) {
    const x = ins[0]!;
    const n = x.shape[x.shape.length - 1]!;
    const batch = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const [det] = te.extern([{ name: "det", ...outs[0]! }, { name: "det_lu", dtype: "f64", shape: [n, n] }], [x], ([xb], [yb, a]) => {
      const A = (i: Expr, j: Expr) => bin("add", bin("mul", i, c(n)), j);
      const body = (b: Var): Stmt => {
        const d = mkVar("det", "f64"), piv = mkVar("piv"), best = mkVar("best", "f64");
        const at2 = (i: Expr, j: Expr) => load(a!, A(i, j));
        const step = loop(n, (kk) => seq(
          { k: "decl", v: piv, init: kk },
          { k: "decl", v: best, init: un("abs", at2(kk, kk)) },
          loop(n, (i) => ({ k: "if", c: bin("land", bin("gt", i, kk), bin("gt", un("abs", at2(i, kk)), best)),
            then: seq({ k: "assign", v: piv, value: i }, { k: "assign", v: best, value: un("abs", at2(i, kk)) }) }), "i"),
          { k: "if", c: bin("ne", piv, kk), then: seq(
            loop(n, (j) => {
              const tmp = mkVar("tmp", "f64");
              return seq({ k: "decl", v: tmp, init: at2(kk, j) }, store(a!, A(kk, j), at2(piv, j)), store(a!, A(piv, j), tmp));
            }, "j"),
            { k: "assign", v: d, value: un("neg", d) }) },
          { k: "assign", v: d, value: bin("mul", d, at2(kk, kk)) },
          // A zero pivot means a singular matrix: the product is already 0, so skip elimination.
          { k: "if", c: bin("ne", at2(kk, kk), c(0, "f64")), then: loop(n, (i) => ({ k: "if", c: bin("gt", i, kk), then: (() => {
            const f = mkVar("f", "f64");
            return seq({ k: "decl", v: f, init: bin("div", at2(i, kk), at2(kk, kk)) },
              loop(n, (j) => store(a!, A(i, j), bin("sub", at2(i, j), bin("mul", f, at2(kk, j)))), "j"));
          })() }), "i") },
        ), "k");
        return seq(
          loop(n * n, (e) => store(a!, e, cast(load(xb!, bin("add", bin("mul", b, c(n * n)), e)), "f64")), "e"),
          { k: "decl", v: d, init: c(1, "f64") },
          step,
          store(yb!, b, cast(d, x.dtype)),
        );
      };
      return loop(batch, body, "b");
    });
    return [det!];
  },
});
