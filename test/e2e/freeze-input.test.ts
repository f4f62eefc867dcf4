/**
 * @fileoverview --freeze-input: a runtime input that an op needs at compile time (ReduceSum's
 * axes here) can be frozen to a value, giving a model specialised to it.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EDGEC } from "../shared.ts";
import { runProcess } from "../helpers/cli.ts";
import { writeModelDir } from "../helpers/onnx-builder.ts";

describe("--freeze-input", () => {
  let dir = "";
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-freeze-"));
    writeModelDir(dir, {
      opset: 13,
      inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }, { name: "axes", dtype: "i64", shape: [1] }],
      outputs: [{ name: "y", dtype: "f32", shape: [2, 1] }],
      nodes: [{ op: "ReduceSum", inputs: ["x", "axes"], outputs: ["y"], attrs: { keepdims: 1 } }],
    }, [
      { name: "x", dtype: "f32", dims: [2, 3], data: [1, 2, 3, 4, 5, 6] },
      { name: "axes", dtype: "i64", dims: [1], data: [1] },
    ], [{ name: "y", dtype: "f32", dims: [2, 1], data: [6, 15] }]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("without it, the compiler names the input that must be known at compile time", async () => {
    const r = await runProcess(process.execPath, [EDGEC, "test", dir]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/axes \(input 1\) must be known at compile time.*--freeze-input/);
  });

  it("with it, the specialised model passes on the same data", async () => {
    const r = await runProcess(process.execPath, [EDGEC, "test", dir, "--freeze-input", `axes=${path.join(dir, "test_data_set_0", "input_1.pb")}`]);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/PASS\s*$/);
  });

  it("rejects a value whose type or shape does not match the input", async () => {
    const r = await runProcess(process.execPath, [EDGEC, "test", dir, "--freeze-input", `axes=${path.join(dir, "test_data_set_0", "input_0.pb")}`]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/--freeze-input "axes": the value is f32\[2x3\] but the input is i64\[1\]/);
  });
});
