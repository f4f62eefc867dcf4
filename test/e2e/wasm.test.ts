/**
 * @fileoverview The WebAssembly target: every shared model matches its reference outputs when run
 * through model.mjs in Node, modules validate and import only the loader's math, --no-simd gives a
 * module without SIMD instructions, and run() rejects wrong inputs with clear errors.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { disassemble } from "../../backends/wasm/binaryen.ts";
import { compileGraph, writeWasmArtifact } from "../../compiler/api.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { testDir } from "../../compiler/testrun.ts";
import { TARGETS } from "../../ir/target.ts";
import { tileFor } from "../../passes/schedule-tile.ts";
import { cleanup, edgec, tempDir } from "../helpers/cli.ts";
import { buildModel, tensorFile } from "../helpers/onnx-builder.ts";
import { sharedDir } from "../shared.ts";

interface Model {
  inputs: { name: string; dtype: string; shape: number[] }[];
  run(x: Record<string, unknown>): Record<string, unknown>;
}

/** y = exp(x) + w (w a weight), z = argmax-free integer path: n * 2 (i64). */
function smallModel(): Uint8Array {
  return buildModel({
    inputs: [{ name: "x", dtype: "f32", shape: [2, 8] }, { name: "n", dtype: "i64", shape: [3] }],
    outputs: [{ name: "y", dtype: "f32", shape: [2, 8] }, { name: "z", dtype: "i64", shape: [3] }],
    initializers: [{ name: "w", dtype: "f32", dims: [8], data: [1, 2, 3, 4, 5, 6, 7, 8] }, { name: "two", dtype: "i64", dims: [], data: [2] }],
    nodes: [
      { op: "Exp", inputs: ["x"], outputs: ["e"] },
      { op: "Add", inputs: ["e", "w"], outputs: ["y"] },
      { op: "Mul", inputs: ["n", "two"], outputs: ["z"] },
    ],
  });
}

async function build(dir: string, simd: boolean): Promise<{ model: Model; wasm: Uint8Array }> {
  const compiled = compileGraph(importModel(smallModel(), undefined), { tile: tileFor("wasm"), vectorTarget: TARGETS.wasm });
  await writeWasmArtifact(compiled, dir, { simd });
  const mod = await import(pathToFileURL(path.join(dir, "model.mjs")).href) as { createModel(): Promise<Model> };
  return { model: await mod.createModel(), wasm: new Uint8Array(fs.readFileSync(path.join(dir, "model.wasm"))) };
}

describe("wasm target", function () {
  let dir: string | undefined;
  afterEach(() => { cleanup(dir); dir = undefined; });

  it("runs a small model through its loader", async () => {
    dir = tempDir("edgec-wasm-");
    const { model } = await build(path.join(dir, "out"), true);
    const x = new Float32Array(16).map((_, i) => (i - 8) / 4);
    const out = model.run({ x, n: new BigInt64Array([1n, -5n, 1n << 40n]) });
    const y = out.y as Float32Array;
    for (let i = 0; i < 16; i++) expect(y[i]).to.be.closeTo(Math.exp(x[i]!) + (i % 8) + 1, 1e-5);
    expect([...(out.z as BigInt64Array)]).to.deep.equal([2n, -10n, 1n << 41n]);
    expect(model.inputs.map((t) => t.name)).to.deep.equal(["x", "n"]);
  });

  it("validates and imports nothing but the loader's math", async () => {
    dir = tempDir("edgec-wasm-");
    const { wasm } = await build(path.join(dir, "out"), true);
    expect(WebAssembly.validate(new Uint8Array(wasm))).to.equal(true);
    const m = new WebAssembly.Module(new Uint8Array(wasm));
    for (const i of WebAssembly.Module.imports(m)) expect(`${i.module}.${i.name}`).to.match(/^env\.edgec_[a-z0-9]+$/);
    expect(WebAssembly.Module.exports(m).map((e) => e.name).sort()).to.deep.equal(["edgec_input", "edgec_output", "edgec_run", "memory"]);
  });

  it("--no-simd gives a module without SIMD instructions", async () => {
    dir = tempDir("edgec-wasm-");
    const { model, wasm } = await build(path.join(dir, "out"), false);
    expect(disassemble(wasm)).to.not.match(/v128|f32x4|i32x4|i8x16|i16x8|i64x2|f64x2/);
    const out = model.run({ x: new Float32Array(16), n: new BigInt64Array(3) });
    expect([...(out.y as Float32Array)]).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8].map((v) => v + 1));
  });

  it("rejects a missing, unknown, wrongly typed or wrongly sized input with a clear Error", async () => {
    dir = tempDir("edgec-wasm-");
    const { model } = await build(path.join(dir, "out"), true);
    const x = new Float32Array(16), n = new BigInt64Array(3);
    expect(() => model.run({ x })).to.throw(Error, /missing input "n": expected a BigInt64Array of 3 elements/);
    expect(() => model.run({ x, n, extra: x })).to.throw(Error, /unknown input "extra"; the model's inputs are "x", "n"/);
    expect(() => model.run({ x: new Float64Array(16), n })).to.throw(Error, /input "x": expected a Float32Array \(f32\), got Float64Array/);
    expect(() => model.run({ x: [1, 2], n })).to.throw(Error, /input "x": expected a Float32Array \(f32\), got Array/);
    expect(() => model.run({ x: new Float32Array(15), n })).to.throw(Error, /input "x": expected 16 elements \(f32 \[2, 8\]\), got 15/);
    expect(() => model.run(null as unknown as Record<string, unknown>)).to.throw(TypeError, /run\(\) takes an object/);
  });
});

