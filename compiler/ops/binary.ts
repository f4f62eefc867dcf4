/**
 * @fileoverview Broadcasting binary and variadic arithmetic ops.
 */
import { BinOp, Expr, bin } from "../../ir/tir.ts";
import { FLOATS, NUMERIC, defineElementwise, k } from "./util.ts";

const arith: [string, BinOp][] = [["Add", "add"], ["Sub", "sub"], ["Mul", "mul"]];
for (const [op, b] of arith) defineElementwise({ op, arity: 2, dtypes: NUMERIC, f: (x) => bin(b, x[0]!, x[1]!) });

defineElementwise({
  op: "Div", arity: 2, dtypes: NUMERIC,
  // Integer division truncates toward zero, like C and ONNX Runtime.
  f: (x) => bin("div", x[0]!, x[1]!),
});

defineElementwise({
  op: "Pow", arity: 2, dtypes: FLOATS,
  f: (x) => bin("pow", x[0]!, x[1]!),
});

const variadic: [string, (a: Expr, b: Expr) => Expr][] = [
  ["Sum", (a, b) => bin("add", a, b)], ["Max", (a, b) => bin("max", a, b)], ["Min", (a, b) => bin("min", a, b)],
];
for (const [op, f] of variadic)
  defineElementwise({ op, arity: "variadic", dtypes: NUMERIC, f: (x) => x.reduce(f) });

defineElementwise({
  op: "Mean", arity: "variadic", dtypes: FLOATS,
  f: (x, _c, t) => bin("div", x.reduce((a, b) => bin("add", a, b)), k(x.length, t)),
});
