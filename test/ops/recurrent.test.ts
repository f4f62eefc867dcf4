/**
 * @fileoverview LSTM, GRU and RNN in the forms the ONNX node tests leave out (bidirectional and
 * reverse, sequence_lens, initial states, peepholes, linear_before_reset, clip, other activations,
 * omitted outputs): each small model runs in ONNX Runtime and through the generated C built with
 * sanitizers, and the outputs must agree.
 */
import { expect } from "chai";
import * as path from "node:path";
import ort from "onnxruntime-node";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { testDir } from "../../compiler/testrun.ts";
import { DType } from "../../ir/dtype.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { F, FS, ModelSpec, NodeSpec, TensorSpec, buildModel, rng, writeModelDir } from "../helpers/onnx-builder.ts";

const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];
const CFLAGS = ["-std=c99", "-O0", "-Wall", "-Wextra", "-Werror"];

interface In { name: string; dtype: DType; shape: number[]; data?: number[] }
/** `folded` names inputs stored as initializers; with all of them constant the op folds at compile time. */
interface Case { name: string; nodes: NodeSpec[]; ins: In[]; outs: string[]; folded?: string[] }

const S = 4, N = 3, I = 3, H = 5;
const f = (name: string, shape: number[]): In => ({ name, dtype: "f32", shape });
const lens = (data: number[]): In => ({ name: "L", dtype: "i32", shape: [data.length], data });

/** The inputs of a recurrent op with G gates over D directions. */
function inputs(G: number, D: number, opt: { b?: boolean; h0?: boolean; c0?: boolean; p?: boolean } = {}): In[] {
  const r: In[] = [f("X", [S, N, I]), f("W", [D, G * H, I]), f("R", [D, G * H, H])];
  if (opt.b) r.push(f("B", [D, 2 * G * H]));
  if (opt.h0) r.push(f("h0", [D, N, H]));
  if (opt.c0) r.push(f("c0", [D, N, H]));
  if (opt.p) r.push(f("P", [D, 3 * H]));
  return r;
}

const cases: Case[] = [
  {
    name: "LSTM bidirectional with sequence_lens, initial states, bias and peepholes",
    nodes: [{ op: "LSTM", inputs: ["X", "W", "R", "B", "L", "h0", "c0", "P"], outputs: ["Y", "Yh", "Yc"], attrs: { hidden_size: H, direction: "bidirectional" } }],
    ins: [...inputs(4, 2, { b: true }), lens([4, 2, 3]), ...inputs(4, 2, { h0: true, c0: true, p: true }).slice(3)],
    outs: ["Y", "Yh", "Yc"],
  },
  {
    name: "LSTM reverse with clip and input_forget, Y_c only",
    nodes: [{ op: "LSTM", inputs: ["X", "W", "R", "B"], outputs: ["", "", "Yc"], attrs: { hidden_size: H, direction: "reverse", clip: F(0.8), input_forget: 1 } }],
    ins: inputs(4, 1, { b: true }),
    outs: ["Yc"],
  },
  {
    name: "GRU linear_before_reset with bias and initial state",
    nodes: [{ op: "GRU", inputs: ["X", "W", "R", "B", "", "h0"], outputs: ["Y", "Yh"], attrs: { hidden_size: H, linear_before_reset: 1 } }],
    ins: inputs(3, 1, { b: true, h0: true }),
    outs: ["Y", "Yh"],
  },
  {
    name: "GRU bidirectional with sequence_lens, Y_h only",
    nodes: [{ op: "GRU", inputs: ["X", "W", "R", "B", "L"], outputs: ["", "Yh"], attrs: { hidden_size: H, direction: "bidirectional" } }],
    ins: [...inputs(3, 2, { b: true }), lens([1, 4, 3])],
    outs: ["Yh"],
  },
  {
    name: "RNN reverse with sequence_lens and initial state",
    nodes: [{ op: "RNN", inputs: ["X", "W", "R", "B", "L", "h0"], outputs: ["Y", "Yh"], attrs: { hidden_size: H, direction: "reverse" } }],
    ins: [...inputs(1, 1, { b: true }), lens([3, 4, 1]), f("h0", [1, N, H])],
    outs: ["Y", "Yh"],
  },
  {
    name: "RNN bidirectional with LeakyRelu and ScaledTanh activations",
    nodes: [{ op: "RNN", inputs: ["X", "W", "R"], outputs: ["Y", "Yh"], attrs: {
      hidden_size: H, direction: "bidirectional", activations: ["LeakyRelu", "ScaledTanh"],
      activation_alpha: FS([0.1, 0.7]), activation_beta: FS([1.5]),
    } }],
    ins: inputs(1, 2),
    outs: ["Y", "Yh"],
  },
  {
    name: "LSTM folded at compile time, Y added to a run-time input",
    nodes: [
      { op: "LSTM", inputs: ["X", "W", "R", "B", "", "h0", "c0"], outputs: ["Y0"], attrs: { hidden_size: H } },
      { op: "Add", inputs: ["Y0", "a"], outputs: ["Y"] },
    ],
    ins: [...inputs(4, 1, { b: true, h0: true, c0: true }), f("a", [S, 1, N, H])],
    outs: ["Y"],
    folded: ["X", "W", "R", "B", "h0", "c0"],
  },
];

