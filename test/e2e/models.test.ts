/**
 * @fileoverview Every shared model compiles to C, builds warning-free and matches ONNX Runtime's
 * outputs, with the arena within 1.25x of its lower bound.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { testDir } from "../../compiler/testrun.ts";
import { sharedDir } from "../shared.ts";

const models = sharedDir("models");

describe("shared models (C target)", function () {
  if (!models) return;
  const names = fs.readdirSync(models).filter((n) => fs.existsSync(path.join(models, n, "model.onnx"))).sort();
  for (const name of names) {
    it(`${name} matches the reference outputs`, async () => {
      const res = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5 });
      for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}, max rel ${r.maxRel}, ${r.mismatches} mismatches`).to.equal(true);
      const rep = res.compiled.report;
      expect(rep.arena_bytes).to.be.at.most(1.25 * rep.arena_lower_bound_bytes + 64);
      // The graph's tensors and the schedules' scratch, each alone, bound the whole from both sides.
      expect(rep.tensors_lower_bound_bytes).to.be.at.most(rep.arena_lower_bound_bytes);
      expect(rep.arena_lower_bound_bytes).to.be.at.most(rep.tensors_lower_bound_bytes + rep.scratch_bytes);
    });
  }
});
