/**
 * @fileoverview The aarch64 target prints NEON: a Conv's register tile as float32x4_t
 * accumulators updated by vfmaq_laneq_f32 (a row's weights loaded four at a time), an element-wise loop as vld1q/vst1q, nothing of another ISA;
 * and the generated C of a model is the same text every time it is compiled.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { emitC } from "../../backends/c/artifact.ts";
import { Compiled, compileFile, compileGraph } from "../../compiler/api.ts";
import { emitterFor } from "../../compiler/c-targets.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { tileFor } from "../../passes/schedule-tile.ts";
import { ModelSpec, buildModel } from "../helpers/onnx-builder.ts";
import { SHARED } from "../shared.ts";

const fill = (n: number) => Array.from({ length: n }, (_, i) => ((i * 5) % 13) / 10 - 0.6);

// A 1x1 Conv (a register tile) followed by an Add of two activations and a Relu (an element-wise loop).
const SPEC: ModelSpec = {
  opset: 13,
  inputs: [{ name: "x", dtype: "f32", shape: [1, 8, 6, 8] }, { name: "z", dtype: "f32", shape: [1, 16, 6, 8] }],
  outputs: [{ name: "y", dtype: "f32" }, { name: "s", dtype: "f32" }],
  nodes: [
    { op: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { kernel_shape: [1, 1] } },
    { op: "Add", inputs: ["z", "z"], outputs: ["a"] },
    { op: "Relu", inputs: ["a"], outputs: ["s"] },
  ],
  initializers: [{ name: "w", dtype: "f32", dims: [16, 8, 1, 1], data: fill(128) }, { name: "b", dtype: "f32", dims: [16], data: fill(16) }],
};

const modelC = (c: Compiled): string => emitC(c.program, { name: "model", embedLimit: 1 << 30 }, emitterFor("aarch64")).files.get("model.c") as string;

describe("aarch64 target: NEON intrinsics", () => {
  it("tile rules: 8 rows of 2 vectors of 4 lanes (16 of the 32 registers accumulate), weights broadcast by lane", () => {
    expect(tileFor("aarch64")).to.deep.include({ accs: 64, width: 8, vectors: 4, laneFma: true });
  });

  it("prints a register tile and a vectorized loop as NEON", () => {
    const c = compileGraph(importModel(buildModel(SPEC), undefined), { cTarget: "aarch64", tile: tileFor("aarch64") });
    const text = modelC(c);
    expect(c.report.vectorized_loops, "vectorized loops").to.be.greaterThan(0);
    const tiles = c.report.schedules.flatMap((k) => k.tiles);
    expect(tiles.length, "register tiles").to.be.greaterThan(0);
    for (const t of tiles) expect(t.lanes).to.equal(4);
    expect(text).to.include("#include <arm_neon.h>");
    expect(text).to.match(/float32x4_t acc\w* = vdupq_n_f32\(0\.0f\);/);
    // The 1x1 Conv's 8 input channels: four weights of a row loaded at once, multiplied by lane.
    expect(text).to.match(/float32x4_t lanes\w* = vld1q_f32\(/);
    expect(text).to.match(/acc\w* = vfmaq_laneq_f32\(acc\w*, vld1q_f32\([^;]*\), lanes\w*, [0-3]\);/);
    expect(text).to.match(/vst1q_f32\(&out\w*\[[^\n]*vmaxq_f32\(vaddq_f32\(vld1q_f32\(/);
    expect(text).not.to.match(/_mm\d*_|__m\d+|_lanes\d/);
  });

  it("generates the same C every time", () => {
    const model = path.join(SHARED, "models", "kws_dscnn", "model.onnx");
    const once = () => fs.existsSync(model) ? modelC(compileFile(model, { cTarget: "aarch64", tile: tileFor("aarch64") }))
      : modelC(compileGraph(importModel(buildModel(SPEC), undefined), { cTarget: "aarch64", tile: tileFor("aarch64") }));
    const a = once();
    expect(a).to.include("vfmaq_f32(");
    expect(once()).to.equal(a);
  });
});
