/**
 * @fileoverview The instruction-counting qemu plugin (bench/qemu/icount.c) counts exactly: a
 * static program whose hand-written loop runs N or 2N times must differ by N x the loop body's
 * instructions as read from its disassembly, and repeated runs must count the same. Also checks
 * that a model harness's per-inference count is exact (bench/icount.ts perInference). Each ISA
 * is pending with the reason when its cross tools or qemu are missing.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { buildPlugin, countInstructions, perInference, qemuFor } from "../../bench/icount.ts";
import { compileFile, writeCArtifact } from "../../compiler/api.ts";
import { buildHarness } from "../../compiler/testrun.ts";
import { tileFor } from "../../passes/schedule-tile.ts";
import { bytesOf } from "../../ir/dtype.ts";
import { readTensorFile } from "../../compiler/onnx/tensor.ts";
import { CrossIsa, missingCross } from "../helpers/cross-tools.ts";
import { cleanup, haveCc, skipped, tempDir } from "../helpers/cli.ts";
import { SHARED } from "../shared.ts";

const run = promisify(execFile);

/** spin(n): a loop of 4 instructions between the labels icount_loop and icount_loop_end, run n times. */
const SPIN: Record<CrossIsa, string> = {
  aarch64: `
  .text
  .globl spin
spin:
  cbz x0, 2f
icount_loop:
  add x1, x1, #1
  eor x2, x2, x1
  subs x0, x0, #1
  b.ne icount_loop
icount_loop_end:
2:
  ret
`,
  riscv64: `
  .text
  .globl spin
spin:
  beqz a0, 2f
icount_loop:
  addi a1, a1, 1
  xor a2, a2, a1
  addi a0, a0, -1
  bnez a0, icount_loop
icount_loop_end:
2:
  ret
`,
};

const MAIN = `#include <stdlib.h>
void spin(long n);
int main(int argc, char **argv) { spin(argc > 1 ? atol(argv[1]) : 0); return 0; }
`;

/** Instructions objdump lists from the symbol icount_loop up to icount_loop_end. */
async function loopBody(isa: CrossIsa, exe: string): Promise<number> {
  const { stdout } = await run(`${isa}-linux-gnu-objdump`, ["-d", exe], { maxBuffer: 256 << 20 });
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => /<icount_loop>:$/.test(l));
  const end = lines.findIndex((l) => /<icount_loop_end>:$/.test(l));
  expect(start, "icount_loop in the disassembly").to.be.greaterThan(-1);
  expect(end, "icount_loop_end in the disassembly").to.be.greaterThan(start);
  return lines.slice(start + 1, end).filter((l) => /^\s+[0-9a-f]+:\s/.test(l)).length;
}

describe("qemu instruction-count plugin", function () {
  let dir: string;
  let plugin: string | undefined;
  before(async function () {
    dir = tempDir("icount");
    if (await haveCc()) plugin = await buildPlugin(path.join(dir, "plugin"));
  });
  after(() => cleanup(dir));

  for (const isa of ["aarch64", "riscv64"] as const) {
    const why = missingCross(isa);
    if (why) {
      skipped(`${isa}: counts instructions under qemu`, why);
      continue;
    }
    it(`${isa}: a loop run 2N times counts N x its body more than run N times, the same on every run`, async function () {
      if (!plugin) this.skip();
      const src = path.join(dir, `${isa}-spin.S`), main = path.join(dir, `${isa}-main.c`), exe = path.join(dir, `${isa}-spin`);
      fs.writeFileSync(src, SPIN[isa]);
      fs.writeFileSync(main, MAIN);
      await run(`${isa}-linux-gnu-gcc`, ["-O2", "-static", "-o", exe, main, src]);
      const body = await loopBody(isa, exe);
      expect(body, "instructions in the loop body").to.equal(4);
      const count = (n: number) => countInstructions(plugin!, qemuFor(isa), exe, [String(n)]);
      const n = 100_000;
      const once = await count(n), again = await count(n), twice = await count(2 * n);
      expect(again, "two runs with the same N").to.equal(once);
      expect(twice - once, `count(2N) - count(N) for N = ${n}`).to.equal(n * body);
      // The rest (start-up, libc, exit) is far smaller than the loop but not nothing.
      expect(once - n * body).to.be.greaterThan(1000).and.lessThan(n * body);
    });
  }

  const models = path.join(SHARED, "models", "ad_autoencoder");
  const why = missingCross("aarch64");
  if (why || !fs.existsSync(path.join(models, "model.onnx"))) {
    skipped("a model harness's inferences count the same", why ?? `${models} not found (set EDGEC_SHARED)`);
    return;
  }
  it("aarch64: a model's inferences each count the same, and the harness's -k adds exactly that", async function () {
    if (!plugin) this.skip();
    const cdir = path.join(dir, "model");
    writeCArtifact(compileFile(path.join(models, "model.onnx"), { cTarget: "aarch64", tile: tileFor("aarch64") }), cdir, { cTarget: "aarch64" });
    const exe = await buildHarness(cdir, { cc: "aarch64-linux-gnu-gcc", cflags: ["-std=c99", "-O2", "-march=armv8.2-a+dotprod"], extraFlags: ["-static"] });
    const input = path.join(dir, "in0.raw");
    fs.writeFileSync(input, bytesOf(readTensorFile(path.join(models, "test_data_set_0", "input_0.pb")).data));
    const args = ["-", input, path.join(dir, "out0.raw")];
    const r = await perInference(plugin!, qemuFor("aarch64"), exe, args, { k: 2 });
    expect(r.linear, "-k 6 added over -k 4 what -k 4 added over -k 2").to.equal(true);
    expect(r.perRun).to.be.greaterThan(10_000);
    // Any further inference adds the same count.
    const five = await countInstructions(plugin!, qemuFor("aarch64"), exe, ["-k", "5", ...args]);
    const six = await countInstructions(plugin!, qemuFor("aarch64"), exe, ["-k", "6", ...args]);
    expect(six - five).to.equal(r.perRun);
  });
});
