/**
 * @fileoverview Every shared model on aarch64 (NEON): cross-built warning-free with
 * aarch64-linux-gnu-gcc, run under qemu-aarch64 (natively on an AArch64 host), and matching the
 * reference outputs; register tiles are vectors of 4 lanes. Two models are compiled and run at a
 * time, so one's TypeScript compile overlaps the other's gcc and qemu. Without the cross tools the
 * suite is skipped with the reason.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { missingToolchain, skipped } from "../helpers/cli.ts";
import { TestResult, testDir } from "../../compiler/testrun.ts";
import { sharedDir } from "../shared.ts";
import { pool } from "../helpers/pool.ts";

const models = sharedDir("models");
const PARALLEL = 2;

describe("shared models (aarch64)", function () {
  if (!models) return;
  const why = missingToolchain("aarch64");
  if (why) {
    skipped("shared models on aarch64", why);
    return;
  }
  const names = fs.readdirSync(models).filter((n) => fs.existsSync(path.join(models, n, "model.onnx"))).sort();
  let runs: Map<string, Promise<TestResult>>;
  before(() => {
    runs = pool(names, PARALLEL, (name) => testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, target: "aarch64" }));
  });
  const vectorized = new Map<string, { loops: number; tiles: number }>();
  for (const name of names) {
    it(`${name} matches the reference outputs`, async () => {
      const res = await runs.get(name)!;
      for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}`).to.equal(true);
      const tiles = res.compiled.report.schedules.flatMap((k) => k.tiles).filter((t) => t.lanes);
      for (const t of tiles) expect(t.lanes, `${name} tile lanes`).to.equal(4);
      vectorized.set(name, { loops: res.compiled.report.vectorized_loops ?? 0, tiles: tiles.length });
    });
  }
  // As on x86: every model but the autoencoder has vector register tiles, and the large models
  // have other vectorized loops.
  it("the intrinsics ran: register tiles are vectors, and the models with long loops have vectorized ones", () => {
    console.log(`    vector tiles / vectorized loops: ${[...vectorized].map(([n, k]) => `${n} ${k.tiles}/${k.loops}`).join(", ")}`);
    for (const name of names.filter((n) => n !== "ad_autoencoder")) expect(vectorized.get(name)?.tiles, `${name} vector tiles`).to.be.greaterThan(0);
    for (const name of ["bert_tiny", "resnet18"])
      if (names.includes(name)) expect(vectorized.get(name)?.loops, `${name} vectorized loops`).to.be.greaterThan(0);
  });
});
