/**
 * @fileoverview Vector erf and exp (passes/vector-math.ts) in the Tensor IR evaluator, which
 * rounds every f32 operation: the expansions against double-precision references over a dense
 * range and the special values, with and without fused multiply-add.
 */
import { expect } from "chai";
import { erf } from "../../ir/erf.ts";
import { evaluate } from "../../ir/eval.ts";
import { TARGETS } from "../../ir/target.ts";
import { parseFunc, printFunc } from "../../ir/text/index.ts";
import { expandVectorMath } from "../../passes/vector-math.ts";

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 1e-7, -3.9, 3.92, 3.93, 5, -5, 88.7, 88.72, 88.8, 89, 100, -87.3, -87.4, -100, -103.9, -104, -200];

function values(lo: number, hi: number): Float32Array {
  const n = 8192, v = new Float32Array(n);
  SPECIAL.forEach((x, i) => { v[i] = x; });
  for (let i = SPECIAL.length; i < n; i++) v[i] = lo + ((hi - lo) * i) / n;
  return v;
}

/** Distance between adjacent f32 values at |x|. */
function ulp(x: number): number {
  const e = Math.max(Math.floor(Math.log2(Math.abs(x))), -126);
  return 2 ** (e - 23);
}

function run(op: "erf" | "exp", target: "aarch64" | "wasm", x: Float32Array): { y: Float32Array; text: string } {
  const f = parseFunc(`func @m(%a: f32[${x.length}] input, %o: f32[${x.length}] output) {
  for %i in 0..${x.length / 4} serial {
    store %o[ramp<4>((%i * 4), 1)] = ${op}(%a[ramp<4>((%i * 4), 1)])
  }
}`);
  const g = expandVectorMath(f, TARGETS[target]);
  const y = new Float32Array(x.length);
  evaluate(g, [x, y]);
  return { y, text: printFunc(g) };
}

describe("vector math: erf and exp from vector arithmetic", () => {
  for (const target of ["aarch64", "wasm"] as const) {
    it(`erf on ${target}: relative error at most 4e-7, NaN and signed zeros kept`, () => {
      const x = values(-6, 6);
      const { y, text } = run("erf", target, x);
      expect(text).not.to.match(/\berf\(/);
      expect(text.includes("fma("), "fused multiply-adds where the target has them").to.equal(target === "aarch64");
      x.forEach((v, i) => {
        const want = erf(v), got = y[i]!;
        if (Number.isNaN(v)) return expect(got, "erf(NaN)").to.be.NaN;
        if (v === 0) return expect(Object.is(got, v), `erf(${Object.is(v, -0) ? "-0" : "0"})`).to.equal(true);
        expect(Math.abs(got - want), `erf(${v})`).to.be.at.most(4e-7 * Math.abs(want));
      });
    });

    it(`exp on ${target}: within 1.5 ulp, overflow to inf, subnormals within one step`, () => {
      const x = values(-110, 95);
      const { y, text } = run("exp", target, x);
      expect(text).not.to.match(/\bexp\(/);
      x.forEach((v, i) => {
        const want = Math.exp(v), got = y[i]!;
        if (Number.isNaN(v)) return expect(got, "exp(NaN)").to.be.NaN;
        if (Math.fround(want) === Infinity) return expect(got, `exp(${v})`).to.equal(Infinity);
        if (want < 2 ** -126) return expect(Math.abs(got - want), `exp(${v})`).to.be.at.most(2 ** -149);
        expect(Math.abs(got - want), `exp(${v})`).to.be.at.most(1.5 * ulp(want));
      });
    });
  }

  it("leaves scalar calls to the C library", () => {
    const f = parseFunc(`func @s(%a: f32[4] input, %o: f32[4] output) {
  for %i in 0..4 serial {
    store %o[%i] = exp(%a[%i])
  }
}`);
    expect(expandVectorMath(f, TARGETS.aarch64)).to.equal(f);
  });
});
