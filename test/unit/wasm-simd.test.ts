/**
 * @fileoverview SIMD128 from the vector Tensor IR: small models compiled for the wasm target
 * (vector register tiles, loops vectorized by passes/vectorize.ts) build as v128 code, and their
 * SIMD and scalar modules (the scalar one built from the scalarized IR) agree bit for bit.
 */
import { expect } from "chai";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { disassemble } from "../../backends/wasm/binaryen.ts";
import { compileGraph, writeWasmArtifact } from "../../compiler/api.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { TARGETS } from "../../ir/target.ts";
import { tileFor } from "../../passes/schedule-tile.ts";
import { cleanup, tempDir } from "../helpers/cli.ts";
import { ModelSpec, buildModel } from "../helpers/onnx-builder.ts";
import * as fs from "node:fs";

/** Runs a model's SIMD and scalar builds on the same inputs. */
async function both(spec: ModelSpec, inputs: Record<string, Float32Array>, dir: string) {
  const outs: Record<string, Float32Array>[] = [];
  let text = "";
  for (const simd of [true, false]) {
    const out = path.join(dir, simd ? "simd" : "scalar");
    await writeWasmArtifact(compileGraph(importModel(buildModel(spec), undefined), { tile: tileFor("wasm"), vectorTarget: TARGETS.wasm }), out, { simd });
    if (simd) text = disassemble(new Uint8Array(fs.readFileSync(path.join(out, "model.wasm"))));
    const m = await import(pathToFileURL(path.join(out, "model.mjs")).href) as { createModel(): Promise<{ run(x: unknown): Record<string, Float32Array> }> };
    outs.push((await m.createModel()).run(inputs));
  }
  return { simd: outs[0]!, scalar: outs[1]!, text };
}

const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 2);

describe("wasm SIMD builds agree with scalar builds", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  afterEach(() => { cleanup(dir); dir = undefined; });

  it("Conv (3x3, stride 1 and 2) + Relu, MaxPool, Gemm: bit-identical, with v128 code", async () => {
    dir = tempDir("edgec-simd-");
    const spec: ModelSpec = {
      inputs: [{ name: "x", dtype: "f32", shape: [1, 3, 13, 17] }],
      outputs: [{ name: "y", dtype: "f32", shape: [1, 10] }, { name: "p", dtype: "f32", shape: [1, 8, 6, 8] }],
      initializers: [
        { name: "w1", dtype: "f32", dims: [8, 3, 3, 3], data: rand(216, 1) },
        { name: "b1", dtype: "f32", dims: [8], data: rand(8, 2) },
        { name: "w2", dtype: "f32", dims: [8, 8, 3, 3], data: rand(576, 3) },
        { name: "g", dtype: "f32", dims: [10, 8 * 7 * 9], data: rand(10 * 8 * 7 * 9, 4) },
      ],
      nodes: [
        { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
        { op: "Conv", inputs: ["r1", "w2"], outputs: ["c2"], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } },
        { op: "MaxPool", inputs: ["r1"], outputs: ["p"], attrs: { kernel_shape: [3, 3], strides: [2, 2] } },
        { op: "Flatten", inputs: ["c2"], outputs: ["f"] },
        { op: "Gemm", inputs: ["f", "g"], outputs: ["y"], attrs: { transB: 1 } },
      ],
    };
    const { simd, scalar, text } = await both(spec, { x: rand(3 * 13 * 17, 5) }, dir);
    expect(text).to.match(/f32x4\.(add|mul)/);
    for (const k of ["y", "p"]) expect([...simd[k]!]).to.deep.equal([...scalar[k]!]);
  });

  it("rows of 7 outputs: a last vector overlapping the one before, bit-identical", async () => {
    dir = tempDir("edgec-simd-");
    const spec: ModelSpec = {
      inputs: [{ name: "x", dtype: "f32", shape: [1, 4, 7, 7] }],
      outputs: [{ name: "y", dtype: "f32", shape: [1, 8, 7, 7] }],
      initializers: [{ name: "w", dtype: "f32", dims: [8, 4, 3, 3], data: rand(288, 7) }, { name: "b", dtype: "f32", dims: [8], data: rand(8, 8) }],
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "Relu", inputs: ["c"], outputs: ["y"] },
      ],
    };
    const { simd, scalar, text } = await both(spec, { x: rand(4 * 7 * 7, 9) }, dir);
    expect(text).to.match(/f32x4\.(add|mul)/);
    expect([...simd.y!]).to.deep.equal([...scalar.y!]);
  });

  it("strided vector loads (Gemm with transA reads every third element): bit-identical", async () => {
    dir = tempDir("edgec-simd-");
    const spec: ModelSpec = {
      inputs: [{ name: "a", dtype: "f32", shape: [12, 3] }],
      outputs: [{ name: "y", dtype: "f32", shape: [3, 5] }],
      initializers: [{ name: "b", dtype: "f32", dims: [5, 12], data: rand(60, 11) }, { name: "c", dtype: "f32", dims: [1, 5], data: rand(5, 12) }],
      nodes: [{ op: "Gemm", inputs: ["a", "b", "c"], outputs: ["y"], attrs: { transA: 1, transB: 1, alpha: 0.25, beta: 0.35 } }],
    };
    const a = rand(36, 13);
    const { simd, scalar, text } = await both(spec, { a }, dir);
    expect(text).to.match(/v128\.load32_lane/);
    expect([...simd.y!]).to.deep.equal([...scalar.y!]);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 5; j++) {
        let dot = 0;
        for (let k = 0; k < 12; k++) dot += a[k * 3 + i]! * rand(60, 11)[j * 12 + k]!;
        expect(simd.y![i * 5 + j]).to.be.closeTo(0.25 * dot + 0.35 * rand(5, 12)[j]!, 1e-4);
      }
  });
});
