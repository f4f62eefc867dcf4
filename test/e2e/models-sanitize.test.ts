/**
 * @fileoverview Shared models that exercise every schedule and fusion path (attention, concat-elim,
 * loop partitioning, unroll-and-jam, epilogues) built with ASan and UBSan: a sanitizer report
 * aborts the run, so passing means no out-of-bounds access or undefined behaviour.
 */
import { expect } from "chai";
import * as path from "node:path";
import { testDir } from "../../compiler/testrun.ts";
import { sharedDir } from "../shared.ts";

const models = sharedDir("models");
const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];

describe("shared models under ASan and UBSan", function () {
  if (!models) return;
  for (const name of ["bert_tiny", "squeezenet1_1", "ic_resnet8"]) {
    it(`${name} runs clean and matches`, async () => {
      const res = await testDir(path.join(models, name), { rtol: 1e-3, atol: 1e-5, extraFlags: SANITIZE });
      for (const r of res.results) expect(r.pass, `${r.name}: max abs ${r.maxAbs}`).to.equal(true);
    });
  }
});
