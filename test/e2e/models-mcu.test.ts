/**
 * @fileoverview The MLPerf Tiny models and digits_cnn as bare-metal firmware (float for now): built
 * warning-free by arm-none-eabi-gcc for Cortex-M4 (mps2-an386) and Cortex-M55 (mps3-an547) with
 * each test set's inputs compiled in, run in qemu-system-arm, outputs read back over semihosting
 * and matched with the reference, and instructions per inference counted from SysTick under
 * -icount (the same on every run). A model larger than the board's code region is refused with one
 * line naming the overflow. `compile --firmware` writes a project whose Makefile builds and runs.
 * Without arm-none-eabi-gcc, newlib or qemu-system-arm the suite is skipped with the reason.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { cleanup, edgec, missingToolchain, skipped, tempDir } from "../helpers/cli.ts";
import { readTensorFile } from "../../compiler/onnx/tensor.ts";
import { testDir } from "../../compiler/testrun.ts";
import { sharedDir } from "../shared.ts";

const run = promisify(execFile);
const models = sharedDir("models");
const TINY = ["ad_autoencoder", "digits_cnn", "ic_resnet8", "kws_dscnn", "vww_mobilenetv1_025"];
/** Float models too large for mps3-an547's 512 KiB code region (weights alone). */
const TOO_LARGE_M55 = new Set(["ad_autoencoder", "vww_mobilenetv1_025"]);

for (const target of ["cortex-m4", "cortex-m55"] as const) {
  describe(`shared models as firmware (${target}, qemu-system-arm)`, function () {
    this.timeout(900_000);
    if (!models) return;
    const why = missingToolchain(target);
    if (why) {
      skipped(`firmware on ${target}`, why);
      return;
    }
    const counts = new Map<string, number>();
    for (const name of TINY.filter((n) => fs.existsSync(path.join(models, n, "model.onnx")))) {
      if (target === "cortex-m55" && TOO_LARGE_M55.has(name)) {
        it(`${name} is refused: it does not fit mps3-an547`, async () => {
          const err = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, target }).then(() => undefined, (e: Error) => e);
          expect(err?.message).to.match(/^the firmware does not fit mps3-an547: its code \(flash\) region of 512 KiB overflows by \d+ bytes/);
        });
        continue;
      }
      it(`${name} matches the reference outputs`, async () => {
        const res = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, target });
        expect(res.results.length).to.be.greaterThan(0);
        for (const r of res.results) expect(r.pass, `${r.set} ${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}`).to.equal(true);
        expect(res.instructions?.length, "instruction counts").to.equal(new Set(res.results.map((r) => r.set)).size);
        counts.set(name, res.instructions![0]!.count);
      });
    }
    it("counts instructions per inference deterministically: the same number on a second run", async function () {
      if (!counts.has("kws_dscnn")) this.skip();
      const again = await testDir(path.join(models, "kws_dscnn"), { rtol: 1e-3, atol: 1e-5, target });
      console.log(`    instructions per inference: ${[...counts].map(([n, c]) => `${n} ${c.toLocaleString("en-US")}`).join(", ")}`);
      expect(again.instructions![0]!.count).to.equal(counts.get("kws_dscnn"));
      expect(counts.get("kws_dscnn")).to.be.greaterThan(1_000_000);
    });
  });
}

describe("edgec compile --firmware", function () {
  this.timeout(300_000);
  if (!models) return;
  const why = missingToolchain("cortex-m4");
  if (why) {
    skipped("compile --firmware", why);
    return;
  }
  let dir: string;
  before(() => { dir = tempDir("firmware"); });
  after(() => cleanup(dir));

  it("writes a project whose Makefile builds an image that runs kws_dscnn on its test input", async () => {
    const model = path.join(models, "kws_dscnn");
    const out = path.join(dir, "fw");
    const res = await edgec("compile", path.join(model, "model.onnx"), "--target", "cortex-m4", "--firmware", "mps2-an386", "-o", out);
    expect(res.status, res.stderr).to.equal(0);
    for (const f of ["startup.c", "board.ld", "main.c", "inputs.c", "Makefile", "model.c", "model_weights.c"]) expect(fs.existsSync(path.join(out, f)), f).to.equal(true);
    const build = await run("make", ["-s"], { cwd: out });
    expect(build.stderr, "warnings").to.equal("");
    const { stdout } = await run("make", ["-s", "run"], { cwd: out });
    const hex = /^out0 ([0-9a-f]+)$/m.exec(stdout)?.[1];
    expect(hex, stdout).to.be.a("string");
    const got = new Float32Array(Uint8Array.from(hex!.match(/../g)!, (h) => parseInt(h, 16)).buffer);
    const want = readTensorFile(path.join(model, "test_data_set_0", "output_0.pb")).data as Float32Array;
    expect(got.length).to.equal(want.length);
    got.forEach((v, i) => expect(v).to.be.closeTo(want[i]!, 1e-5 + 1e-3 * Math.abs(want[i]!), `probabilities[${i}]`));
  });

  it("refuses a board of another core, a non-firmware target, and conformance on firmware, in one line", async () => {
    const model = path.join(models, "kws_dscnn", "model.onnx");
    const a = await edgec("compile", model, "--target", "cortex-m4", "--firmware", "mps3-an547", "-o", path.join(dir, "bad"));
    expect(a.status).to.equal(1);
    expect(a.stderr.trim()).to.equal("edgec: error: --firmware mps3-an547 carries a cortex-m55; compile with --target cortex-m55");
    const b = await edgec("compile", model, "--target", "c", "--firmware", "mps2-an386", "-o", path.join(dir, "bad"));
    expect(b.status).to.equal(1);
    expect(b.stderr.trim()).to.equal("edgec: error: --firmware applies to the cortex-m4 and cortex-m55 targets, not c");
    expect(fs.existsSync(path.join(dir, "bad"))).to.equal(false);
    const c = await edgec("conformance", "--target", "cortex-m4", "--filter", "^test_relu$");
    expect(c.status).to.equal(1);
    expect(c.stderr.trim()).to.equal("edgec: error: conformance does not run --target cortex-m4 (firmware per node test); use 'edgec test DIR --target cortex-m4'");
  });
});
