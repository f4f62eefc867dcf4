/**
 * @fileoverview `edgec test` through the real CLI: PASS on a correct model folder, FAIL with the
 * error size on a wrong reference, one error line on a folder that is not a test.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, rng, uniform, writeModelDir } from "../helpers/onnx-builder.ts";
import { writeCase } from "../helpers/ort-reference.ts";

const spec: ModelSpec = {
  inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }, { name: "n", dtype: "i32", shape: [2, 3] }],
  outputs: [{ name: "y", dtype: "f32", shape: [2, 3] }, { name: "m", dtype: "i32", shape: [2, 3] }],
  nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }, { op: "Neg", inputs: ["n"], outputs: ["m"] }],
};
const x = [-1, 2, -3, 4, 5, -6], n = [1, -2, 3, 0, 2147483647, -2147483647];

function folder(dir: string, y: number[], m: number[]): string {
  return writeModelDir(dir, spec,
    [{ name: "x", dtype: "f32", dims: [2, 3], data: x }, { name: "n", dtype: "i32", dims: [2, 3], data: n }],
    [{ name: "y", dtype: "f32", dims: [2, 3], data: y }, { name: "m", dtype: "i32", dims: [2, 3], data: m }]);
}

describe("edgec test", function () {
  this.timeout(120_000);
  let scratch: string;
  let cc = false;
  before(async () => { scratch = tempDir("testcmd"); cc = await haveCc(); });
  after(() => cleanup(scratch));

  it("passes a folder whose reference outputs are right", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r = await edgec("test", folder(path.join(scratch, "good"), [0, 2, 0, 4, 5, 0], n.map((v) => -v)), "--target", "c");
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^PASS test_data_set_0 "y": max abs err 0\.000e\+0/m);
    expect(r.stdout).to.match(/^PASS test_data_set_0 "m"/m);
    expect(r.stdout.trimEnd().split("\n").pop()).to.equal("PASS");
  });

  it("fails, with the error size, when an output is off", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r = await edgec("test", folder(path.join(scratch, "bad"), [0, 2, 0, 4, 5.5, 0], [-1, 2, -3, 0, -2147483647, 2147483646]));
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/^FAIL test_data_set_0 "y": max abs err 5\.000e-1.*1 elements out of tolerance/m);
    expect(r.stdout).to.match(/^FAIL test_data_set_0 "m": .*1 elements out of tolerance/m);
    expect(r.stdout.trimEnd().split("\n").pop()).to.equal("FAIL");
  });

  it("reports a folder without model.onnx in one line", async () => {
    fs.mkdirSync(path.join(scratch, "empty"), { recursive: true });
    const r = await edgec("test", path.join(scratch, "empty"));
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^edgec: error: .*has no model\.onnx/);
  });

  it("reports a data set whose input shape does not match the model", async () => {
    const dir = writeModelDir(path.join(scratch, "shape"), spec,
      [{ name: "x", dtype: "f32", dims: [3, 2], data: x }, { name: "n", dtype: "i32", dims: [2, 3], data: n }],
      [{ name: "y", dtype: "f32", dims: [2, 3] }, { name: "m", dtype: "i32", dims: [2, 3] }]);
    const r = await edgec("test", dir);
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/^edgec: error: input "x" of test_data_set_0 has shape \[3x2\] but the model expects \[2x3\]/);
  });

  it("takes symbolic and unknown input dims from test_data_set_0 and says so in one line", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r0 = rng(2);
    const sym: ModelSpec = {
      opset: 17,
      inputs: [{ name: "x", dtype: "f32", shape: ["N", 3, "H", "W"] }, { name: "b", dtype: "f32", shape: ["batch", null] }],
      outputs: [{ name: "y", dtype: "f32" }, { name: "z", dtype: "f32" }],
      nodes: [
        { op: "Conv", inputs: ["x", "w"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: "Relu", inputs: ["c"], outputs: ["y"] },
        { op: "Tanh", inputs: ["b"], outputs: ["z"] },
      ],
      initializers: [{ name: "w", dtype: "f32", dims: [4, 3, 3, 3], data: uniform(r0, 108) }],
    };
    const dir = path.join(scratch, "symbolic");
    await writeCase(dir, sym, [{
      x: { dtype: "f32", dims: [2, 3, 5, 7], data: Array.from(uniform(r0, 210)) },
      b: { dtype: "f32", dims: [3, 4], data: Array.from(uniform(r0, 12)) },
    }]);
    const r = await edgec("test", dir);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.filter((l) => l.startsWith("input shapes"))).to.deep.equal(['input shapes from test_data_set_0: "x" 2x3x5x7, "b" 3x4']);
    expect(lines.pop()).to.equal("PASS");
    // An explicit --input-shape wins over the data; the data must then fit it.
    const bad = await edgec("test", dir, "--input-shape", "x=1x3x5x7");
    expect(bad.status).to.equal(1);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
    expect(bad.stderr).to.match(/input "x" of test_data_set_0 has shape \[2x3x5x7\] but the model expects \[1x3x5x7\]/);
  });

  it("reports data that contradicts the declared dims in one line", async () => {
    const dir = writeModelDir(path.join(scratch, "contradict"), {
      inputs: [{ name: "x", dtype: "f32", shape: ["N", 3] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
    }, [{ name: "x", dtype: "f32", dims: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }], [{ name: "y", dtype: "f32", dims: [2, 4] }]);
    const r = await edgec("test", dir);
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/test_data_set_0\/input_0\.pb has shape \[2, 4\] but input "x" is declared \[N, 3\]; fix the data or pass --input-shape/);
  });
});
