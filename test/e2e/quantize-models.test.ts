/**
 * @fileoverview The MLPerf Tiny models quantized by `edgec quantize` (calibrated on their test
 * input) run on c, native, wasm and aarch64 (its convolutions as SDOT dot products, under
 * qemu-aarch64) as they run in ONNX Runtime. Their outputs are float softmax
 * probabilities behind integer kernels: a requantized value one step off would move them by about
 * 1e-2, so the tolerance (rtol 1e-5) checks that every integer kernel agrees with ONNX Runtime's
 * exactly and leaves only the float softmax's last-bit differences.
 */
import { expect } from "chai";
import * as path from "node:path";
import { DEFAULT_REQUEST, quantizeModel } from "../../compiler/quantize.ts";
import { readTensorFile } from "../../compiler/onnx/tensor.ts";
import { TestTarget, testDir } from "../../compiler/testrun.ts";
import { cToolchain, resolveCTarget } from "../../compiler/c-targets.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { writeOrtCase } from "../helpers/quant.ts";
import { sharedDir } from "../shared.ts";

const MODELS = ["kws_dscnn", "ic_resnet8", "vww_mobilenetv1_025", "ad_autoencoder"];

describe("quantized shared models on c, native, wasm and aarch64", function () {
  this.timeout(900_000);
  let scratch: string;
  let cc = false;
  let a64 = false;
  before(async () => {
    scratch = tempDir("quantize-models");
    cc = await haveCc();
    try {
      cToolchain("aarch64");
      a64 = true;
    } catch (e) {
      console.log(`  aarch64 left out: ${(e as Error).message}`);
    }
  });
  after(() => cleanup(scratch));

  for (const name of MODELS) {
    it(`${name}: integer kernels as in ONNX Runtime`, async function () {
      const dir = sharedDir(`models/${name}`);
      if (!dir) this.skip();
      const q = await quantizeModel(path.join(dir!, "model.onnx"), dir!, DEFAULT_REQUEST);
      const x = readTensorFile(path.join(dir!, "test_data_set_0", "input_0.pb"));
      const cases = path.join(scratch, name);
      await writeOrtCase(cases, q.model, x.name, x.shape, [x.data as Float32Array]);
      // x86-64-v4 without VNNI: integer Convs (no dot-product form) read their padding in place.
      const v4 = cc && resolveCTarget("native").startsWith("x86-64-v4") && resolveCTarget("native") !== "x86-64-v4";
      const targets: TestTarget[] = [...(cc ? ["c", "native"] as const : []), ...(v4 ? ["x86-64-v4"] as const : []), "wasm", ...(a64 ? ["aarch64"] as const : [])];
      for (const target of targets) {
        const t = await testDir(cases, { target, rtol: 1e-5, atol: 1e-6 });
        expect(t.pass, `${target}: ${t.results.map((r) => `${r.set} ${r.maxAbs}`).join(", ")}`).to.equal(true);
        expect(t.compiled.report.fusions.qdq, target).to.be.greaterThan(0);
        if (target === "aarch64") expect(t.compiled.report.fusions["conv-dot4"], target).to.be.greaterThan(0);
      }
    });
  }
});
