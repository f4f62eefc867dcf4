/**
 * @fileoverview The SIMD128 vectorizer: which loops the planner accepts and why it refuses the
 * others, partial-sum groups, and small models whose SIMD and scalar modules must agree bit for
 * bit (no reduction is reassociated in them) while the SIMD one really uses v128 code.
 */
import { expect } from "chai";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { disassemble } from "../../backends/wasm/binaryen.ts";
import { planSlp } from "../../backends/wasm/slp-plan.ts";
import { planLoop } from "../../backends/wasm/vectorize-plan.ts";
import { compileGraph, writeWasmArtifact } from "../../compiler/api.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { Buffer, Expr, Stmt, Var, add, bin, c, load, mkVar, mul, select, store } from "../../ir/tir.ts";
import { cleanup, tempDir } from "../helpers/cli.ts";
import { ModelSpec, buildModel } from "../helpers/onnx-builder.ts";
import * as fs from "node:fs";

type For = Extract<Stmt, { k: "for" }>;
const buf = (name: string, n: number, scope: Buffer["scope"] = "input", dtype: Buffer["dtype"] = "f32"): Buffer => ({ name, dtype, shape: [n], scope });
const forLoop = (extent: number, f: (v: Var) => Stmt[]): For => {
  const v = mkVar("v");
  return { k: "for", v, extent, kind: "serial", body: { k: "seq", body: f(v) } };
};
const f32 = (x: number): Expr => c(x, "f32");

describe("wasm SIMD planner", () => {
  const x = buf("x", 64), y = buf("y", 64, "output"), w = buf("w", 64, "param");

  it("vectorizes an elementwise loop: contiguous loads, splatted invariants", () => {
    const k = mkVar("k");
    const r = planLoop(forLoop(64, (v) => [store(y, v, bin("max", add(mul(load(x, v), load(w, k)), f32(1)), f32(0)))]));
    expect(r.ok).to.equal(true);
    if (!r.ok) return;
    const modes = [...r.plan.mode.entries()].filter(([e]) => e.k === "load").map(([e, m]) => `${(e as { buf: Buffer }).buf.name}:${m}`);
    expect(modes.sort()).to.deep.equal(["w:uniform", "x:vector"]);
    // x and y may be one buffer (an in-place call) only if they do not overlap: checked at run time.
    expect(r.plan.distinct.map(([a, b]) => `${a.name}|${b.name}`)).to.deep.equal([]);
  });

  it("accepts in-place updates and accesses four or more elements apart, refuses closer ones", () => {
    expect(planLoop(forLoop(60, (v) => [store(y, v, add(load(y, v), f32(1)))])).ok).to.equal(true);
    expect(planLoop(forLoop(60, (v) => [store(y, v, load(y, add(v, c(4))))])).ok).to.equal(true);
    const r = planLoop(forLoop(60, (v) => [store(y, add(v, c(1)), load(y, v))]));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.match(/1 elements apart/);
  });

  it("checks distinct buffers at run time when they could overlap", () => {
    const r = planLoop(forLoop(32, (v) => [store(y, v, add(load(x, add(v, c(1))), load(x, v)))]));
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.plan.distinct.map(([a, b]) => `${a.name}|${b.name}`)).to.deep.equal(["x|y"]);
  });

  it("refuses loads scalar code would skip, and gathers from a buffer written in the loop", () => {
    const r1 = planLoop(forLoop(32, (v) => [store(y, v, select(bin("gt", v, c(2)), load(x, add(v, c(-3))), f32(0)))]));
    expect(r1.ok).to.equal(false);
    if (!r1.ok) expect(r1.reason).to.match(/lane-dependent condition/);
    const r2 = planLoop(forLoop(16, (v) => [store(y, v, load(y, mul(v, c(2))))]));
    expect(r2.ok).to.equal(false);
  });

  it("turns an accumulator into a reduction, and refuses one read inside the loop", () => {
    const acc = mkVar("acc", "f32");
    const r = planLoop(forLoop(64, (v) => [{ k: "assign", v: acc, value: add(acc, load(x, v)) }]));
    expect(r.ok && [...r.plan.reductions.keys()]).to.deep.equal([acc.name]);
    const bad = planLoop(forLoop(64, (v) => [{ k: "assign", v: acc, value: add(acc, load(x, v)) }, store(y, v, acc)]));
    expect(bad.ok).to.equal(false);
  });

  it("groups partial sums whose loads are one element apart", () => {
    const parts = [0, 1, 2, 3, 4, 5, 6, 7].map(() => mkVar("part", "f32"));
    const loop = forLoop(8, (v) => parts.map((p, j): Stmt => ({
      k: "assign", v: p, value: add(p, mul(load(x, add(mul(v, c(8)), c(j))), load(w, add(mul(v, c(8)), c(j))))),
    })));
    const plan = planSlp(loop);
    expect(plan?.groups.map((g) => g.vars.map((p) => p.name))).to.deep.equal([parts.slice(0, 4).map((p) => p.name), parts.slice(4).map((p) => p.name)]);
  });
});

/** Runs a model's SIMD and scalar builds on the same inputs. */
async function both(spec: ModelSpec, inputs: Record<string, Float32Array>, dir: string) {
  const outs: Record<string, Float32Array>[] = [];
  let text = "";
  for (const simd of [true, false]) {
    const out = path.join(dir, simd ? "simd" : "scalar");
    await writeWasmArtifact(compileGraph(importModel(buildModel(spec), undefined)), out, { simd });
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

  it("rows of 7 outputs: groups of four and three lanes, bit-identical", async () => {
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
    expect(text).to.match(/v128\.load32_lane/);
    expect([...simd.y!]).to.deep.equal([...scalar.y!]);
  });
});
