/**
 * @fileoverview A short fuzz run with a fixed seed through the real `npm run fuzz` command: every
 * mutant is refused with a one-line error or compiles, and every compiled one runs clean under
 * AddressSanitizer and UndefinedBehaviorSanitizer. (Long runs are made by hand; see the README.)
 */
import { expect } from "chai";
import * as path from "node:path";
import { cleanup, haveCc, runProcess, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../shared.ts";

describe("fuzzing", function () {
  this.timeout(900_000);
  let dir: string | undefined;
  before(() => { dir = tempDir("fuzz"); });
  after(() => cleanup(dir));

  it("300 mutants (seed 1): no internal error, no hang, no sanitizer report", async function () {
    if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const res = await runProcess(process.execPath, [path.join(ROOT, "test", "fuzz", "run.mjs"), "--cases", "300", "--seed", "1", "--out", path.join(dir!, "out")], { timeoutMs: 900_000 });
    const summary = res.stdout.split("\n").find((l) => l.startsWith("fuzz: 300 cases:")) ?? "";
    expect(res.status, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout.trimEnd().split("\n").pop()).to.equal("no failures");
    // The run reached run time: some mutants compiled and ran.
    const run = /(\d+) run under sanitizers/.exec(summary);
    expect(Number(run?.[1] ?? 0), summary).to.be.above(20);
  });
});