describe("edgec compile/test --target wasm", function () {
  let dir: string | undefined;
  afterEach(() => { cleanup(dir); dir = undefined; });

  it("writes model.wasm, model.mjs, model.d.ts and report.json, and edgec test passes", async () => {
    dir = tempDir("wasm-cli");
    const model = path.join(dir, "case");
    fs.mkdirSync(path.join(model, "test_data_set_0"), { recursive: true });
    fs.writeFileSync(path.join(model, "model.onnx"), smallModel());
    const x = Array.from({ length: 16 }, (_, i) => i / 8 - 1), n = [3, -4, 5];
    fs.writeFileSync(path.join(model, "test_data_set_0", "input_0.pb"), tensorFile({ name: "x", dtype: "f32", dims: [2, 8], data: x }));
    fs.writeFileSync(path.join(model, "test_data_set_0", "input_1.pb"), tensorFile({ name: "n", dtype: "i64", dims: [3], data: n }));
    fs.writeFileSync(path.join(model, "test_data_set_0", "output_0.pb"), tensorFile({ name: "y", dtype: "f32", dims: [2, 8], data: x.map((v, i) => Math.fround(Math.exp(v)) + (i % 8) + 1) }));
    fs.writeFileSync(path.join(model, "test_data_set_0", "output_1.pb"), tensorFile({ name: "z", dtype: "i64", dims: [3], data: n.map((v) => v * 2) }));
    const out = path.join(dir, "out");
    const c = await edgec("compile", path.join(model, "model.onnx"), "--target", "wasm", "-o", out);
    expect(c.status, c.stderr).to.equal(0);
    expect(fs.readdirSync(out).sort()).to.deep.equal(["model.d.ts", "model.mjs", "model.wasm", "report.json"]);
    expect(fs.readFileSync(path.join(out, "model.d.ts"), "utf8")).to.include('export type InputName = "x" | "n";');
    for (const simd of [[], ["--no-simd"]]) {
      const t = await edgec("test", model, "--target", "wasm", ...simd);
      expect(t.status, t.stdout + t.stderr).to.equal(0);
      expect(t.stdout).to.match(/PASS\n$/);
    }
    const bad = await edgec("compile", path.join(model, "model.onnx"), "--target", "wasm64", "-o", out);
    expect(bad.stderr).to.include("unknown target 'wasm64'; available: c, x86-64-v3, x86-64-v4, x86-64-v4-vnni, aarch64, riscv64, cortex-m4, cortex-m55, native, wasm, wasm-emscripten");
  });
});

describe("shared models (wasm target)", function () {
  const models = sharedDir("models");
  if (!models) return;
  const names = fs.readdirSync(models).filter((n) => fs.existsSync(path.join(models, n, "model.onnx"))).sort();
  for (const name of names) {
    it(`${name} matches the reference outputs`, async () => {
      const res = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, target: "wasm" });
      for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}, ${r.mismatches} mismatches`).to.equal(true);
    });
  }
});
