/**
 * @fileoverview Broadcasting binary and variadic arithmetic ops: Add/Sub/Mul/Div, Mod, Pow,
 * Sum/Min/Max/Mean.
 */
import { DType, byteSize, isFloat, isSigned } from "../ir/dtype.ts";
import { BinOp, Expr, Stmt, TensorRef, Var, bin, c, cast, load, loop, mkVar, select, seq, store, un } from "../ir/tir.ts";
import { TE, at, flatIndex } from "./te.ts";
import { defineOp } from "./registry.ts";
import { FLOATS, NUMERIC, broadcastShapes, computeType, defineElementwise, foldOperands, k } from "./util.ts";

const arith: [string, BinOp][] = [["Add", "add"], ["Sub", "sub"], ["Mul", "mul"]];
for (const [op, b] of arith) defineElementwise({ op, arity: 2, dtypes: NUMERIC, f: (x) => bin(b, x[0]!, x[1]!) });

/** Guards an integer division-like `op`: b = 0, and MIN / -1 for 32/64-bit, are undefined in C. */
function intDivGuard(a: Expr, b: Expr, t: DType, onZero: Expr, onMinusOne: Expr, op: Expr): Expr {
  const guarded = isSigned(t) && byteSize(t) >= 4 ? select(bin("eq", b, c(-1, t)), onMinusOne, op) : op;
  return select(bin("eq", b, c(0, t)), onZero, guarded);
}

defineElementwise({
  op: "Div", arity: 2, dtypes: NUMERIC,
  // Integer division truncates toward zero; x / 0 gives 0 (as numpy does) instead of trapping.
  f: ([a, b], _c, t) => (isFloat(t) ? bin("div", a!, b!) : intDivGuard(a!, b!, t, c(0, t), un("neg", a!), bin("div", a!, b!))),
});

defineElementwise({
  op: "Mod", arity: 2, dtypes: NUMERIC, attrs: ["fmod"],
  checkInputs: (ctx) => {
    const f = ctx.int("fmod", 0);
    if (f !== 0 && f !== 1) ctx.fail(`fmod must be 0 or 1, got ${f}`);
  },
  f: ([a, b], ctx, t) => {
    // fmod=1: the remainder takes the sign of the dividend (C's fmod and %).
    const trunc = bin(isFloat(t) ? "fmod" : "mod", a!, b!);
    let r = trunc;
    if (ctx.int("fmod", 0) === 0 && isSigned(t)) {
      // fmod=0: the remainder takes the sign of the divisor, as Python's %.
      const zero = k(0, t);
      const fix = bin("land", bin("ne", trunc, zero), bin("ne", bin("lt", trunc, zero), bin("lt", b!, zero)));
      r = select(fix, bin("add", trunc, b!), trunc);
    }
    return isFloat(t) ? r : intDivGuard(a!, b!, t, c(0, t), c(0, t), r);
  },
});

defineOp({
  op: "Pow", kind: "broadcast", attrs: [],
  infer(ctx) {
    const [x, y] = [ctx.input(0), ctx.input(1)];
    ctx.dtypeIn(x.dtype, NUMERIC, "base");
    ctx.dtypeIn(y.dtype, NUMERIC, "exponent");
    return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [x.shape, y.shape]) }];
  },
  compute(_ctx, te, ins, outs) {
    const [x, y] = [ins[0]!, ins[1]!];
    const out = outs[0]!;
    if (!isFloat(x.dtype) && !isFloat(y.dtype)) return [intPow(te, x, y, out.shape)];
    // Same-type float powers stay in their type; mixed types are computed in double, as numpy does.
    const ct: DType = x.dtype === y.dtype ? computeType(x.dtype) : "f64";
    return [te.compute("Pow", out.shape, (idx) => {
      const a = cast(at(x, ...bcastIndex(x.shape, idx)), ct);
      const b = cast(at(y, ...bcastIndex(y.shape, idx)), ct);
      return bin("pow", a, b);
    }, { dtype: out.dtype })];
  },
});

/** The index into a tensor of `shape` for output index `idx` under numpy broadcasting. */
function bcastIndex(shape: number[], idx: Expr[]): Expr[] {
  const off = idx.length - shape.length;
  return shape.map((d, i) => (d === 1 ? c(0) : idx[off + i]!));
}

/**
 * Integer power by repeated squaring in the unsigned type of the same width, so overflow wraps
 * as it does in numpy. A negative exponent gives the truncated real result: 1, ±1 or 0.
 */
function intPow(te: TE, x: TensorRef, y: TensorRef, shape: number[]): TensorRef {
  const t = x.dtype;
  const u: DType = byteSize(t) > 4 ? "u64" : "u32";
  const et: DType = isSigned(y.dtype) ? "i64" : "u64";
  const bits = byteSize(y.dtype) * 8;
  return te.extern([{ name: "Pow", dtype: t, shape }], [x, y], ([xb, yb], [ob]) => {
    const nest = (d: number, idx: Var[]): Stmt => {
      if (d < shape.length) return loop(shape[d]!, (v) => nest(d + 1, [...idx, v]), `i${d}_`);
      const base = mkVar("base", u), e = mkVar("e", et), r = mkVar("r", u);
      const xv = load(xb!, flatIndex(bcastIndex(x.shape, idx), x.shape));
      const yv = load(yb!, flatIndex(bcastIndex(y.shape, idx), y.shape));
      const one = c(1, u);
      const square: Stmt = loop(bits, () => seq(
        { k: "if", c: bin("ne", bin("and", e, c(1, et)), c(0, et)), then: { k: "assign", v: r, value: bin("mul", r, base) } },
        { k: "assign", v: base, value: bin("mul", base, base) },
        { k: "assign", v: e, value: bin("shr", e, c(1, et)) },
      ), "b");
      const body: Stmt = isSigned(y.dtype)
        ? { k: "if", c: bin("lt", e, c(0, et)), then: negativeExponent(r, xv, e, u, et), else: square }
        : square;
      return seq(
        { k: "decl", v: base, init: cast(xv, u) },
        { k: "decl", v: e, init: cast(yv, et) },
        { k: "decl", v: r, init: one },
        body,
        store(ob!, flatIndex(idx, shape), cast(r, t)),
      );
    };
    return nest(0, []);
  })[0]!;
}

/** x^-n truncated toward zero: 1 for x = 1, ±1 for x = -1, 0 otherwise (r holds x^-n as u). */
function negativeExponent(r: Var, x: Expr, e: Var, u: DType, et: DType): Stmt {
  const t = x.dtype;
  const odd = bin("ne", bin("and", e, c(1, et)), c(0, et));
  let v: Expr = select(bin("eq", x, c(1, t)), c(1, u), c(0, u));
  if (isSigned(t)) v = select(bin("eq", x, c(-1, t)), select(odd, cast(x, u), c(1, u)), v);
  return { k: "assign", v: r, value: v };
}

const variadic: [string, BinOp][] = [["Sum", "add"], ["Max", "max"], ["Min", "min"]];
for (const [op, b] of variadic)
  defineElementwise({ op, arity: "variadic", dtypes: NUMERIC, f: (x) => foldOperands(x, (p, q) => bin(b, p, q)) });

defineElementwise({
  op: "Mean", arity: "variadic", dtypes: FLOATS,
  f: (x, _c, t) => bin("div", foldOperands(x, (a, b) => bin("add", a, b)), k(x.length, t)),
});
