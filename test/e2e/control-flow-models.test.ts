/**
 * @fileoverview Whole models with control flow and recurrence, built in code, run in ONNX Runtime
 * for the reference outputs and checked through `edgec test` (sanitized C): a Loop bounded by a
 * run-time trip count with an If inside, a Loop with scan outputs, and a bidirectional LSTM with
 * initial states and sequence lengths followed by a MatMul.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { DType } from "../../ir/dtype.ts";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { GraphSpec, ModelSpec, TensorSpec, rng, uniform, writeModelDir } from "../helpers/onnx-builder.ts";
import { Feed, writeCase } from "../helpers/ort-reference.ts";

const f32 = (name: string, dims: number[], data: ArrayLike<number>): TensorSpec => ({ name, dtype: "f32", dims, data });
const scalar = (name: string, dtype: DType) => ({ name, dtype, shape: [] as number[] });

/**
 * A Loop run while a computed condition holds (at most M times), an If inside, then a Loop of 6
 * iterations with scan outputs (too many to unroll).
 */
export function loopIfModel(): ModelSpec {
  const r = rng(7);
  const thenBranch: GraphSpec = {
    name: "halve", inputs: [], outputs: [{ name: "t2", dtype: "f32", shape: [2, 3] }],
    nodes: [{ op: "Mul", inputs: ["acc", "half"], outputs: ["t1"] }, { op: "Sub", inputs: ["t1", "x"], outputs: ["t2"] }],
  };
  const elseBranch: GraphSpec = {
    name: "grow", inputs: [], outputs: [{ name: "e2", dtype: "f32", shape: [2, 3] }],
    nodes: [{ op: "Add", inputs: ["acc", "x"], outputs: ["e1"] }, { op: "Add", inputs: ["e1", "i_f"], outputs: ["e2"] }],
  };
  const body: GraphSpec = {
    name: "body",
    inputs: [scalar("i", "i64"), scalar("c", "bool"), { name: "acc", dtype: "f32", shape: [2, 3] }],
    outputs: [scalar("c_out", "bool"), { name: "nxt", dtype: "f32", shape: [2, 3] }],
    nodes: [
      { op: "Cast", inputs: ["i"], outputs: ["i_f"], attrs: { to: 1 } },
      { op: "ReduceSum", inputs: ["acc"], outputs: ["s"], attrs: { keepdims: 0 } },
      { op: "Greater", inputs: ["s", "limit"], outputs: ["gt"] },
      { op: "If", inputs: ["gt"], outputs: ["nxt"], attrs: { then_branch: { graph: thenBranch }, else_branch: { graph: elseBranch } } },
      { op: "Less", inputs: ["i_f", "six"], outputs: ["c_out"] },
    ],
  };
  const scanBody: GraphSpec = {
    name: "scan_body",
    inputs: [scalar("j", "i64"), scalar("c2", "bool"), { name: "a", dtype: "f32", shape: [2, 3] }],
    outputs: [scalar("c2_out", "bool"), { name: "a2", dtype: "f32", shape: [2, 3] }, { name: "row", dtype: "f32", shape: [2, 3] }],
    nodes: [
      { op: "Identity", inputs: ["c2"], outputs: ["c2_out"] },
      { op: "Cast", inputs: ["j"], outputs: ["j_f"], attrs: { to: 1 } },
      { op: "Mul", inputs: ["a", "decay"], outputs: ["a2"] },
      { op: "Add", inputs: ["a2", "j_f"], outputs: ["row"] },
    ],
  };
  return {
    opset: 17,
    inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }, scalar("M", "i64"), scalar("limit", "f32")],
    outputs: [{ name: "y", dtype: "f32", shape: [2, 4] }, { name: "rows", dtype: "f32", shape: [6, 2, 3] }],
    initializers: [
      f32("half", [], [0.5]), f32("six", [], [6]), f32("decay", [], [0.75]),
      { name: "cond0", dtype: "bool", dims: [], data: [1] }, { name: "trips", dtype: "i64", dims: [], data: [6] },
      f32("W", [3, 4], uniform(r, 12)),
    ],
    nodes: [
      { op: "Loop", inputs: ["M", "cond0", "x"], outputs: ["acc_final"], attrs: { body: { graph: body } } },
      { op: "Loop", inputs: ["trips", "", "acc_final"], outputs: ["acc2", "rows"], attrs: { body: { graph: scanBody } } },
      { op: "MatMul", inputs: ["acc2", "W"], outputs: ["mm"] },
      { op: "Relu", inputs: ["mm"], outputs: ["y"] },
    ],
  };
}

/**
 * A Scan over axis 1, backwards, with a Loop nested in its body that reads the current scan
 * element, scan outputs along axes 1 and 0 (reversed), then an If on a run-time flag.
 */
