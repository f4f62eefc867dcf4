/**
 * @fileoverview `edgec test --target riscv64` through the real CLI: a small folder passes at two
 * VLENs from one build when clang-16 and qemu are here; without one of them the command fails in
 * one line naming the Debian package to install; a bad --vlen is one line too.
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

describe("edgec test --target riscv64", function () {
  this.timeout(120_000);
  let scratch: string, dir: string;
  let tools: string | undefined;
  before(() => {
    scratch = tempDir("riscv64");
    dir = writeModelDir(path.join(scratch, "relu-neg"), spec,
      [{ name: "x", dtype: "f32", dims: [2, 5], data: x }, { name: "n", dtype: "i32", dims: [2, 5], data: n }],
      [{ name: "y", dtype: "f32", dims: [2, 5], data: x.map((v) => Math.max(v, 0)) }, { name: "m", dtype: "i32", dims: [2, 5], data: n.map((v) => -v) }]);
    try {
      cToolchain("riscv64");
    } catch (e) {
      tools = (e as Error).message;
    }
  });
  after(() => cleanup(scratch));

  it("builds with clang-16 once, runs at VLEN 128 and 256, and passes", async function () {
    if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
    const r = await edgecWithPath(undefined, "test", dir, "--target", "riscv64", "--vlen", "128,256");
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain("(VLEN 128)").and.to.contain("(VLEN 256)");
    expect(r.stdout.trimEnd().split("\n").pop()).to.equal("PASS");
  });

  it("--vlen outside qemu's range, or on another target: one line", async () => {
    const bad = await edgecWithPath(undefined, "test", dir, "--target", "riscv64", "--vlen", "64");
    expect(bad.status).to.equal(1);
    expect(bad.stderr.trim().split("\n"), bad.stderr).to.deep.equal(["edgec: error: the RVV VLEN must be one of 128, 256, 512, 1024, not '64'"]);
    const other = await edgecWithPath(undefined, "test", dir, "--target", "c", "--vlen", "256");
    expect(other.stderr.trim().split("\n"), other.stderr).to.deep.equal(["edgec: error: --vlen applies to --target riscv64 only"]);
  });

  it("--sanitize under qemu: one line saying why not", async function () {
    if (process.arch === "riscv64") { console.log("  skipped: this machine runs riscv64 natively"); this.skip(); }
    if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
    const r = await edgecWithPath(undefined, "test", dir, "--target", "riscv64", "--sanitize");
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split("\n"), r.stderr).to.deep.equal(["edgec: error: --sanitize applies to the targets this machine runs natively; --target riscv64 runs under qemu here"]);
  });

  it("without the cross compiler: one line naming the packages", async function () {
    if (process.arch === "riscv64") { console.log("  skipped: this machine runs riscv64 natively"); this.skip(); }
    const r = await edgecWithPath(path.join(scratch, "empty-bin"), "test", dir, "--target", "riscv64");
    expect(r.status).to.equal(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^edgec: error: .*clang-16.*clang-16 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross/);
  });

  it("without qemu-riscv64: one line naming qemu-user", async function () {
    if (process.arch === "riscv64") { console.log("  skipped: this machine runs riscv64 natively"); this.skip(); }
    if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
    // A PATH holding the cross compiler but not qemu.
    const bin = path.join(scratch, "cc-only");
    fs.mkdirSync(bin, { recursive: true });
    const clang = (process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "clang-16")).find((f) => fs.existsSync(f))!;
    fs.symlinkSync(clang, path.join(bin, "clang-16"));
    const r = await edgecWithPath(bin, "test", dir, "--target", "riscv64");
    expect(r.status).to.equal(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^edgec: error: .*qemu-riscv64.*qemu-user/);
  });
});
