/**
 * @fileoverview `edgec test --target aarch64` through the real CLI: a small folder passes when the
 * cross compiler and qemu are here; without one of them the command fails in one line naming the
 * Debian package to install.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { cToolchain } from "../../compiler/c-targets.ts";
import { cleanup, runProcess, tempDir } from "../helpers/cli.ts";
import { ModelSpec, writeModelDir } from "../helpers/onnx-builder.ts";
import { EDGEC } from "../shared.ts";

const spec: ModelSpec = {
  inputs: [{ name: "x", dtype: "f32", shape: [2, 5] }, { name: "n", dtype: "i32", shape: [2, 5] }],
  outputs: [{ name: "y", dtype: "f32", shape: [2, 5] }, { name: "m", dtype: "i32", shape: [2, 5] }],
  nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }, { op: "Neg", inputs: ["n"], outputs: ["m"] }],
};
const x = [-1, 2, -3, 4, 5, -6, 7, -8, 9, 0], n = [1, -2, 3, 0, 2147483647, -2147483647, 5, 6, -7, 8];

/** Runs edgec with PATH set to `bin` only (undefined: the inherited PATH). */
function edgecWithPath(bin: string | undefined, ...args: string[]) {
  const env = { ...process.env };
  delete env.EDGEC_DEBUG;
  if (bin !== undefined) env.PATH = bin;
  return runProcess(process.execPath, [EDGEC, ...args], { env, timeoutMs: 120_000 });
}

describe("edgec test --target aarch64", function () {
  this.timeout(120_000);
  let scratch: string, dir: string;
  let tools: string | undefined;
  before(() => {
    scratch = tempDir("aarch64");
    dir = writeModelDir(path.join(scratch, "relu-neg"), spec,
      [{ name: "x", dtype: "f32", dims: [2, 5], data: x }, { name: "n", dtype: "i32", dims: [2, 5], data: n }],
      [{ name: "y", dtype: "f32", dims: [2, 5], data: x.map((v) => Math.max(v, 0)) }, { name: "m", dtype: "i32", dims: [2, 5], data: n.map((v) => -v) }]);
    try {
      cToolchain("aarch64");
    } catch (e) {
      tools = (e as Error).message;
    }
  });
  after(() => cleanup(scratch));

  it("builds with the cross compiler, runs and passes", async function () {
    if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
    const r = await edgecWithPath(undefined, "test", dir, "--target", "aarch64");
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout.trimEnd().split("\n").pop()).to.equal("PASS");
  });

  it("--sanitize under qemu: one line saying why not", async function () {
    if (process.arch === "arm64") { console.log("  skipped: this machine runs aarch64 natively"); this.skip(); }
    if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
    const r = await edgecWithPath(undefined, "test", dir, "--target", "aarch64", "--sanitize");
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split("\n"), r.stderr).to.deep.equal(["edgec: error: --sanitize applies to the targets this machine runs natively; --target aarch64 runs under qemu here"]);
  });

  it("without the cross compiler: one line naming the packages", async function () {
    if (process.arch === "arm64") { console.log("  skipped: this machine runs aarch64 natively"); this.skip(); }
    const r = await edgecWithPath(path.join(scratch, "empty-bin"), "test", dir, "--target", "aarch64");
    expect(r.status).to.equal(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^edgec: error: .*aarch64-linux-gnu-gcc.*gcc-aarch64-linux-gnu libc6-dev-arm64-cross/);
  });

  it("without qemu-aarch64: one line naming qemu-user", async function () {
    if (process.arch === "arm64") { console.log("  skipped: this machine runs aarch64 natively"); this.skip(); }
    if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
    // A PATH holding the cross compiler but not qemu.
    const bin = path.join(scratch, "cc-only");
    fs.mkdirSync(bin, { recursive: true });
    const gcc = (process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "aarch64-linux-gnu-gcc")).find((f) => fs.existsSync(f))!;
    fs.symlinkSync(gcc, path.join(bin, "aarch64-linux-gnu-gcc"));
    const r = await edgecWithPath(bin, "test", dir, "--target", "aarch64");
    expect(r.status).to.equal(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^edgec: error: .*qemu-aarch64.*qemu-user/);
  });
});
