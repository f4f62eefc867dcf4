/**
 * @fileoverview Models whose depth or size grows with a parameter (thousands of chained ops,
 * shared operands, folded shape arithmetic, large If branches, nested Loops, thousands of
 * Constants) compile, build and match ONNX Runtime on C and wasm at -O0 and -O2 within the
 * command's time limit.
 */
import { expect } from "chai";
import * as path from "node:path";
import { DType } from "../../ir/dtype.ts";
import * as fs from "node:fs";
import { cleanup, edgec, haveCc, runProcess, tempDir } from "../helpers/cli.ts";
import { ModelSpec, buildModel, rng, uniform } from "../helpers/onnx-builder.ts";
import { EDGEC } from "../shared.ts";
import { Feed, writeCase } from "../helpers/ort-reference.ts";
import {
  bigIfModel, chainModel, constantsModel, hardSwishBlocksModel, nestedLoopModel, shapeChainModel, sharedOperandModel,
} from "../helpers/stress-models.ts";

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** One feed of uniform values for every float input; bool inputs take `flag`. */
function feedFor(spec: ModelSpec, seed: number, flag = 1): Feed {
  const r = rng(seed);
  const feed: Feed = {};
  for (const v of spec.inputs) {
    const dims = v.shape as number[];
    feed[v.name] = v.dtype === "bool"
      ? { dtype: "bool", dims, data: [flag] }
      : { dtype: v.dtype as DType, dims, data: Array.from(uniform(r, numel(dims), -2, 2)) };
  }
  return feed;
}

const CASES: { name: string; spec: () => ModelSpec; flags?: number[] }[] = [
  { name: "chain of 3,000 elementwise ops", spec: () => chainModel(3000) },
  { name: "200 HardSigmoid·Mul / HardSwish blocks", spec: () => hardSwishBlocksModel(200) },
  { name: "60 ops reading one value in both operands", spec: () => sharedOperandModel(60) },
  { name: "400-node shape computation that folds away", spec: () => shapeChainModel(400) },
  { name: "If with 500 nodes in each branch", spec: () => bigIfModel(500), flags: [1, 0] },
  { name: "Loop nested 3 deep", spec: () => nestedLoopModel() },
  { name: "2,000 Constant nodes feeding Add/Mul", spec: () => constantsModel(2000) },
];

describe("stress models: deep and large graphs", function () {
  this.timeout(600_000);
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir("stress"); });
  after(() => cleanup(dir));

  it("ten times larger models compile for C and wasm with a quarter of the default stack", async () => {
    // Stack use that grew with the model would overflow here long before it did at default size.
    const big: [string, ModelSpec][] = [["chain", chainModel(30000)], ["constants", constantsModel(10000)], ["if", bigIfModel(5000)], ["shared", sharedOperandModel(600)]];
    for (const [name, spec] of big) {
      const file = path.join(dir!, `${name}.onnx`);
      fs.writeFileSync(file, buildModel(spec));
      for (const target of ["c", "wasm"]) {
        const res = await runProcess(process.execPath, ["--stack-size=250", EDGEC, "compile", file, "--target", target, "-o", path.join(dir!, `${name}-${target}`)], { timeoutMs: 300_000 });
        expect(res.status, `${name} ${target}: ${res.stderr}`).to.equal(0);
      }
    }
  });

  CASES.forEach((cs, k) => {
    it(`${cs.name}: C and wasm at -O0 and -O2`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const spec = cs.spec();
      const d = path.join(dir!, `m${k}`);
      await writeCase(d, spec, (cs.flags ?? [1]).map((f, i) => feedFor(spec, 100 + i, f)));
      for (const target of ["c", "wasm"])
        for (const opt of ["-O0", "-O2"]) {
          const res = await edgec("test", d, "--target", target, opt);
          expect(res.status, `${target} ${opt}: ${res.stdout}${res.stderr}`).to.equal(0);
          expect(res.stdout.trim().split("\n").pop()).to.equal("PASS");
        }
    });
  });
});
