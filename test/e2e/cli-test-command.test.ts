/**
 * @fileoverview `edgec test` through the real CLI: PASS on a correct model folder, FAIL with the
 * error size on a wrong reference, one error line on a folder that is not a test.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, writeModelDir } from "../helpers/onnx-builder.ts";

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
});
