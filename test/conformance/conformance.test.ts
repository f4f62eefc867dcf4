/**
 * @fileoverview The ONNX node-test conformance check: every test that passes in the committed
 * results.json must still pass. Skipped, with the reason printed, when the shared tests are absent.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { checkAgainst, readResults, runConformance, totals, totalsLine } from "../../compiler/conformance.ts";
import { sharedDir } from "../shared.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

describe("ONNX node-test conformance (C target)", function () {
  this.timeout(900_000);
  const dir = sharedDir("onnx-node-tests");
  if (!dir) return;

  it("every test that passes in results.json still passes", async () => {
    const base = readResults(path.join(here, "results.json"));
    const filter = process.env.EDGEC_CONFORMANCE_FILTER ? new RegExp(process.env.EDGEC_CONFORMANCE_FILTER) : undefined;
    const results = await runConformance({ dir, filter });
    const { regressions, fixed } = checkAgainst(results, base);
    console.log(`    ${totalsLine(totals(results))}; ${regressions.length} regression(s), ${fixed.length} newly passing`);
    const list = regressions.map((r) => `${r.test}: ${r.status} ${r.reason}`).join("\n");
    expect(regressions, `tests that passed in results.json no longer pass:\n${list}`).to.deep.equal([]);
  });

  it("results.md and results.json describe the same tests", () => {
    const base = readResults(path.join(here, "results.json"));
    const md = fs.readFileSync(path.join(here, "results.md"), "utf8");
    const rows = md.split("\n").filter((l) => l.startsWith("| test_")).length;
    expect(rows).to.equal(Object.keys(base.tests).length);
  });
});
