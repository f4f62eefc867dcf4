/**
 * @fileoverview The f32 math the WebAssembly module computes itself instead of importing from
 * its loader (exp, tanh, erf): within one ulp of the double-precision result rounded to f32,
 * over a dense sweep and the special values, with the sign of zero kept.
 */
import { expect } from "chai";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { compileGraph, writeWasmArtifact } from "../../compiler/api.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { erf } from "../../ir/erf.ts";
import { cleanup, tempDir } from "../helpers/cli.ts";
import { buildModel } from "../helpers/onnx-builder.ts";

const bits = (v: number) => new Int32Array(Float32Array.of(v).buffer)[0]!;

describe("wasm in-module f32 math", function () {
  this.timeout(120_000);
  let dir: string | undefined;
  after(() => cleanup(dir));

  for (const [op, ref, lo, hi] of [["Erf", erf, -5, 5], ["Exp", Math.exp, -104, 89], ["Tanh", Math.tanh, -12, 12]] as const) {
    it(`${op}: within one ulp of the rounded double result; NaN, infinities and signed zeros`, async () => {
      dir ??= tempDir("edgec-wasm-math-");
      const n = 200_000, specials = [NaN, Infinity, -Infinity, -0, 0, 1e-30, -1e-40];
      const x = new Float32Array(n + specials.length);
      for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
      x.set(specials, n);
      const spec = {
        inputs: [{ name: "x", dtype: "f32" as const, shape: [x.length] }],
        outputs: [{ name: "y", dtype: "f32" as const, shape: [x.length] }],
        nodes: [{ op, inputs: ["x"], outputs: ["y"] }],
      };
      const out = path.join(dir, op);
      await writeWasmArtifact(compileGraph(importModel(buildModel(spec), undefined)), out);
      const m = await import(pathToFileURL(path.join(out, "model.mjs")).href) as { createModel(): Promise<{ run(i: unknown): { y: Float32Array } }> };
      const y = (await m.createModel()).run({ x }).y;
      let worst = 0, at = 0;
      for (let i = 0; i < x.length; i++) {
        const want = Math.fround(ref(x[i]!));
        if (Number.isNaN(want)) { expect(Number.isNaN(y[i]!), `${op}(${x[i]})`).to.equal(true); continue; }
        if (want === 0) { expect(Object.is(y[i], want), `${op}(${x[i]}) = ${y[i]}, expected ${want}`).to.equal(true); continue; }
        const d = Math.abs(bits(want) - bits(y[i]!));
        if (d > worst) { worst = d; at = x[i]!; }
      }
      expect(worst, `${op}: ${worst} ulp at ${at}`).to.be.at.most(1);
    });
  }
});
