/**
 * @fileoverview Winograd F(2x2, 3x3) convolutions end to end, against ONNX Runtime: padded and
 * unpadded 3x3 convs (odd output sizes cut the last tiles) with bias, ReLU and a residual add,
 * through the C target with --winograd on (sanitizers on) and the wasm target, where it is the
 * default and stores the kernels untransformed (the loader transforms them); the report counts
 * the rewritten convs, and --winograd takes only on or off.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, buildModel, rng, uniform, writeModelDir } from "../helpers/onnx-builder.ts";

const C = 64, H = 9, W = 7, M = 64;
const r = rng(11);
const spec: ModelSpec = {
  inputs: [{ name: "x", dtype: "f32", shape: [1, C, H, W] }],
  outputs: [{ name: "y", dtype: "f32", shape: [1, M, H - 2, W - 2] }],
  initializers: [
    { name: "w1", dtype: "f32", dims: [M, C, 3, 3], data: uniform(r, M * C * 9, -0.3, 0.3) },
    { name: "b1", dtype: "f32", dims: [M], data: uniform(r, M) },
    { name: "w2", dtype: "f32", dims: [M, M, 3, 3], data: uniform(r, M * M * 9, -0.3, 0.3) },
  ],
  nodes: [
    { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: { pads: [1, 1, 1, 1] } },
    { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
    { op: "Conv", inputs: ["r1", "w2"], outputs: ["c2"], attrs: { pads: [1, 1, 1, 1] } },
    { op: "Add", inputs: ["c2", "r1"], outputs: ["s"] },
    // Unpadded, odd output sizes (7 x 5).
    { op: "Conv", inputs: ["s", "w2"], outputs: ["y"] },
  ],
};

describe("Winograd convolutions", function () {
  this.timeout(300_000);
  let dir: string;
  let model: string;
  let cc = false;
  before(async () => {
    cc = await haveCc();
    dir = tempDir("edgec-wino-");
    const x = uniform(r, C * H * W);
    const sess = await ort.InferenceSession.create(buildModel(spec));
    const y = (await sess.run({ x: new ort.Tensor("float32", x, [1, C, H, W]) })).y!;
    model = writeModelDir(path.join(dir, "model"), spec, [{ name: "x", dtype: "f32", dims: [1, C, H, W], data: x }],
      [{ name: "y", dtype: "f32", dims: [...y.dims], data: y.data as Float32Array }]);
  });
  after(() => cleanup(dir));

  it("C with --winograd on: matches ONNX Runtime under ASan/UBSan, and the report counts three rewrites", async function () {
    if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const t = await edgec("test", model, "--winograd", "on", "--sanitize");
    expect(t.status, t.stdout + t.stderr).to.equal(0);
    const out = path.join(dir, "c-out");
    const cRes = await edgec("compile", path.join(model, "model.onnx"), "--winograd", "on", "-o", out);
    expect(cRes.status, cRes.stderr).to.equal(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8")).fusions.winograd).to.equal(3);
    const plain = path.join(dir, "c-plain");
    expect((await edgec("compile", path.join(model, "model.onnx"), "-o", plain)).status).to.equal(0);
    expect(JSON.parse(fs.readFileSync(path.join(plain, "report.json"), "utf8")).fusions.winograd).to.equal(undefined);
  });

  it("wasm (on by default) and wasm --winograd off both match ONNX Runtime", async () => {
    for (const extra of [[], ["--winograd", "off"]]) {
      const t = await edgec("test", model, "--target", "wasm", ...extra);
      expect(t.status, `${extra.join(" ")}: ${t.stdout}${t.stderr}`).to.equal(0);
    }
  });

  it("wasm stores the 3x3 kernels, not their 16/9 larger transform, which the loader computes", async () => {
    const out = path.join(dir, "wasm-out");
    expect((await edgec("compile", path.join(model, "model.onnx"), "--target", "wasm", "-o", out)).status).to.equal(0);
    const rep = JSON.parse(fs.readFileSync(path.join(out, "report.json"), "utf8"));
    expect(rep.fusions.winograd).to.equal(3);
    // Two distinct kernels (w2 serves two convs, which share one transform), 16/9 larger transformed.
    const kernels = (M * C + M * M) * 9 * 4;
    expect(rep.weights_bytes).to.be.at.least(kernels * 16 / 9).and.below(kernels * 16 / 9 + 2048);
    // A module holding the transforms would be larger than all the weights.
    expect(rep.wasm_bytes).to.be.below(rep.weights_bytes);
    expect(fs.readFileSync(path.join(out, "model.mjs"), "utf8")).to.include("function winogradWeights(");
  });

  it("rejects a --winograd value other than on or off in one line", async () => {
    const t = await edgec("compile", path.join(model, "model.onnx"), "--winograd", "yes", "-o", path.join(dir, "bad"));
    expect(t.status).to.not.equal(0);
    expect(t.stderr.trim()).to.equal("edgec: error: --winograd takes on or off, not 'yes'");
    expect(fs.existsSync(path.join(dir, "bad"))).to.equal(false);
  });
});
