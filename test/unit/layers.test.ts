/**
 * @fileoverview The layers only import down (ir <- ops <- passes <- backends <- compiler), and a
 * backend imports only ir/ and its own folder: dependency-cruiser checks every import against
 * the rules in .dependency-cruiser.cjs.
 */
import { expect } from "chai";
import * as path from "node:path";
import { runProcess } from "../helpers/cli.ts";
import { ROOT } from "../shared.ts";

describe("layers", function () {
  this.timeout(120_000);

  it("every import points down a layer, and no backend imports another", async () => {
    const bin = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
    const res = await runProcess(process.execPath, [bin, "--config", ".dependency-cruiser.cjs", "ir", "ops", "passes", "backends", "compiler"], { cwd: ROOT });
    expect(res.status, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout).to.match(/no dependency violations found \((1\d\d|[2-9]\d\d) modules/);
  });
});