const isFolded = (cs: Case, i: In) => cs.folded?.includes(i.name) ?? false;

function spec(cs: Case, datas: number[][]): ModelSpec {
  return {
    opset: 14, nodes: cs.nodes,
    initializers: cs.ins.flatMap((i, k) => (isFolded(cs, i) ? [{ name: i.name, dtype: i.dtype, dims: i.shape, data: datas[k]! }] : [])),
    inputs: cs.ins.filter((i) => !isFolded(cs, i)).map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })),
    outputs: cs.outs.map((name) => ({ name, dtype: "f32" })),
  };
}

describe("LSTM, GRU and RNN against ONNX Runtime", function () {
  this.timeout(120_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("edgec-recurrent-"); });
  after(() => cleanup(dir));
  const r = rng(31);

  for (const cs of cases) {
    it(cs.name, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const d = path.join(dir!, cs.name.replace(/[^A-Za-z0-9]+/g, "_"));
      const datas = cs.ins.map((i) => i.data ?? Array.from({ length: i.shape.reduce((a, b) => a * b, 1) }, () => Math.fround(r() - 0.5)));
      const sess = await ort.InferenceSession.create(buildModel(spec(cs, datas)));
      const feeds: Record<string, ort.Tensor> = {};
      cs.ins.forEach((i, k) => {
        if (isFolded(cs, i)) return;
        feeds[i.name] = i.dtype === "i32" ? new ort.Tensor("int32", Int32Array.from(datas[k]!), i.shape)
          : new ort.Tensor("float32", Float32Array.from(datas[k]!), i.shape);
      });
      const res = await sess.run(feeds);
      const outs: TensorSpec[] = cs.outs.map((name) => {
        const t = res[name]!;
        return { name, dtype: "f32", dims: [...t.dims], data: Array.from(t.data as Float32Array) };
      });
      const runIns = cs.ins.flatMap((i, k) => (isFolded(cs, i) ? [] : [{ name: i.name, dtype: i.dtype, dims: i.shape, data: datas[k]! }]));
      writeModelDir(d, spec(cs, datas), runIns, outs);
      const got = await testDir(d, { rtol: 1e-3, atol: 1e-5, cflags: CFLAGS, extraFlags: SANITIZE });
      expect(got.results.length).to.equal(cs.outs.length);
      for (const o of got.results) expect(o.pass, `${o.name}: max abs ${o.maxAbs}, ${o.mismatches} mismatches`).to.equal(true);
    });
  }

  it("rejects an unknown activation with one clear line", () => {
    const bytes = buildModel({
      opset: 14, nodes: [{ op: "RNN", inputs: ["X", "W", "R"], outputs: ["Y"], attrs: { hidden_size: H, activations: ["Gelu"] } }],
      inputs: [{ name: "X", dtype: "f32", shape: [S, N, I] }, { name: "W", dtype: "f32", shape: [1, H, I] }, { name: "R", dtype: "f32", shape: [1, H, H] }],
      outputs: [{ name: "Y", dtype: "f32" }],
    });
    expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, /activation 'Gelu' is not supported/);
  });
});
