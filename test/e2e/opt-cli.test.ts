/**
 * @fileoverview `edgec opt` and the pass-manager flags of `edgec compile`, through the real CLI.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EDGEC, ROOT } from "../shared.ts";
import { runProcess } from "../helpers/cli.ts";
import { buildModel } from "../helpers/onnx-builder.ts";

const fixture = path.join(ROOT, "test", "passes", "fixtures", "silu.ir");

describe("edgec opt and pass flags", () => {
  it("runs the named passes on IR text and prints IR text", async () => {
    const r = await runProcess(process.execPath, [EDGEC, "opt", fixture, "--passes", "silu"]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/%y : f32\[2,6\] = Swish\(%x\)/);
    expect(r.stdout).to.match(/Sigmoid\(%z\)/);
  });

  it("--print-after-all dumps the IR after every pass of the level's pipeline", async () => {
    const r = await runProcess(process.execPath, [EDGEC, "opt", fixture, "-O2", "--print-after-all"]);
    expect(r.status).to.equal(0);
    for (const p of ["qdq", "fold-constants", "silu", "fuse-ops"]) expect(r.stderr).to.include(`IR after ${p} -----`);
  });

  it("rejects an unknown pass with one line", async () => {
    const r = await runProcess(process.execPath, [EDGEC, "opt", fixture, "--passes", "nope"]);
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split("\n")).to.have.length(1);
    expect(r.stderr).to.match(/unknown pass 'nope'/);
  });

  it("compile --passes/--print-after/--stats report patterns and kernels before and after", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-opt-"));
    try {
      const model = path.join(dir, "m.onnx");
      fs.writeFileSync(model, buildModel({
        inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 3] }],
        nodes: [{ op: "Sigmoid", inputs: ["x"], outputs: ["s"] }, { op: "Mul", inputs: ["x", "s"], outputs: ["y"] }],
      }));
      const r = await runProcess(process.execPath, [EDGEC, "compile", model, "-o", path.join(dir, "out"), "--print-after", "silu", "--stats"]);
      expect(r.status).to.equal(0);
      expect(r.stderr).to.include("IR after silu");
      const rep = JSON.parse(r.stdout);
      expect(rep.fusions.silu).to.equal(1);
      expect(rep.before.kernels).to.equal(2);
      expect(rep.kernels).to.equal(1);
      const r0 = await runProcess(process.execPath, [EDGEC, "compile", model, "-o", path.join(dir, "out0"), "--passes", "dead-code", "--stats"]);
      expect(JSON.parse(r0.stdout).kernels).to.equal(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
