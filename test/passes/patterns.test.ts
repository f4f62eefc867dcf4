/**
 * @fileoverview Fusion patterns on small models: each fires where it should, stays off where it
 * must not, and the optimised program computes what the unoptimised one does.
 */
import { expect } from "chai";
import { compileGraph } from "../../compiler/api.ts";
import { interpret } from "../../passes/interpret.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { TypedArray } from "../../ir/dtype.ts";
import { ModelSpec, buildModel, rng, uniform } from "../helpers/onnx-builder.ts";

function run(spec: ModelSpec, optLevel: number) {
  const c = compileGraph(importModel(buildModel(spec), undefined), { optLevel });
  const r = rng(7);
  const inputs = c.program.inputs.map((t) => uniform(r, t.type.shape.reduce((a, b) => a * b, 1), -2, 2) as TypedArray);
  return { report: c.report, outputs: interpret(c.program, inputs) };
}

/** Compiles at -O0 and -O2, checks outputs agree, returns the -O2 pattern counts. */
function fusedMatches(spec: ModelSpec): Record<string, number> {
  const base = run(spec, 0), opt = run(spec, 2);
  base.outputs.forEach((o, i) => {
    const p = opt.outputs[i]!;
    for (let j = 0; j < o.length; j++) {
      const a = Number(o[j]), b = Number(p[j]);
      expect(Math.abs(a - b), `output ${i}[${j}]: ${a} vs ${b}`).to.be.at.most(1e-4 + 1e-4 * Math.abs(a));
    }
  });
  expect(opt.report.kernels).to.be.at.most(base.report.kernels);
  return opt.report.fusions;
}

const r = rng(1);
const t = (name: string, dims: number[], lo = -1, hi = 1) =>
  ({ name, dtype: "f32" as const, dims, data: uniform(r, dims.reduce((a, b) => a * b, 1), lo, hi) });
const x4 = { name: "x", dtype: "f32" as const, shape: [1, 3, 8, 8] };
const convInits = [t("w", [4, 3, 3, 3]), t("b", [4])];
const bnInits = [t("s", [4], 0.5, 1.5), t("bb", [4]), t("m", [4]), t("v", [4], 0.5, 2)];

