/**
 * @fileoverview The emscripten route to WebAssembly: shared models and a small built model pass
 * `edgec test --target wasm-emscripten`, and both WebAssembly routes (binaryen and emscripten)
 * give the same outputs on one model.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { readTensorFile } from "../../compiler/onnx/tensor.ts";
import { cleanup, edgec, runProcess, tempDir } from "../helpers/cli.ts";
import { ModelSpec, rng, uniform, writeModelDir } from "../helpers/onnx-builder.ts";
import { EDGEC, ROOT, sharedDir } from "../shared.ts";

const SHARED_MODELS = ["digits_cnn", "kws_dscnn", "ad_autoencoder"];

async function haveEmcc(): Promise<boolean> {
  try {
    return (await runProcess("emcc", ["--version"], { timeoutMs: 60_000, env: { ...process.env, NODE_PATH: "/usr/share/nodejs" } })).status === 0;
  } catch {
    return false;
  }
}

/** Two inputs, libm functions (erf, tanh, exp), a reduction and an int64 ArgMax output. */
async function builtModel(dir: string): Promise<string> {
  const r = rng(7);
  const spec: ModelSpec = {
    name: "emcc_mix", opset: 17,
    inputs: [{ name: "x", dtype: "f32", shape: [1, 3, 6, 6] }, { name: "y", dtype: "f32", shape: [1, 3, 6, 6] }],
    outputs: [{ name: "pooled", dtype: "f32", shape: [1, 4] }, { name: "best", dtype: "i64", shape: [1] }],
    initializers: [
      { name: "w", dtype: "f32", dims: [4, 3, 3, 3], data: uniform(r, 108, -0.5, 0.5) },
      { name: "b", dtype: "f32", dims: [4], data: uniform(r, 4, -0.1, 0.1) },
    ],
    nodes: [
      { op: "Add", inputs: ["x", "y"], outputs: ["s"] },
      { op: "Erf", inputs: ["s"], outputs: ["e"] },
      { op: "Conv", inputs: ["e", "w", "b"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Tanh", inputs: ["c"], outputs: ["t"] },
      { op: "ReduceMean", inputs: ["t"], outputs: ["m"], attrs: { axes: [2, 3], keepdims: 0 } },
      { op: "Softmax", inputs: ["m"], outputs: ["pooled"], attrs: { axis: 1 } },
      { op: "ArgMax", inputs: ["pooled"], outputs: ["best"], attrs: { axis: 1, keepdims: 0 } },
    ],
  };
  const x = uniform(r, 108, -1, 1), y = uniform(r, 108, -1, 1);
  writeModelDir(dir, spec);
  const session = await ort.InferenceSession.create(path.join(dir, "model.onnx"));
  const out = await session.run({ x: new ort.Tensor("float32", x, [1, 3, 6, 6]), y: new ort.Tensor("float32", y, [1, 3, 6, 6]) });
  writeModelDir(dir, spec,
    [{ name: "x", dtype: "f32", dims: [1, 3, 6, 6], data: x }, { name: "y", dtype: "f32", dims: [1, 3, 6, 6], data: y }],
    [{ name: "pooled", dtype: "f32", dims: [1, 4], data: out.pooled!.data as Float32Array },
      { name: "best", dtype: "i64", dims: [1], data: Array.from(out.best!.data as BigInt64Array, Number) }]);
  return dir;
}

describe("--target wasm-emscripten", function () {
  this.timeout(600_000);
  let emcc = false;
  before(async () => { emcc = await haveEmcc(); });
  const need = (ctx: Mocha.Context) => {
    if (!emcc) { console.log("  skipped: emcc not found (apt-get install emscripten)"); ctx.skip(); }
  };

  it("without emcc, says in one line which Debian package to install", async function () {
    const dir = tempDir("emcc-missing");
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, EMCC: path.join(dir, "no-such-emcc") };
      delete env.EDGEC_DEBUG;
      const r = await runProcess(process.execPath, [EDGEC, "compile", path.join(ROOT, "examples", "demo", "model.onnx"),
        "--target", "wasm-emscripten", "-o", path.join(dir, "out")], { env, timeoutMs: 120_000 });
      expect(r.status).to.not.equal(0);
      expect(r.stderr.trim().split("\n")).to.have.length(1);
      expect(r.stderr).to.match(/emcc.*not found.*Debian package 'emscripten'/);
      expect(fs.existsSync(path.join(dir, "out", "model.wasm"))).to.equal(false);
    } finally {
      cleanup(dir);
    }
  });

  for (const name of SHARED_MODELS) {
    it(`shared model ${name} passes edgec test`, async function () {
      need(this);
      const models = sharedDir("models");
      if (!models || !fs.existsSync(path.join(models, name))) { console.log(`  skipped: shared model ${name} not found (set EDGEC_SHARED)`); this.skip(); }
      const r = await edgec("test", path.join(models!, name), "--target", "wasm-emscripten");
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/\nPASS\n?$/);
    });
  }

  it("a built model with two inputs, libm calls and an int64 output passes edgec test", async function () {
    need(this);
    const dir = tempDir("emcc-built");
    try {
      await builtModel(path.join(dir, "m"));
      const r = await edgec("test", path.join(dir, "m"), "--target", "wasm-emscripten");
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stdout).to.match(/\nPASS\n?$/);
    } finally {
      cleanup(dir);
    }
  });

  it("the binaryen and emscripten routes give the same outputs", async function () {
    need(this);
    const dir = tempDir("emcc-routes");
    try {
      const model = await builtModel(path.join(dir, "m"));
      const outs: Record<string, Float32Array | BigInt64Array>[] = [];
      for (const target of ["wasm", "wasm-emscripten"]) {
        const out = path.join(dir, target);
        const r = await edgec("compile", path.join(model, "model.onnx"), "--target", target, "-o", out);
        expect(r.status, `${target}: ${r.stdout}${r.stderr}`).to.equal(0);
        const { createModel } = await import(pathToFileURL(path.join(out, "model.mjs")).href) as
          { createModel(): Promise<{ run(f: Record<string, Float32Array>): Record<string, Float32Array | BigInt64Array> }> };
        const m = await createModel();
        const feed = (i: number) => readTensorFile(path.join(model, "test_data_set_0", `input_${i}.pb`)).data as Float32Array;
        outs.push(m.run({ x: feed(0), y: feed(1) }));
      }
      const [a, b] = outs as [Record<string, Float32Array>, Record<string, Float32Array>];
      expect(Object.keys(a).sort()).to.deep.equal(["best", "pooled"]);
      expect(b.best).to.deep.equal(a.best);
      a.pooled!.forEach((v, i) => expect(Math.abs(v - b.pooled![i]!), `pooled[${i}]: ${v} vs ${b.pooled![i]}`).to.be.at.most(1e-6 + 1e-4 * Math.abs(v)));
    } finally {
      cleanup(dir);
    }
  });
});