export function scanModel(): ModelSpec {
  const inner: GraphSpec = {
    name: "inner",
    inputs: [scalar("k", "i64"), scalar("kc", "bool"), { name: "acc", dtype: "f32", shape: [3, 2] }],
    outputs: [scalar("kc_out", "bool"), { name: "acc2", dtype: "f32", shape: [3, 2] }],
    nodes: [{ op: "Identity", inputs: ["kc"], outputs: ["kc_out"] }, { op: "Add", inputs: ["acc", "e"], outputs: ["acc2"] }],
  };
  const body: GraphSpec = {
    name: "scan_body",
    inputs: [{ name: "st", dtype: "f32", shape: [3, 2] }, { name: "e", dtype: "f32", shape: [3, 2] }],
    outputs: [{ name: "st_out", dtype: "f32", shape: [3, 2] }, { name: "y1e", dtype: "f32", shape: [3, 2] }, { name: "y2e", dtype: "f32", shape: [3, 2] }],
    nodes: [
      { op: "Mul", inputs: ["st", "decay"], outputs: ["st_k"] },
      { op: "Loop", inputs: ["five", "", "st_k"], outputs: ["summed"], attrs: { body: { graph: inner } } },
      { op: "Tanh", inputs: ["summed"], outputs: ["st_out"] },
      { op: "Mul", inputs: ["summed", "decay"], outputs: ["y1e"] },
      { op: "Sub", inputs: ["summed", "e"], outputs: ["y2e"] },
    ],
  };
  const branch = (name: string, op: string, inputs: string[]): GraphSpec => ({
    name, inputs: [], outputs: [{ name: `${name}_out`, dtype: "f32", shape: [3, 2] }], nodes: [{ op, inputs, outputs: [`${name}_out`] }],
  });
  return {
    opset: 17,
    inputs: [{ name: "init", dtype: "f32", shape: [3, 2] }, { name: "seq", dtype: "f32", shape: [3, 4, 2] }, scalar("flag", "bool")],
    outputs: [
      { name: "final", dtype: "f32", shape: [3, 2] }, { name: "y1", dtype: "f32", shape: [3, 4, 2] },
      { name: "y2", dtype: "f32", shape: [4, 3, 2] }, { name: "z", dtype: "f32", shape: [3, 2] },
    ],
    initializers: [f32("decay", [], [0.5]), { name: "five", dtype: "i64", dims: [], data: [5] }],
    nodes: [
      {
        op: "Scan", inputs: ["init", "seq"], outputs: ["final", "y1", "y2"],
        attrs: { body: { graph: body }, num_scan_inputs: 1, scan_input_axes: [1], scan_input_directions: [1], scan_output_axes: [1, 0], scan_output_directions: [0, 1] },
      },
      { op: "If", inputs: ["flag"], outputs: ["z"], attrs: { then_branch: { graph: branch("pos", "Abs", ["final"]) }, else_branch: { graph: branch("neg", "Neg", ["final"]) } } },
    ],
  };
}

/** A bidirectional LSTM with initial states and per-batch sequence lengths, then a MatMul. */
export function lstmModel(): ModelSpec {
  const r = rng(11);
  const [T, N, I, H] = [5, 2, 3, 4];
  return {
    opset: 14,
    inputs: [
      { name: "X", dtype: "f32", shape: [T, N, I] }, { name: "seq", dtype: "i32", shape: [N] },
      { name: "h0", dtype: "f32", shape: [2, N, H] }, { name: "c0", dtype: "f32", shape: [2, N, H] },
    ],
    outputs: [{ name: "z", dtype: "f32", shape: [T, 2, N, 3] }, { name: "Y_h", dtype: "f32", shape: [2, N, H] }, { name: "Y_c", dtype: "f32", shape: [2, N, H] }],
    initializers: [
      f32("W", [2, 4 * H, I], uniform(r, 2 * 4 * H * I)), f32("R", [2, 4 * H, H], uniform(r, 2 * 4 * H * H)),
      f32("B", [2, 8 * H], uniform(r, 2 * 8 * H)), f32("W2", [H, 3], uniform(r, H * 3)),
    ],
    nodes: [
      { op: "LSTM", inputs: ["X", "W", "R", "B", "seq", "h0", "c0"], outputs: ["Y", "Y_h", "Y_c"], attrs: { direction: "bidirectional", hidden_size: H } },
      { op: "MatMul", inputs: ["Y", "W2"], outputs: ["z"] },
    ],
  };
}

