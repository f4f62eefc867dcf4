/**
 * @fileoverview Models of opsets 1–8 (the forms old exporters wrote: `broadcast`/`axis`,
 * per-channel PRelu slopes, consumed_inputs, is_test, spatial, Cast to a type name, ...) compile
 * and match ONNX Runtime run on the same model written in today's form. ONNX Runtime itself
 * refuses most of these old forms, so each case carries its hand-upgraded twin.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { DType } from "../../ir/dtype.ts";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, NodeSpec, TensorSpec, buildModel, rng, uniform } from "../helpers/onnx-builder.ts";
import { Feed, writeCase } from "../helpers/ort-reference.ts";

const f32 = (name: string, dims: number[], data: ArrayLike<number>): TensorSpec => ({ name, dtype: "f32", dims, data });
const i64 = (name: string, data: number[]): TensorSpec => ({ name, dtype: "i64", dims: [data.length], data });
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface LegacyCase {
  title: string;
  /** The old model, as an old exporter wrote it. */
  old: ModelSpec;
  /** The same computation in today's form, which ONNX Runtime runs for the reference. */
  now: ModelSpec;
}

/** Random feeds for the model's inputs: floats in [-2, 2), ints in [-3, 5), bools. */
function feed(spec: ModelSpec, seed: number): Feed {
  const r = rng(seed);
  const f: Feed = {};
  for (const v of spec.inputs) {
    const dims = v.shape as number[], dt = v.dtype as DType, n = numel(dims);
    const data = dt === "bool" ? Array.from({ length: n }, () => (r() > 0.5 ? 1 : 0))
      : dt === "f32" ? Array.from(uniform(r, n, -2, 2)) : Array.from({ length: n }, () => Math.floor(r() * 8) - 3);
    f[v.name] = { dtype: dt, dims, data };
  }
  return f;
}

const io = (ins: [string, DType, number[]][], outs: [string, DType][]) => ({
  inputs: ins.map(([name, dtype, shape]) => ({ name, dtype, shape })),
  outputs: outs.map(([name, dtype]) => ({ name, dtype })),
});

