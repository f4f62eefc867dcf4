/**
 * @fileoverview Elementwise unary math ops, the NaN/Inf tests and Clip.
 */
import { isSigned } from "../ir/dtype.ts";
import { Expr, bin, c, cast, un } from "../ir/tir.ts";
import { FLOATS, NUMERIC, SIGNED_INTS, defineElementwise, k } from "./util.ts";

const F = (x: Expr[]) => x[0]!;

const unaryMath: [string, Parameters<typeof un>[0]][] = [
  ["Sqrt", "sqrt"], ["Exp", "exp"], ["Log", "log"], ["Tanh", "tanh"], ["Sin", "sin"], ["Cos", "cos"],
  ["Tan", "tan"], ["Asin", "asin"], ["Acos", "acos"], ["Atan", "atan"], ["Sinh", "sinh"], ["Cosh", "cosh"],
  ["Asinh", "asinh"], ["Acosh", "acosh"], ["Atanh", "atanh"], ["Erf", "erf"], ["Floor", "floor"],
  ["Ceil", "ceil"], ["Round", "round"],
];
for (const [op, u] of unaryMath) defineElementwise({ op, arity: 1, dtypes: FLOATS, f: (x) => un(u, F(x)) });

defineElementwise({ op: "Neg", arity: 1, dtypes: [...FLOATS, ...SIGNED_INTS], f: (x) => un("neg", F(x)) });
defineElementwise({ op: "Abs", arity: 1, dtypes: NUMERIC, f: (x) => un("abs", F(x)) });
defineElementwise({ op: "Reciprocal", arity: 1, dtypes: FLOATS, f: (x, _c, t) => bin("div", k(1, t), F(x)) });

defineElementwise({
  op: "Sign", arity: 1, dtypes: NUMERIC,
  // An unsigned value is never negative (and C compilers warn about testing it).
  f: (x, _c, t) => (isSigned(t) ? un("sign", F(x)) : cast(bin("gt", F(x), k(0, t)), t)),
});

defineElementwise({ op: "IsNaN", arity: 1, dtypes: FLOATS, outDtype: () => "bool", f: (x) => un("isnan", F(x)) });

defineElementwise({
  op: "IsInf", arity: 1, dtypes: FLOATS, attrs: ["detect_negative", "detect_positive"], outDtype: () => "bool",
  f: (x, ctx, t) => {
    const neg = ctx.int("detect_negative", 1) !== 0, pos = ctx.int("detect_positive", 1) !== 0;
    if (neg && pos) return un("isinf", F(x));
    if (neg) return bin("eq", F(x), k(-Infinity, t));
    if (pos) return bin("eq", F(x), k(Infinity, t));
    return c(0, "bool");
  },
});

defineElementwise({
  op: "Clip", arity: "variadic", kind: "elemwise", dtypes: NUMERIC, attrs: ["min", "max"],
  checkInputs: (ctx) => {
    for (const i of [1, 2])
      if (ctx.has(i) && ctx.input(i).shape.some((d) => d !== 1))
        ctx.fail(`input ${i} must be a scalar`, "pass min and max as single values");
  },
  f: (x, ctx, t) => {
    let v = x[0]!;
    if (ctx.opset < 11) {
      if (ctx.hasAttr("min")) v = bin("max", v, k(ctx.float("min"), t));
      if (ctx.hasAttr("max")) v = bin("min", v, k(ctx.float("max"), t));
      return v;
    }
    // Inputs 1 and 2 are optional; x[] holds only the present ones, in order.
    let j = 1;
    if (ctx.has(1)) v = bin("max", v, x[j++]!);
    if (ctx.has(2)) v = bin("min", v, x[j++]!);
    return v;
  },
});
