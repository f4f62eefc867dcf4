/**
 * @fileoverview Graph shapes at the edges of the ONNX format: outputs that are inputs or
 * constants, repeated outputs, views as outputs, scalars and empty tensors. Each compiles,
 * builds under ASan/UBSan and matches its expected outputs.
 */
import { expect } from "chai";
import * as path from "node:path";
import { testDir } from "../../compiler/testrun.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, TensorSpec, writeModelDir } from "../helpers/onnx-builder.ts";

const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"];
const X: TensorSpec = { name: "x", dtype: "f32", dims: [2], data: [1, -2] };
const v = (name: string, dims: number[], data: number[]): TensorSpec => ({ name, dtype: "f32", dims, data });
const io = (name: string, shape: number[]) => ({ name, dtype: "f32" as const, shape });

const CASES: { title: string; spec: ModelSpec; inputs: TensorSpec[]; outputs: TensorSpec[] }[] = [
  { title: "an output that is the input itself (no nodes)", spec: { inputs: [io("x", [2])], outputs: [io("x", [2])], nodes: [] },
    inputs: [X], outputs: [X] },
  { title: "an output that is an initializer", spec: {
      inputs: [io("x", [2])], outputs: [io("w", [2]), io("y", [2])],
      initializers: [v("w", [2], [5, 6])], nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }] },
    inputs: [X], outputs: [v("w", [2], [5, 6]), v("y", [2], [1, 0])] },
  { title: "the same value listed twice as an output", spec: {
      inputs: [io("x", [2])], outputs: [io("y", [2]), io("y", [2])], nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }] },
    inputs: [X], outputs: [v("y", [2], [1, 0]), v("y", [2], [1, 0])] },
  { title: "an output that is also consumed by a view that is an output", spec: {
      inputs: [io("x", [2])], outputs: [io("y", [2]), io("z", [1, 2])], initializers: [{ name: "s", dtype: "i64", dims: [2], data: [1, 2] }],
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }, { op: "Reshape", inputs: ["y", "s"], outputs: ["z"] }] },
    inputs: [X], outputs: [v("y", [2], [1, 0]), v("z", [1, 2], [1, 0])] },
  { title: "an input passed straight through views to an output", spec: {
      inputs: [io("x", [2])], outputs: [io("z", [2, 1])], initializers: [{ name: "s", dtype: "i64", dims: [2], data: [2, 1] }],
      nodes: [{ op: "Identity", inputs: ["x"], outputs: ["y"] }, { op: "Reshape", inputs: ["y", "s"], outputs: ["z"] }] },
    inputs: [X], outputs: [v("z", [2, 1], [1, -2])] },
  { title: "rank-0 (scalar) input and output", spec: { inputs: [io("x", [])], outputs: [io("y", [])], nodes: [{ op: "Neg", inputs: ["x"], outputs: ["y"] }] },
    inputs: [v("x", [], [3])], outputs: [v("y", [], [-3])] },
  { title: "an empty input and output", spec: { inputs: [io("x", [0, 3])], outputs: [io("y", [0, 3])], nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }] },
    inputs: [v("x", [0, 3], [])], outputs: [v("y", [0, 3], [])] },
  { title: "an empty slice beside a normal output", spec: {
      inputs: [io("x", [2, 3])], outputs: [io("y", [2, 0]), io("z", [2, 3])],
      initializers: [{ name: "st", dtype: "i64", dims: [1], data: [2] }, { name: "en", dtype: "i64", dims: [1], data: [1] }, { name: "ax", dtype: "i64", dims: [1], data: [1] }],
      nodes: [{ op: "Slice", inputs: ["x", "st", "en", "ax"], outputs: ["y"] }, { op: "Relu", inputs: ["x"], outputs: ["z"] }] },
    inputs: [v("x", [2, 3], [1, -1, 2, -2, 3, -3])], outputs: [v("y", [2, 0], []), v("z", [2, 3], [1, 0, 2, 0, 3, 0])] },
];

describe("graph edge cases (C target)", function () {
  this.timeout(300_000);
  let scratch: string;
  let cc = false;
  before(async () => { scratch = tempDir("graph-edges"); cc = await haveCc(); });
  after(() => cleanup(scratch));

  CASES.forEach((tc, i) => {
    it(`${tc.title}: builds under ASan/UBSan and matches`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const dir = writeModelDir(path.join(scratch, `case${i}`), tc.spec, tc.inputs, tc.outputs);
      const res = await testDir(dir, { rtol: 0, atol: 0, extraFlags: SANITIZE });
      expect(res.results).to.have.length(tc.outputs.length);
      for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}`).to.equal(true);
    });
  });
});