const CASES: LegacyCase[] = [
  {
    title: "Add/Sub/Mul/Div/Pow with broadcast=1 and an axis (opset 6) align B with A from that axis",
    old: {
      opset: 6, ...io([["a", "f32", [2, 3, 4, 5]], ["b", "f32", [3, 4]], ["c", "f32", [2]]], [["y", "f32"]]),
      nodes: [
        { op: "Add", inputs: ["a", "b"], outputs: ["t1"], attrs: { broadcast: 1, axis: 1 } },
        { op: "Mul", inputs: ["t1", "c"], outputs: ["t2"], attrs: { broadcast: 1, axis: 0 } },
        { op: "Sub", inputs: ["t2", "b"], outputs: ["t3"], attrs: { broadcast: 1, axis: -3 } },
        { op: "Div", inputs: ["t3", "k"], outputs: ["t4"], attrs: { broadcast: 1 } },
        { op: "Pow", inputs: ["t4", "two"], outputs: ["y"], attrs: { broadcast: 1, axis: 3 } },
      ],
      initializers: [f32("k", [5], [1, 2, 4, -2, 0.5]), f32("two", [1], [2])],
    },
    now: {
      opset: 13, ...io([["a", "f32", [2, 3, 4, 5]], ["b", "f32", [3, 4]], ["c", "f32", [2]]], [["y", "f32"]]),
      nodes: [
        { op: "Unsqueeze", inputs: ["b", "ax2"], outputs: ["b3"] },
        { op: "Unsqueeze", inputs: ["c", "ax123"], outputs: ["c4"] },
        { op: "Add", inputs: ["a", "b3"], outputs: ["t1"] },
        { op: "Mul", inputs: ["t1", "c4"], outputs: ["t2"] },
        { op: "Sub", inputs: ["t2", "b3"], outputs: ["t3"] },
        { op: "Div", inputs: ["t3", "k"], outputs: ["t4"] },
        { op: "Pow", inputs: ["t4", "two"], outputs: ["y"] },
      ],
      initializers: [f32("k", [5], [1, 2, 4, -2, 0.5]), f32("two", [1], [2]), i64("ax2", [2]), i64("ax123", [1, 2, 3])],
    },
  },
  {
    title: "comparisons and logic with broadcast=1 and an axis (opset 6)",
    old: {
      opset: 6, ...io([["a", "f32", [2, 3, 4]], ["b", "f32", [3]], ["p", "bool", [2, 3]], ["q", "bool", [2]]], [["y", "bool"], ["z", "bool"]]),
      nodes: [
        { op: "Greater", inputs: ["a", "b"], outputs: ["g"], attrs: { broadcast: 1, axis: 1 } },
        { op: "Less", inputs: ["a", "b"], outputs: ["l"], attrs: { broadcast: 1, axis: 1 } },
        { op: "Equal", inputs: ["g", "l"], outputs: ["e"], attrs: { broadcast: 0 } },
        { op: "Or", inputs: ["e", "q"], outputs: ["y"], attrs: { broadcast: 1, axis: 0 } },
        { op: "And", inputs: ["p", "q"], outputs: ["pq"], attrs: { broadcast: 1, axis: 0 } },
        { op: "Xor", inputs: ["pq", "p"], outputs: ["z"], attrs: { broadcast: 1 } },
      ],
    },
    now: {
      opset: 13, ...io([["a", "f32", [2, 3, 4]], ["b", "f32", [3]], ["p", "bool", [2, 3]], ["q", "bool", [2]]], [["y", "bool"], ["z", "bool"]]),
      nodes: [
        { op: "Unsqueeze", inputs: ["b", "ax1"], outputs: ["b2"] },
        { op: "Unsqueeze", inputs: ["q", "ax1"], outputs: ["q2"] },
        { op: "Unsqueeze", inputs: ["q", "ax12"], outputs: ["q3"] },
        { op: "Greater", inputs: ["a", "b2"], outputs: ["g"] },
        { op: "Less", inputs: ["a", "b2"], outputs: ["l"] },
        { op: "Equal", inputs: ["g", "l"], outputs: ["e"] },
        { op: "Or", inputs: ["e", "q3"], outputs: ["y"] },
        { op: "And", inputs: ["p", "q2"], outputs: ["pq"] },
        { op: "Xor", inputs: ["pq", "p"], outputs: ["z"] },
      ],
      initializers: [i64("ax1", [1]), i64("ax12", [1, 2])],
    },
  },
  {
    title: "pytorch-operator style: add with broadcast, size-1 dims on either side (opset 6)",
    old: {
      opset: 6, ...io([["x", "f32", [2, 3]], ["v", "f32", [3]], ["s", "f32", [2, 1]], ["o", "f32", [1, 1]]], [["y", "f32"]]),
      nodes: [
        { op: "Add", inputs: ["x", "v"], outputs: ["t1"], attrs: { broadcast: 1 } },
        { op: "Add", inputs: ["t1", "s"], outputs: ["t2"], attrs: { broadcast: 1 } },
        { op: "Add", inputs: ["t2", "o"], outputs: ["y"], attrs: { broadcast: 1 } },
      ],
    },
    now: {
      opset: 13, ...io([["x", "f32", [2, 3]], ["v", "f32", [3]], ["s", "f32", [2, 1]], ["o", "f32", [1, 1]]], [["y", "f32"]]),
      nodes: [
        { op: "Add", inputs: ["x", "v"], outputs: ["t1"] },
        { op: "Add", inputs: ["t1", "s"], outputs: ["t2"] },
        { op: "Add", inputs: ["t2", "o"], outputs: ["y"] },
      ],
    },
  },
  {
    title: "PRelu with a per-channel slope of shape [C] (opset 6), and Gemm's broadcast",
    old: {
      opset: 6, ...io([["x", "f32", [2, 3, 4, 4]], ["m", "f32", [2, 3]]], [["y", "f32"], ["z", "f32"]]),
      nodes: [
        { op: "PRelu", inputs: ["x", "slope"], outputs: ["y"] },
        { op: "Gemm", inputs: ["m", "w", "bias"], outputs: ["z"], attrs: { broadcast: 1, transB: 1 } },
      ],
      initializers: [f32("slope", [3], [0.1, -0.5, 2]), f32("w", [4, 3], uniform(rng(3), 12)), f32("bias", [4], [1, 2, 3, 4])],
    },
    now: {
      opset: 13, ...io([["x", "f32", [2, 3, 4, 4]], ["m", "f32", [2, 3]]], [["y", "f32"], ["z", "f32"]]),
      nodes: [
        { op: "PRelu", inputs: ["x", "slope"], outputs: ["y"] },
        { op: "Gemm", inputs: ["m", "w", "bias"], outputs: ["z"], attrs: { transB: 1 } },
      ],
      initializers: [f32("slope", [3, 1, 1], [0.1, -0.5, 2]), f32("w", [4, 3], uniform(rng(3), 12)), f32("bias", [4], [1, 2, 3, 4])],
    },
  },
  {
    title: "consumed_inputs (opset 1), Cast to a type name (opset 1), Concat without an axis (opset 1)",
    old: {
      opset: 1, ...io([["x", "f32", [2, 3]], ["n", "i32", [2, 2]]], [["y", "f32"]]),
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["r"], attrs: { consumed_inputs: [0] } },
        { op: "Neg", inputs: ["r"], outputs: ["ng"], attrs: { consumed_inputs: [1] } },
        { op: "Cast", inputs: ["n"], outputs: ["nf"], attrs: { to: "FLOAT" } },
        { op: "Concat", inputs: ["ng", "nf"], outputs: ["y"] },
      ],
    },
    now: {
      opset: 13, ...io([["x", "f32", [2, 3]], ["n", "i32", [2, 2]]], [["y", "f32"]]),
      nodes: [
        { op: "Relu", inputs: ["x"], outputs: ["r"] },
        { op: "Neg", inputs: ["r"], outputs: ["ng"] },
        { op: "Cast", inputs: ["n"], outputs: ["nf"], attrs: { to: 1 } },
        { op: "Concat", inputs: ["ng", "nf"], outputs: ["y"], attrs: { axis: 1 } },
      ],
    },
  },
  {
    title: "BatchNormalization with is_test and spatial=1 (opset 6), Dropout with is_test (opset 6)",
    old: {
      opset: 6, ...io([["x", "f32", [2, 3, 4, 4]]], [["y", "f32"]]),
      nodes: [
        { op: "BatchNormalization", inputs: ["x", "sc", "b", "mu", "var"], outputs: ["n"], attrs: { is_test: 1, spatial: 1, epsilon: 1e-3 } },
        { op: "Dropout", inputs: ["n"], outputs: ["y"], attrs: { is_test: 1, ratio: 0.5 } },
      ],
      initializers: [f32("sc", [3], [1, 2, 0.5]), f32("b", [3], [0, 1, -1]), f32("mu", [3], [0.1, 0.2, -0.3]), f32("var", [3], [1, 0.5, 2])],
    },
    now: {
      opset: 13, ...io([["x", "f32", [2, 3, 4, 4]]], [["y", "f32"]]),
      nodes: [
        { op: "BatchNormalization", inputs: ["x", "sc", "b", "mu", "var"], outputs: ["n"], attrs: { epsilon: 1e-3 } },
        { op: "Identity", inputs: ["n"], outputs: ["y"] },
      ],
      initializers: [f32("sc", [3], [1, 2, 0.5]), f32("b", [3], [0, 1, -1]), f32("mu", [3], [0.1, 0.2, -0.3]), f32("var", [3], [1, 0.5, 2])],
    },
  },
  {
    title: "BatchNormalization with spatial=0 (opset 7): per-activation parameters of shape [C, H, W]",
    old: {
      opset: 7, ...io([["x", "f32", [2, 3, 2, 2]]], [["y", "f32"]]),
      nodes: [{ op: "BatchNormalization", inputs: ["x", "sc", "b", "mu", "var"], outputs: ["y"], attrs: { spatial: 0, epsilon: 1e-2 } }],
      initializers: ["sc", "b", "mu", "var"].map((n, i) => f32(n, [3, 2, 2], uniform(rng(20 + i), 12, i === 3 ? 0.5 : -1, i === 3 ? 2 : 1))),
    },
    now: {
      opset: 13, ...io([["x", "f32", [2, 3, 2, 2]]], [["y", "f32"]]),
      nodes: [
        { op: "Add", inputs: ["var", "eps"], outputs: ["ve"] },
        { op: "Sqrt", inputs: ["ve"], outputs: ["sd"] },
        { op: "Sub", inputs: ["x", "mu"], outputs: ["xc"] },
        { op: "Div", inputs: ["sc", "sd"], outputs: ["g"] },
        { op: "Mul", inputs: ["xc", "g"], outputs: ["xs"] },
        { op: "Add", inputs: ["xs", "b"], outputs: ["y"] },
      ],
      initializers: [...["sc", "b", "mu", "var"].map((n, i) => f32(n, [3, 2, 2], uniform(rng(20 + i), 12, i === 3 ? 0.5 : -1, i === 3 ? 2 : 1))), f32("eps", [], [1e-2])],
    },
  },
  {
    title: "Upsample-1 height_scale/width_scale, Split-1 sizes as an input, Tile-1 tiles and axis inputs",
    old: {
      opset: 1, ...io([["x", "f32", [1, 2, 2, 3]], ["v", "f32", [5, 2]]], [["u", "f32"], ["s1", "f32"], ["s2", "f32"], ["t", "f32"]]),
      nodes: [
        { op: "Upsample", inputs: ["x"], outputs: ["u"], attrs: { height_scale: 2.0, width_scale: 3.0, mode: "nearest" } },
        { op: "Split", inputs: ["v", "sizes"], outputs: ["s1", "s2"], attrs: { axis: 0 } },
        { op: "Tile", inputs: ["v", "tiles", "axis"], outputs: ["t"] },
      ],
      initializers: [i64("sizes", [2, 3]), i64("tiles", [3]), i64("axis", [1])],
    },
    now: {
      opset: 13, ...io([["x", "f32", [1, 2, 2, 3]], ["v", "f32", [5, 2]]], [["u", "f32"], ["s1", "f32"], ["s2", "f32"], ["t", "f32"]]),
      nodes: [
        { op: "Resize", inputs: ["x", "", "scales"], outputs: ["u"], attrs: { mode: "nearest", coordinate_transformation_mode: "asymmetric", nearest_mode: "floor" } },
        { op: "Split", inputs: ["v", "sizes"], outputs: ["s1", "s2"], attrs: { axis: 0 } },
        { op: "Tile", inputs: ["v", "reps"], outputs: ["t"] },
      ],
      initializers: [i64("sizes", [2, 3]), i64("reps", [1, 3]), f32("scales", [4], [1, 1, 2, 3])],
    },
  },
];