describe("fusion patterns", () => {
  it("conv-bn folds BatchNormalization into the Conv", () => {
    const f = fusedMatches({
      inputs: [x4], outputs: [{ name: "y", dtype: "f32", shape: [1, 4, 8, 8] }],
      initializers: [...convInits, ...bnInits],
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "BatchNormalization", inputs: ["c", "s", "bb", "m", "v"], outputs: ["y"] },
      ],
    });
    expect(f["conv-bn"]).to.equal(1);
  });

  it("conv-bn does not fire when the Conv output has another consumer", () => {
    const f = fusedMatches({
      inputs: [x4], outputs: [{ name: "y", dtype: "f32", shape: [1, 4, 8, 8] }, { name: "c", dtype: "f32", shape: [1, 4, 8, 8] }],
      initializers: [...convInits, ...bnInits],
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "BatchNormalization", inputs: ["c", "s", "bb", "m", "v"], outputs: ["y"] },
      ],
    });
    expect(f["conv-bn"]).to.equal(undefined);
  });

  it("conv-bias and conv-scale fold per-channel constants; a non-constant scale is left alone", () => {
    const f = fusedMatches(withW4());
    expect(f["conv-bias"]).to.equal(1);
    expect(f["conv-scale"]).to.equal(1);
  });

  it("pad-fold merges a zero Pad into the Conv pads; a reflect Pad stays", () => {
    const pads = { name: "p", dtype: "i64" as const, dims: [8], data: [0, 0, 1, 2, 0, 0, 1, 0] };
    const spec = (mode: string): ModelSpec => ({
      inputs: [x4], outputs: [{ name: "y", dtype: "f32", shape: [1, 4, 9, 7] }],
      initializers: [...convInits, pads],
      nodes: [
        { op: "Pad", inputs: ["x", "p"], outputs: ["xp"], attrs: { mode } },
        { op: "Conv", inputs: ["xp", "w", "b"], outputs: ["y"] },
      ],
    });
    expect(fusedMatches(spec("constant"))["pad-fold"]).to.equal(1);
    expect(fusedMatches(spec("reflect"))["pad-fold"]).to.equal(undefined);
  });

  it("act-epilogue and residual-epilogue fuse Relu and a residual Add into the Conv kernel", () => {
    const f = fusedMatches({
      inputs: [x4, { name: "res", dtype: "f32", shape: [1, 4, 8, 8] }], outputs: [{ name: "y", dtype: "f32", shape: [1, 4, 8, 8] }],
      initializers: convInits,
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "Add", inputs: ["c", "res"], outputs: ["a"] },
        { op: "Relu", inputs: ["a"], outputs: ["y"] },
      ],
    });
    expect(f["residual-epilogue"]).to.equal(1);
    expect(f["act-epilogue"]).to.equal(1);
  });

  it("elementwise-chain makes one kernel of a chain; a value with two consumers ends the chain", () => {
    const x = { name: "x", dtype: "f32" as const, shape: [2, 5] };
    const f = fusedMatches({
      inputs: [x], outputs: [{ name: "y", dtype: "f32", shape: [2, 5] }, { name: "b", dtype: "f32", shape: [2, 5] }],
      nodes: [
        { op: "Exp", inputs: ["x"], outputs: ["a"] },
        { op: "Neg", inputs: ["a"], outputs: ["b"] },
        { op: "Tanh", inputs: ["b"], outputs: ["c"] },
        { op: "Sqrt", inputs: ["a"], outputs: ["d"] },
        { op: "Add", inputs: ["c", "d"], outputs: ["y"] },
      ],
    });
    expect(f["elementwise-chain"]).to.equal(1);
  });

  it("layernorm recognises the decomposed form; a mismatched axis does not match", () => {
    const spec = (axis: number): ModelSpec => ({
      opset: 13,
      inputs: [{ name: "x", dtype: "f32", shape: [2, 3, 8] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 3, 8] }],
      initializers: [t("gamma", [8]), t("beta", [8]), { name: "two", dtype: "f32", dims: [], data: [2] }, { name: "eps", dtype: "f32", dims: [], data: [1e-5] }],
      nodes: [
        { op: "ReduceMean", inputs: ["x"], outputs: ["m"], attrs: { axes: [axis] } },
        { op: "Sub", inputs: ["x", "m"], outputs: ["d"] },
        { op: "Pow", inputs: ["d", "two"], outputs: ["p"] },
        { op: "ReduceMean", inputs: ["p"], outputs: ["v"], attrs: { axes: [-1] } },
        { op: "Add", inputs: ["v", "eps"], outputs: ["ve"] },
        { op: "Sqrt", inputs: ["ve"], outputs: ["s"] },
        { op: "Div", inputs: ["d", "s"], outputs: ["n"] },
        { op: "Mul", inputs: ["n", "gamma"], outputs: ["g"] },
        { op: "Add", inputs: ["g", "beta"], outputs: ["y"] },
      ],
    });
    expect(fusedMatches(spec(-1)).layernorm).to.equal(1);
    expect(fusedMatches(spec(1)).layernorm).to.equal(undefined);
  });

  it("gelu recognises the erf form", () => {
    const f = fusedMatches({
      inputs: [{ name: "x", dtype: "f32", shape: [4, 6] }], outputs: [{ name: "y", dtype: "f32", shape: [4, 6] }],
      initializers: [{ name: "r2", dtype: "f32", dims: [], data: [Math.SQRT2] }, { name: "one", dtype: "f32", dims: [], data: [1] }, { name: "half", dtype: "f32", dims: [], data: [0.5] }],
      nodes: [
        { op: "Div", inputs: ["x", "r2"], outputs: ["a"] },
        { op: "Erf", inputs: ["a"], outputs: ["b"] },
        { op: "Add", inputs: ["b", "one"], outputs: ["c"] },
        { op: "Mul", inputs: ["x", "c"], outputs: ["d"] },
        { op: "Mul", inputs: ["d", "half"], outputs: ["y"] },
      ],
    });
    expect(f.gelu).to.equal(1);
  });

  it("transpose-cancel removes a cancelling pair", () => {
    const f = fusedMatches({
      inputs: [{ name: "x", dtype: "f32", shape: [2, 3, 4] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 3, 4] }],
      nodes: [
        { op: "Transpose", inputs: ["x"], outputs: ["a"], attrs: { perm: [2, 0, 1] } },
        { op: "Transpose", inputs: ["a"], outputs: ["b"], attrs: { perm: [1, 2, 0] } },
        { op: "Relu", inputs: ["b"], outputs: ["y"] },
      ],
    });
    expect(f["transpose-cancel"]).to.equal(1);
  });

  it("matmul-bias and view-elim: MatMul + bias is one kernel and Reshape is an alias", () => {
    const f = fusedMatches({
      inputs: [{ name: "x", dtype: "f32", shape: [3, 8] }], outputs: [{ name: "y", dtype: "f32", shape: [1, 3, 5] }],
      initializers: [t("w", [8, 5]), t("bias", [5]), { name: "shape", dtype: "i64", dims: [3], data: [1, 3, 5] }],
      nodes: [
        { op: "MatMul", inputs: ["x", "w"], outputs: ["m"] },
        { op: "Add", inputs: ["m", "bias"], outputs: ["a"] },
        { op: "Reshape", inputs: ["a", "shape"], outputs: ["y"] },
      ],
    });
    expect(f["matmul-bias"]).to.equal(1);
  });

  it("reduce-epilogue fuses elementwise ops after a reduction", () => {
    const f = fusedMatches({
      opset: 13,
      inputs: [{ name: "x", dtype: "f32", shape: [4, 6] }], outputs: [{ name: "y", dtype: "f32", shape: [4, 1] }],
      nodes: [
        { op: "ReduceMax", inputs: ["x"], outputs: ["m"], attrs: { axes: [1] } },
        { op: "Sigmoid", inputs: ["m"], outputs: ["y"] },
      ],
    });
    expect(f["reduce-epilogue"]).to.equal(1);
  });

  it("softmax recognises exp(x - max) / sum over the last axis; another axis does not match", () => {
    const spec = (axis: number): ModelSpec => ({
      opset: 13,
      inputs: [{ name: "x", dtype: "f32", shape: [3, 7] }], outputs: [{ name: "y", dtype: "f32", shape: [3, 7] }],
      nodes: [
        { op: "ReduceMax", inputs: ["x"], outputs: ["m"], attrs: { axes: [axis] } },
        { op: "Sub", inputs: ["x", "m"], outputs: ["d"] },
        { op: "Exp", inputs: ["d"], outputs: ["e"] },
        { op: "ReduceSum", inputs: ["e", "ax"], outputs: ["s"] },
        { op: "Div", inputs: ["e", "s"], outputs: ["y"] },
      ],
      initializers: [{ name: "ax", dtype: "i64", dims: [1], data: [axis] }],
    });
    expect(fusedMatches(spec(-1)).softmax).to.equal(1);
    expect(fusedMatches(spec(0)).softmax).to.equal(undefined);
  });

  it("silu recognises x * sigmoid(x); sigmoid of another value does not match", () => {
    const spec = (other: boolean): ModelSpec => ({
      inputs: [{ name: "x", dtype: "f32", shape: [2, 9] }, { name: "z", dtype: "f32", shape: [2, 9] }],
      outputs: [{ name: "y", dtype: "f32", shape: [2, 9] }],
      nodes: [
        { op: "Sigmoid", inputs: [other ? "z" : "x"], outputs: ["s"] },
        { op: "Mul", inputs: ["s", "x"], outputs: ["y"] },
      ],
    });
    expect(fusedMatches(spec(false)).silu).to.equal(1);
    expect(fusedMatches(spec(true)).silu).to.equal(undefined);
  });

  it("hardswish recognises x * relu6(x + 3) / 6; a clip to 4 does not match", () => {
    const spec = (hi: number): ModelSpec => ({
      inputs: [{ name: "x", dtype: "f32", shape: [2, 9] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 9] }],
      initializers: [
        { name: "three", dtype: "f32", dims: [], data: [3] }, { name: "zero", dtype: "f32", dims: [], data: [0] },
        { name: "hi", dtype: "f32", dims: [], data: [hi] }, { name: "six", dtype: "f32", dims: [], data: [6] },
      ],
      nodes: [
        { op: "Add", inputs: ["x", "three"], outputs: ["a"] },
        { op: "Clip", inputs: ["a", "zero", "hi"], outputs: ["c"] },
        { op: "Mul", inputs: ["x", "c"], outputs: ["m"] },
        { op: "Div", inputs: ["m", "six"], outputs: ["y"] },
      ],
    });
    expect(fusedMatches(spec(6)).hardswish).to.equal(1);
    expect(fusedMatches(spec(4)).hardswish).to.equal(undefined);
  });

  it("attention becomes one kernel and absorbs the Transposes around it", () => {
    const f = fusedMatches({
      inputs: [{ name: "q", dtype: "f32", shape: [1, 5, 2, 4] }, { name: "k", dtype: "f32", shape: [1, 5, 2, 4] },
        { name: "v", dtype: "f32", shape: [1, 5, 2, 4] }, { name: "mask", dtype: "f32", shape: [1, 1, 1, 5] }],
      outputs: [{ name: "y", dtype: "f32", shape: [1, 5, 2, 4] }],
      initializers: [{ name: "scale", dtype: "f32", dims: [], data: [2] }],
      nodes: [
        { op: "Transpose", inputs: ["q"], outputs: ["qt"], attrs: { perm: [0, 2, 1, 3] } },
        { op: "Transpose", inputs: ["k"], outputs: ["kt"], attrs: { perm: [0, 2, 3, 1] } },
        { op: "Transpose", inputs: ["v"], outputs: ["vt"], attrs: { perm: [0, 2, 1, 3] } },
        { op: "MatMul", inputs: ["qt", "kt"], outputs: ["s"] },
        { op: "Div", inputs: ["s", "scale"], outputs: ["sd"] },
        { op: "Add", inputs: ["sd", "mask"], outputs: ["sm"] },
        { op: "Softmax", inputs: ["sm"], outputs: ["p"], attrs: { axis: -1 } },
        { op: "MatMul", inputs: ["p", "vt"], outputs: ["o"] },
        { op: "Transpose", inputs: ["o"], outputs: ["y"], attrs: { perm: [0, 2, 1, 3] } },
      ],
    });
    expect(f.attention).to.equal(1);
  });

  it("transpose-into-matmul reads a transposed operand in place; a Transpose with two consumers stays", () => {
    const spec = (shared: boolean): ModelSpec => ({
      inputs: [{ name: "a", dtype: "f32", shape: [4, 6] }, { name: "b", dtype: "f32", shape: [5, 6] }],
      outputs: [{ name: "y", dtype: "f32", shape: [4, 5] }, ...(shared ? [{ name: "at", dtype: "f32" as const, shape: [6, 4] }] : [])],
      nodes: [
        { op: "Transpose", inputs: ["a"], outputs: ["at"], attrs: { perm: [1, 0] } },
        { op: "MatMul", inputs: ["b", "at"], outputs: ["m"] },
        { op: "Transpose", inputs: ["m"], outputs: ["y"], attrs: { perm: [1, 0] } },
      ],
    });
    expect(fusedMatches(spec(false))["transpose-into-matmul"]).to.equal(1);
    expect(fusedMatches(spec(true))["transpose-into-matmul"]).to.equal(undefined);
  });

  it("concat-elim lets producers write into their slice; a Concat of a graph input stays", () => {
    const spec = (fromInput: boolean): ModelSpec => ({
      inputs: [{ name: "x", dtype: "f32", shape: [1, 2, 3] }], outputs: [{ name: "y", dtype: "f32", shape: [1, 4, 3] }],
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["a"] },
        { op: "Neg", inputs: ["x"], outputs: ["b"] },
        { op: "Concat", inputs: ["a", fromInput ? "x" : "b"], outputs: ["c"], attrs: { axis: 1 } },
        { op: "Exp", inputs: ["c"], outputs: ["y"] },
      ],
    });
    expect(fusedMatches(spec(false))["concat-elim"]).to.equal(1);
    expect(fusedMatches(spec(true))["concat-elim"]).to.equal(undefined);
  });
});

function withW4(): ModelSpec {
  return {
    inputs: [x4, { name: "z", dtype: "f32", shape: [1, 4, 1, 1] }], outputs: [{ name: "y", dtype: "f32", shape: [1, 4, 8, 8] }],
    initializers: [...convInits, t("w4", [4, 4, 3, 3]), t("cb", [1, 4, 1, 1]), t("cs", [4, 1, 1])],
    nodes: [
      { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
      { op: "Add", inputs: ["c", "cb"], outputs: ["d"] },
      { op: "Conv", inputs: ["d", "w4"], outputs: ["e"], attrs: { pads: [1, 1, 1, 1] } },
      { op: "Mul", inputs: ["e", "cs"], outputs: ["g"] },
      { op: "Mul", inputs: ["g", "z"], outputs: ["y"] },
    ],
  };
}

