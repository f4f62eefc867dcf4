/**
 * @fileoverview `edgec test --target aarch64|riscv64` through the real CLI: a small folder passes
 * when the cross compiler and qemu are here (riscv64: one build run at VLEN 128 and 256); without
 * one of them the command fails in one line naming the Debian package to install; a bad --vlen
 * is one line too.
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

const TARGETS = [
  { target: "aarch64", arch: "arm64", cc: "aarch64-linux-gnu-gcc", packages: /aarch64-linux-gnu-gcc.*gcc-aarch64-linux-gnu libc6-dev-arm64-cross/, run: [] as string[], vlens: [] as string[] },
  { target: "riscv64", arch: "riscv64", cc: "clang-16", packages: /clang-16.*clang-16 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross/, run: ["--vlen", "128,256"], vlens: ["128", "256"] },
] as const;

for (const t of TARGETS) {
  describe(`edgec test --target ${t.target}`, function () {
    this.timeout(120_000);
    let scratch: string, dir: string;
    let tools: string | undefined;
    const native = () => process.arch === t.arch;
    before(() => {
      scratch = tempDir(t.target);
      dir = writeModelDir(path.join(scratch, "relu-neg"), spec,
        [{ name: "x", dtype: "f32", dims: [2, 5], data: x }, { name: "n", dtype: "i32", dims: [2, 5], data: n }],
        [{ name: "y", dtype: "f32", dims: [2, 5], data: x.map((v) => Math.max(v, 0)) }, { name: "m", dtype: "i32", dims: [2, 5], data: n.map((v) => -v) }]);
      try {
        cToolchain(t.target);
      } catch (e) {
        tools = (e as Error).message;
      }
    });
    after(() => cleanup(scratch));

    it(`builds with ${t.cc}${t.vlens.length ? " once, runs at VLEN 128 and 256," : ", runs"} and passes`, async function () {
      if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
      const r = await edgecWithPath(undefined, "test", dir, "--target", t.target, ...t.run);
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      for (const v of t.vlens) expect(r.stdout).to.contain(`(VLEN ${v})`);
      expect(r.stdout.trimEnd().split("\n").pop()).to.equal("PASS");
    });

    if (t.target === "riscv64") {
      it("--vlen outside qemu's range, or on another target: one line", async () => {
        const bad = await edgecWithPath(undefined, "test", dir, "--target", "riscv64", "--vlen", "64");
        expect(bad.status).to.equal(1);
        expect(bad.stderr.trim().split("\n"), bad.stderr).to.deep.equal(["edgec: error: the RVV VLEN must be one of 128, 256, 512, 1024, not '64'"]);
        const other = await edgecWithPath(undefined, "test", dir, "--target", "c", "--vlen", "256");
        expect(other.stderr.trim().split("\n"), other.stderr).to.deep.equal(["edgec: error: --vlen applies to --target riscv64 only"]);
      });
    }

    it("--sanitize under qemu: one line", async function () {
      if (native()) { console.log(`  skipped: this machine runs ${t.target} natively`); this.skip(); }
      if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
      const r = await edgecWithPath(undefined, "test", dir, "--target", t.target, "--sanitize");
      expect(r.status).to.equal(1);
      expect(r.stderr.trim().split("\n"), r.stderr).to.deep.equal([`edgec: error: --sanitize applies to the targets this machine runs natively; --target ${t.target} runs under qemu here`]);
    });

    it(`without ${t.cc}: one line naming the Debian packages`, async function () {
      if (native()) { console.log(`  skipped: this machine runs ${t.target} natively`); this.skip(); }
      const r = await edgecWithPath(path.join(scratch, "empty-bin"), "test", dir, "--target", t.target);
      expect(r.status).to.equal(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(new RegExp(`^edgec: error: .*${t.packages.source}`));
    });

    it(`without qemu-${t.target}: one line naming qemu-user`, async function () {
      if (native()) { console.log(`  skipped: this machine runs ${t.target} natively`); this.skip(); }
      if (tools) { console.log(`  skipped: ${tools}`); this.skip(); }
      const bin = path.join(scratch, "cc-only");
      fs.mkdirSync(bin, { recursive: true });
      const cc = (process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, t.cc)).find((f) => fs.existsSync(f))!;
      fs.symlinkSync(cc, path.join(bin, t.cc));
      const r = await edgecWithPath(bin, "test", dir, "--target", t.target);
      expect(r.status).to.equal(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(new RegExp(`^edgec: error: .*qemu-${t.target}.*qemu-user`));
    });
  });
}