describe("control-flow and recurrent models through edgec test", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("cf-models"); });
  after(() => cleanup(dir));

  const check = async (name: string, spec: ModelSpec, feeds: Feed[]) => {
    const d = path.join(dir!, name);
    await writeCase(d, spec, feeds);
    const res = await edgec("test", d, "--sanitize");
    expect(res.status, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout).to.match(/PASS/);
    return res;
  };

  it("Loop with a run-time bound and condition, an If inside, then a Loop with scan outputs", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r = rng(3);
    const x = () => Array.from(uniform(r, 6, -2, 2));
    const feed = (m: number, limit: number): Feed => ({
      x: { dtype: "f32", dims: [2, 3], data: x() }, M: { dtype: "i64", dims: [], data: [m] }, limit: { dtype: "f32", dims: [], data: [limit] },
    });
    // No iteration, a few, and more than the condition allows (it stops after i = 6).
    await check("loop_if", loopIfModel(), [feed(0, 1), feed(3, 4), feed(20, 5), feed(9, -100)]);
  });

  it("Scan along axis 1 backwards with a nested Loop, outputs on two axes, then an If on a run-time flag", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r = rng(9);
    const feed = (flag: number): Feed => ({
      init: { dtype: "f32", dims: [3, 2], data: Array.from(uniform(r, 6)) }, seq: { dtype: "f32", dims: [3, 4, 2], data: Array.from(uniform(r, 24)) },
      flag: { dtype: "bool", dims: [], data: [flag] },
    });
    await check("scan", scanModel(), [feed(1), feed(0)]);
  });

  it("a Loop on constants folds at compile time, through its own program run in process", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const spec = loopIfModel();
    // The scan Loop now starts from a constant: it folds, the first Loop is dead, and no loop is left.
    spec.nodes[1]!.inputs[2] = "start";
    spec.initializers!.push(f32("start", [2, 3], [1, -2, 3, -4, 5, -6]));
    const r = rng(4);
    const feed: Feed = {
      x: { dtype: "f32", dims: [2, 3], data: Array.from(uniform(r, 6)) }, M: { dtype: "i64", dims: [], data: [2] }, limit: { dtype: "f32", dims: [], data: [0] },
    };
    await check("folded", spec, [feed]);
    const out = path.join(dir!, "folded", "c");
    expect((await edgec("compile", path.join(dir!, "folded", "model.onnx"), "-o", out)).status).to.equal(0);
    const c = fs.readFileSync(path.join(out, "model.c"), "utf8");
    expect(c).to.not.match(/for \(int64_t it/);
  });

  it("a Loop of at most 4 iterations with a small body unrolls, its iteration number a constant", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const spec = loopIfModel();
    spec.initializers!.find((t) => t.name === "trips")!.data = [3];
    spec.outputs[1]!.shape = [3, 2, 3];
    const r = rng(6);
    const feed: Feed = {
      x: { dtype: "f32", dims: [2, 3], data: Array.from(uniform(r, 6)) }, M: { dtype: "i64", dims: [], data: [4] }, limit: { dtype: "f32", dims: [], data: [1] },
    };
    await check("unrolled", spec, [feed]);
    const out = path.join(dir!, "unrolled", "c");
    expect((await edgec("compile", path.join(dir!, "unrolled", "model.onnx"), "-o", out)).status).to.equal(0);
    // Only the first Loop (run-time bound) is left.
    expect(fs.readFileSync(path.join(out, "model.c"), "utf8").match(/for \(int64_t it/g) ?? []).to.have.length(1);
  });

  it("bidirectional LSTM with initial states and sequence lengths, then MatMul", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r = rng(5);
    const feed = (lens: number[]): Feed => ({
      X: { dtype: "f32", dims: [5, 2, 3], data: Array.from(uniform(r, 30)) }, seq: { dtype: "i32", dims: [2], data: lens },
      h0: { dtype: "f32", dims: [2, 2, 4], data: Array.from(uniform(r, 16)) }, c0: { dtype: "f32", dims: [2, 2, 4], data: Array.from(uniform(r, 16)) },
    });
    await check("lstm", lstmModel(), [feed([5, 3]), feed([2, 5])]);
  });
});

describe("control-flow errors", function () {
  this.timeout(120_000);
  let dir: string | undefined;
  before(() => { dir = tempDir("cf-errors"); });
  after(() => cleanup(dir));

  const compileError = async (name: string, spec: ModelSpec) => {
    const d = writeModelDir(path.join(dir!, name), spec);
    const res = await edgec("compile", path.join(d, "model.onnx"), "-o", path.join(d, "out"));
    expect(res.status).to.not.equal(0);
    expect(res.stderr.trim().split("\n")).to.have.length(1);
    return res.stderr;
  };

  it("a Loop with scan outputs needs its trip count at compile time", async () => {
    const spec = loopIfModel();
    spec.nodes[1]!.inputs[0] = "M";
    expect(await compileError("scan_trip", spec)).to.match(/node "Loop_1" \(Loop\): the trip count M of a Loop with scan outputs \(input 0\) must be known at compile time/);
  });

  it("If branches must give outputs of one shape", async () => {
    const branch = (name: string, dims: number[]): GraphSpec => ({
      name, inputs: [], outputs: [{ name: `${name}_out`, dtype: "f32", shape: dims }],
      nodes: [{ op: "Constant", inputs: [], outputs: [`${name}_out`], attrs: { value: { tensor: f32("v", dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(1)) } } }],
    });
    const spec: ModelSpec = {
      opset: 17, inputs: [scalar("c", "bool")], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "If", inputs: ["c"], outputs: ["y"], attrs: { then_branch: { graph: branch("a", [2]) }, else_branch: { graph: branch("b", [3]) } } }],
    };
    expect(await compileError("if_shapes", spec)).to.match(/output 0 is f32\[2\] in the then branch but f32\[3\] in the else branch/);
  });
});
