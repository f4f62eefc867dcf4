/**
 * @fileoverview Activation functions, each composed from Tensor IR primitives so fusion, constant
 * folding and every backend share one definition.
 */
import { DType, isFloat } from "../ir/dtype.ts";
import { Expr, bin, cast, select, un } from "../ir/tir.ts";
import { OpCtx } from "./registry.ts";
import { FLOATS, NUMERIC, SIGNED_INTS, broadcastShapes, defineElementwise, k } from "./util.ts";

const add = (a: Expr, b: Expr) => bin("add", a, b);
const sub = (a: Expr, b: Expr) => bin("sub", a, b);
const mul = (a: Expr, b: Expr) => bin("mul", a, b);
const div = (a: Expr, b: Expr) => bin("div", a, b);
const max = (a: Expr, b: Expr) => bin("max", a, b);
const min = (a: Expr, b: Expr) => bin("min", a, b);

/** log(1 + exp(x)) without overflow for large x or cancellation for very negative x. */
const softplus = (x: Expr, t: DType): Expr => add(max(x, k(0, t)), un("log1p", un("exp", un("neg", un("abs", x)))));

/** A float attribute as a constant of the compute type. */
const attr = (ctx: OpCtx, name: string, def: number, t: DType) => k(ctx.float(name, def), t);

defineElementwise({
  op: "Relu", arity: 1, dtypes: [...FLOATS, ...SIGNED_INTS],
  f: ([x], _c, t) => max(x!, k(0, t)),
});

defineElementwise({ op: "Sigmoid", arity: 1, dtypes: FLOATS, f: ([x]) => un("sigmoid", x!) });

defineElementwise({
  op: "LeakyRelu", arity: 1, dtypes: FLOATS, attrs: ["alpha"],
  f: ([x], ctx, t) => select(bin("lt", x!, k(0, t)), mul(x!, attr(ctx, "alpha", 0.01, t)), x!),
});

defineElementwise({
  op: "PRelu", arity: 2, dtypes: NUMERIC,
  checkInputs: (ctx) => {
    // The slope broadcasts to X, never the other way round.
    const xs = ctx.input(0).shape;
    const out = broadcastShapes(ctx, [xs, ctx.input(1).shape]);
    if (out.length !== xs.length || out.some((d, i) => d !== xs[i]))
      ctx.fail(`slope shape [${ctx.input(1).shape.join("x")}] does not broadcast to X shape [${xs.join("x")}]`);
  },
  f: ([x, s], _c, t) => select(bin("lt", x!, k(0, t)), mul(x!, s!), x!),
});

defineElementwise({
  op: "Elu", arity: 1, dtypes: FLOATS, attrs: ["alpha"],
  f: ([x], ctx, t) => select(bin("lt", x!, k(0, t)), mul(attr(ctx, "alpha", 1, t), un("expm1", x!)), x!),
});

defineElementwise({
  op: "Selu", arity: 1, dtypes: FLOATS, attrs: ["alpha", "gamma"],
  f: ([x], ctx, t) => {
    const neg = mul(attr(ctx, "alpha", 1.67326319217681884765625, t), un("expm1", x!));
    return mul(attr(ctx, "gamma", 1.05070102214813232421875, t), select(bin("gt", x!, k(0, t)), x!, neg));
  },
});

defineElementwise({
  op: "Celu", arity: 1, dtypes: FLOATS, attrs: ["alpha"],
  checkInputs: (ctx) => { if (ctx.float("alpha", 1) === 0) ctx.fail("alpha must not be 0"); },
  f: ([x], ctx, t) => {
    const a = attr(ctx, "alpha", 1, t);
    return add(max(x!, k(0, t)), min(k(0, t), mul(a, un("expm1", div(x!, a)))));
  },
});

defineElementwise({
  op: "ThresholdedRelu", arity: 1, dtypes: FLOATS, attrs: ["alpha"],
  f: ([x], ctx, t) => select(bin("gt", x!, attr(ctx, "alpha", 1, t)), x!, k(0, t)),
});

defineElementwise({
  op: "Softplus", arity: 1, dtypes: FLOATS,
  f: ([x], _c, t) => softplus(x!, t),
});

defineElementwise({
  op: "Softsign", arity: 1, dtypes: FLOATS,
  f: ([x], _c, t) => div(x!, add(k(1, t), un("abs", x!))),
});

defineElementwise({
  op: "Mish", arity: 1, dtypes: FLOATS,
  f: ([x], _c, t) => mul(x!, un("tanh", softplus(x!, t))),
});

/** max(0, min(1, alpha * x + beta)). */
const hardSigmoid = (x: Expr, alpha: Expr, beta: Expr, t: DType) =>
  max(k(0, t), min(k(1, t), add(mul(alpha, x), beta)));

defineElementwise({
  op: "HardSigmoid", arity: 1, dtypes: FLOATS, attrs: ["alpha", "beta"],
  f: ([x], ctx, t) => hardSigmoid(x!, attr(ctx, "alpha", 0.2, t), attr(ctx, "beta", 0.5, t), t),
});

defineElementwise({
  op: "HardSwish", arity: 1, dtypes: FLOATS,
  f: ([x], _c, t) => mul(x!, hardSigmoid(x!, k(1 / 6, t), k(0.5, t), t)),
});

defineElementwise({
  op: "Swish", arity: 1, dtypes: FLOATS, attrs: ["alpha"],
  f: ([x], ctx, t) => mul(x!, un("sigmoid", mul(attr(ctx, "alpha", 1, t), x!))),
});

defineElementwise({
  op: "Gelu", arity: 1, dtypes: FLOATS, attrs: ["approximate"],
  checkInputs: (ctx) => {
    const a = ctx.string("approximate", "none");
    if (a !== "none" && a !== "tanh") ctx.fail(`approximate must be "none" or "tanh", got "${a}"`);
  },
  f: ([x], ctx, t) => {
    const half = mul(k(0.5, t), x!);
    if (ctx.string("approximate", "none") === "tanh") {
      const inner = mul(k(Math.sqrt(2 / Math.PI), t), add(x!, mul(k(0.044715, t), mul(x!, mul(x!, x!)))));
      return mul(half, add(k(1, t), un("tanh", inner)));
    }
    return mul(half, add(k(1, t), un("erf", mul(x!, k(Math.SQRT1_2, t)))));
  },
});

defineElementwise({
  op: "Shrink", arity: 1, dtypes: NUMERIC, attrs: ["lambd", "bias"],
  f: ([x0], ctx, t) => {
    // Integer inputs compare against the float thresholds exactly, in double.
    const ct: DType = isFloat(t) ? x0!.dtype : "f64";
    const x = cast(x0!, ct);
    const lambd = ctx.float("lambd", 0.5), bias = k(ctx.float("bias", 0), ct);
    const y = select(bin("lt", x, k(-lambd, ct)), add(x, bias),
      select(bin("gt", x, k(lambd, ct)), sub(x, bias), k(0, ct)));
    return isFloat(t) ? y : cast(y, t);
  },
});
