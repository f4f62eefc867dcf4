/**
 * @fileoverview Conformance on riscv64, the aarch64 subset (conformance-aarch64.test.ts): the node
 * tests of the ops that vectorize most, built with RVV intrinsics by clang-16 and run under
 * qemu-riscv64 (VLEN 128); every one that passes in the committed results-riscv64.json (written by
 * `edgec conformance --target riscv64 --filter <SUBSET> --out test/conformance/results-riscv64.md`)
 * must still pass. Skipped with the reason without the cross tools.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { missingToolchain, skipped } from "../helpers/cli.ts";
import { checkAgainst, readResults, runConformance, totals, totalsLine } from "../../compiler/conformance.ts";
import { sharedDir } from "../shared.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const SUBSET = /^test_(conv|gemm|matmul|maxpool|averagepool|globalaveragepool|gru|rnn|simple_rnn|lstm|softmax_(axis|default)|clip|add_bcast)/;

describe("ONNX node-test conformance (riscv64 subset)", function () {
  this.timeout(900_000);
  const dir = sharedDir("onnx-node-tests");
  if (!dir) return;
  const why = missingToolchain("riscv64");
  if (why) {
    skipped("the riscv64 conformance subset", why);
    return;
  }

  it("every subset test that passes in results-riscv64.json still passes", async () => {
    const base = readResults(path.join(here, "results-riscv64.json"));
    const results = await runConformance({ dir, filter: SUBSET, target: "riscv64" });
    const { regressions, fixed } = checkAgainst(results, base);
    console.log(`    ${totalsLine(totals(results))}; ${regressions.length} regression(s), ${fixed.length} newly passing`);
    const list = regressions.map((r) => `${r.test}: ${r.status} ${r.reason}`).join("\n");
    expect(regressions, `tests that passed in results-riscv64.json no longer pass:\n${list}`).to.deep.equal([]);
  });

  it("results-riscv64.md and results-riscv64.json describe the same tests", () => {
    const base = readResults(path.join(here, "results-riscv64.json"));
    const md = fs.readFileSync(path.join(here, "results-riscv64.md"), "utf8");
    expect(md.split("\n").filter((l) => l.startsWith("| test_")).length).to.equal(Object.keys(base.tests).length);
  });
});