describe("legacy opsets: old forms are upgraded on import", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("legacy"); });
  after(() => cleanup(dir));

  CASES.forEach((cs, k) => {
    it(cs.title, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const d = path.join(dir!, `case${k}`);
      // ONNX Runtime computes the reference from today's form; the folder holds the old model.
      await writeCase(d, cs.now, [feed(cs.now, 40 + k), feed(cs.now, 80 + k)]);
      fs.writeFileSync(path.join(d, "model.onnx"), buildModel(cs.old));
      for (const opt of ["-O0", "-O2"]) {
        const res = await edgec("test", d, "--sanitize", opt);
        expect(res.status, `${opt}: ${res.stdout}${res.stderr}`).to.equal(0);
      }
    });
  });

  it("a broadcast axis that does not fit is a one-line error naming the node", async () => {
    const spec: ModelSpec = {
      opset: 6, ...io([["a", "f32", [2, 3]], ["b", "f32", [3]]], [["y", "f32"]]),
      nodes: [{ op: "Add", inputs: ["a", "b"], outputs: ["y"], name: "add1", attrs: { broadcast: 1, axis: 2 } }] as NodeSpec[],
    };
    const m = path.join(dir!, "bad.onnx");
    fs.writeFileSync(m, buildModel(spec));
    const res = await edgec("compile", m, "-o", path.join(dir!, "bad-out"));
    expect(res.status).to.equal(1);
    expect(res.stderr.trim().split("\n")).to.have.length(1);
    expect(res.stderr).to.match(/node "add1" \(Add\): broadcast axis 2 does not fit B \(rank 1\) into A \(rank 2\)/);
    expect(fs.existsSync(path.join(dir!, "bad-out"))).to.equal(false);
  });
});
