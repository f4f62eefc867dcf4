/**
 * @fileoverview The Tensor IR simplifier on hand-built index expressions (canonical affine sums,
 * min/max, comparisons and floordiv/floormod decided by loop ranges) and its agreement with the
 * unsimplified function in the evaluator.
 */
import { expect } from "chai";
import { CEmitter } from "../../backends/c/emit.ts";
import { allocArray } from "../../ir/dtype.ts";
import { evaluate } from "../../ir/eval.ts";
import { Buffer, Expr, PrimFunc, Stmt, bin, c, load, mkVar, select, store } from "../../ir/tir.ts";
import { simplifyFunc } from "../../passes/simplify.ts";

const buf = (name: string, n: number, scope: Buffer["scope"]): Buffer => ({ name, dtype: "i32", shape: [n], scope });
const forLoop = (extent: number, body: (v: Extract<Expr, { k: "var" }>) => Stmt, hint = "i"): Stmt => {
  const v = mkVar(hint);
  return { k: "for", v, extent, body: body(v), kind: "serial" };
};
const raw = (op: Parameters<typeof bin>[0], a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b, dtype: op === "lt" || op === "ge" ? "bool" : a.dtype });

/** One store of `value(i)` to out[i] for i in [0, n). */
function func(n: number, value: (i: Expr, x: Buffer) => Expr): PrimFunc {
  const X = buf("x", n, "input"), O = buf("o", n, "output");
  return { name: "f", params: [X, O], body: forLoop(n, (i) => store(O, i, value(i, X))) };
}

const printed = (f: PrimFunc) => new CEmitter().kernel(f, "f").split("\n").find((l) => l.includes("o[")) ?? "";

function agree(f: PrimFunc, n: number): void {
  const run = (g: PrimFunc) => {
    const x = allocArray("i32", n), o = allocArray("i32", n);
    for (let i = 0; i < n; i++) (x as Int32Array)[i] = 3 * i - 7;
    evaluate(g, [x, o]);
    return Array.from(o as Int32Array);
  };
  expect(run(simplifyFunc(f))).to.deep.equal(run(f));
}

describe("simplify (Tensor IR index arithmetic)", () => {
  it("turns the clamped floordiv of a padded conv into the expression it is", () => {
    // min(max(0, floordiv((0 - (i - 1)) + 1, 2)), 6) for i in [0, 3): floordiv(2 - i, 2).
    const f = func(3, (i) => raw("min", raw("max", c(0), raw("floordiv", raw("add", raw("sub", c(0), raw("sub", i, c(1))), c(1)), c(2))), c(6)));
    const s = printed(simplifyFunc(f));
    expect(s).to.match(/o\[i\d+\] = edgec_floordiv\(\(2 - i\d+\), 2\);/);
    expect(s).to.not.match(/edgec_min|edgec_max/);
    agree(f, 3);
  });

  it("writes affine sums in loop order with the constant last", () => {
    // 5 + 4*(j - 1) + i*2 -> i*2 + j*4 + 1, i the outer loop.
    const O = buf("o", 64, "output");
    const body = forLoop(4, (i) => forLoop(4, (j) => store(O, raw("add", raw("add", c(5), raw("mul", c(4), raw("add", j, c(-1)))), raw("mul", i, c(2))), c(1)), "j"));
    const s = new CEmitter().kernel(simplifyFunc({ name: "f", params: [O], body }), "f");
    expect(s).to.match(/o\[\(\(\(i\d+ \* 2\) \+ \(j\d+ \* 4\)\) \+ 1\)\] = 1;/);
  });

  it("takes multiples of the divisor out of floordiv and floormod", () => {
    // (8*i + 3) / 4 = 2*i, (8*i + 3) % 4 = 3, (8*i + j) / 8 with j in [0, 8) = i.
    const X = buf("x", 8, "input"), O = buf("o", 64, "output");
    const body = forLoop(8, (i) => forLoop(8, (j) => store(O, raw("add", raw("mul", i, c(8)), j),
      raw("add", raw("add", raw("floordiv", raw("add", raw("mul", i, c(8)), c(3)), c(4)), raw("floormod", raw("add", raw("mul", i, c(8)), c(3)), c(4))),
        raw("floordiv", raw("add", raw("mul", i, c(8)), j), c(8)))), "j"));
    const s = new CEmitter().kernel(simplifyFunc({ name: "f", params: [X, O], body }), "f");
    expect(s).to.not.match(/floordiv|floormod/);
    expect(s).to.match(/\(\(i\d+ \* 3\) \+ 3\)/);
  });

  it("drops guards and selects the loop ranges decide, keeps the rest", () => {
    const f = func(6, (i, x) => select(raw("lt", i, c(6)), select(raw("ge", raw("sub", i, c(2)), c(0)), load(x, i), c(0)), c(-1)));
    const s = printed(simplifyFunc(f));
    expect(s).to.match(/\(\(i\d+ >= 2\) \? x\[i\d+\] : 0\)|\(\(\(i\d+ - 2\) >= 0\) \? x\[i\d+\] : 0\)/);
    expect(s).to.not.include("-1");
    agree(f, 6);
  });
});
