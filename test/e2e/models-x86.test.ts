/**
 * @fileoverview Every shared model on the x86-64 targets with intrinsics: it builds warning-free
 * and matches the reference outputs, and the large models had loops vectorized (so the intrinsics
 * ran). Three
 * models also run under ASan and UBSan. A level this machine cannot run is skipped with the reason.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { CTarget, resolveCTarget } from "../../compiler/c-targets.ts";
import { testDir } from "../../compiler/testrun.ts";
import { sharedDir } from "../shared.ts";

const models = sharedDir("models");
const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];
const RANK: Record<CTarget, number> = { c: 0, "x86-64-v3": 1, "x86-64-v4": 2, "x86-64-v4-vnni": 3, aarch64: 0, riscv64: 0, "cortex-m4": 0, "cortex-m55": 0 };
const host = resolveCTarget("native");

for (const target of ["x86-64-v3", "x86-64-v4"] as const) {
  describe(`shared models (${target})`, function () {
    if (!models) return;
    if (RANK[host] < RANK[target]) {
      it(`skipped: this machine runs ${RANK[host] === 0 ? "no x86-64 level with vectors" : `only up to ${host}`}`, () => undefined);
      return;
    }
    const names = fs.readdirSync(models).filter((n) => fs.existsSync(path.join(models, n, "model.onnx"))).sort();
    const vectorized = new Map<string, { loops: number; tiles: number }>();
    for (const name of names) {
      it(`${name} matches the reference outputs`, async () => {
        const res = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, target });
        for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}`).to.equal(true);
        const tiles = res.compiled.report.schedules.flatMap((k) => k.tiles).filter((t) => t.lanes).length;
        vectorized.set(name, { loops: res.compiled.report.vectorized_loops ?? 0, tiles });
      });
    }
    // Every model's Convs, MatMuls and Gemms run as vector register tiles; the large models also
    // have other loops as long as one vector (16 lanes on x86-64-v4).
    it("the intrinsics ran: register tiles are vectors, and the models with long loops have vectorized ones", () => {
      console.log(`    vector tiles / vectorized loops: ${[...vectorized].map(([n, k]) => `${n} ${k.tiles}/${k.loops}`).join(", ")}`);
      for (const name of names.filter((n) => n !== "ad_autoencoder")) expect(vectorized.get(name)?.tiles, `${name} vector tiles`).to.be.greaterThan(0);
      for (const name of ["bert_tiny", "resnet18"])
        if (names.includes(name)) expect(vectorized.get(name)?.loops, `${name} vectorized loops`).to.be.greaterThan(0);
    });
    for (const name of ["bert_tiny", "squeezenet1_1", "ic_resnet8"]) {
      it(`${name} runs clean under ASan and UBSan`, async () => {
        const res = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, target, extraFlags: SANITIZE });
        for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}`).to.equal(true);
      });
    }
  });
}
