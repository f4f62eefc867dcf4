/**
 * @fileoverview `edgec --help` and each command's --help exit 0 and print usage on stdout.
 */
import { expect } from "chai";
import { edgec } from "../helpers/cli.ts";

describe("edgec --help", function () {
  this.timeout(120_000);

  it("edgec --help lists the commands", async () => {
    const r = await edgec("--help");
    expect(r.status).to.equal(0);
    expect(r.stderr).to.equal("");
    expect(r.stdout).to.match(/^edgec - /);
    for (const cmd of ["compile", "test", "tune", "conformance", "quantize"]) expect(r.stdout).to.match(new RegExp(`edgec ${cmd} `));
  });

  for (const [cmd, flags] of [["compile", ["--target", "-o, --out", "--name", "--input-shape", "--weights-bin-above"]], ["test", ["--rtol", "--atol", "--sanitize", "--keep"]], ["tune", ["--target", "-o, --log", "--trials", "--time-budget", "--seed", "--no-cost-model"]], ["quantize", ["--calibration", "-o, --out", "--method", "--percentile", "--activations", "--per-tensor"]]] as const) {
    it(`edgec ${cmd} --help prints the options`, async () => {
      const r = await edgec(cmd, "--help");
      expect(r.status).to.equal(0);
      expect(r.stderr).to.equal("");
      expect(r.stdout).to.match(new RegExp(`^usage: edgec ${cmd} `));
      for (const f of flags) expect(r.stdout).to.include(f);
    });
  }

  it("no command prints usage and exits 2; an unknown command is one error line", async () => {
    const none = await edgec();
    expect(none.status).to.equal(2);
    expect(none.stdout).to.match(/usage:/);
    const bad = await edgec("frobnicate");
    expect(bad.status).to.equal(2);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
    expect(bad.stderr).to.match(/^edgec: error: unknown command 'frobnicate'/);
  });
});
