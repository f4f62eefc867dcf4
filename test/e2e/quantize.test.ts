/**
 * @fileoverview `edgec quantize`: its QDQ output runs in ONNX Runtime, and edgec's compiled code
 * for it (target c) matches ONNX Runtime's outputs within one quantization step of the output;
 * `edgec compile --quantize int8` compiles the same model in one step; bad calibration data gives
 * one error line and writes nothing.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import ort from "onnxruntime-node";
import { DEFAULT_REQUEST, quantizeModel } from "../../compiler/quantize.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { readTensorFile } from "../../compiler/onnx/tensor.ts";
import { testDir } from "../../compiler/testrun.ts";
import { cleanup, edgec, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, rng, tensorFile, uniform, writeModelDir } from "../helpers/onnx-builder.ts";
import { outputStep, writeOrtCase } from "../helpers/quant.ts";
import { sharedDir } from "../shared.ts";

const r = rng(11);
// Conv+Relu, Conv (no bias)+Clip, Flatten, Gemm (transB), MatMul: every quantized form.
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: "x", dtype: "f32", shape: [1, 2, 6, 6] }],
  outputs: [{ name: "y", dtype: "f32", shape: [1, 4] }],
  initializers: [
    { name: "w1", dtype: "f32", dims: [4, 2, 3, 3], data: uniform(r, 72, -0.5, 0.5) },
    { name: "b1", dtype: "f32", dims: [4], data: uniform(r, 4, -0.2, 0.2) },
    { name: "w2", dtype: "f32", dims: [3, 4, 1, 1], data: uniform(r, 12, -1, 1) },
    { name: "lo", dtype: "f32", dims: [], data: [0] },
    { name: "hi", dtype: "f32", dims: [], data: [1.5] },
    { name: "w3", dtype: "f32", dims: [5, 27], data: uniform(r, 135, -0.3, 0.3) },
    { name: "b3", dtype: "f32", dims: [5], data: uniform(r, 5, -0.1, 0.1) },
    { name: "w4", dtype: "f32", dims: [5, 4], data: uniform(r, 20, -1, 1) },
  ],
  nodes: [
    { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: { pads: [1, 1, 1, 1] } },
    { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
    { op: "Conv", inputs: ["r1", "w2"], outputs: ["c2"], attrs: { strides: [2, 2] } },
    { op: "Clip", inputs: ["c2", "lo", "hi"], outputs: ["r2"] },
    { op: "Flatten", inputs: ["r2"], outputs: ["f"] },
    { op: "Gemm", inputs: ["f", "w3", "b3"], outputs: ["g"], attrs: { transB: 1 } },
    { op: "MatMul", inputs: ["g", "w4"], outputs: ["y"] },
  ],
};

const sample = () => uniform(r, 72, -1, 1);

describe("edgec quantize", function () {
  this.timeout(600_000);
  let scratch: string;
  let cc = false;
  before(async () => {
    scratch = tempDir("quantize");
    cc = await haveCc();
    writeModelDir(path.join(scratch, "float"), spec);
    for (let k = 0; k < 16; k++) {
      const sd = path.join(scratch, "calib", `test_data_set_${k}`);
      fs.mkdirSync(sd, { recursive: true });
      fs.writeFileSync(path.join(sd, "input_0.pb"), tensorFile({ name: "x", dtype: "f32", dims: [1, 2, 6, 6], data: sample() }));
    }
  });
  after(() => cleanup(scratch));

  for (const method of ["minmax", "percentile", "entropy"]) {
    it(`${method}: writes a QDQ model ONNX Runtime runs, and edgec's C matches it within one output step`, async function () {
      const out = path.join(scratch, `${method}.onnx`);
      const res = await edgec("quantize", path.join(scratch, "float", "model.onnx"), "--calibration", path.join(scratch, "calib"), "-o", out, "--method", method);
      expect(res.status, res.stderr).to.equal(0);
      expect(res.stdout).to.match(/quantized 2 Conv, 1 Gemm, 1 MatMul/);
      const model = new Uint8Array(fs.readFileSync(out));
      // int8 weights in [-127, 127] behind DequantizeLinear; int32 biases; a Q/DQ pair per activation.
      const g = importModel(model, undefined);
      const ops = g.nodes.map((n) => n.op);
      expect(ops.filter((o) => o === "QuantizeLinear")).to.have.length(6); // x, r1, r2, f, g, y
      for (const n of g.nodes.filter((x) => x.op === "DequantizeLinear" && g.constants.has(x.inputs[0]!))) {
        const t = g.constants.get(n.inputs[0]!)!;
        expect(["i8", "i32"]).to.include(t.dtype);
        if (t.dtype === "i8") expect(Math.min(...t.data as Int8Array)).to.be.at.least(-127);
      }
      const cases = path.join(scratch, `case-${method}`);
      await writeOrtCase(cases, model, "x", [1, 2, 6, 6], Array.from({ length: 8 }, sample));
      if (!cc) { console.log("  skipped the C check: no C compiler 'cc' on PATH"); return; }
      const step = outputStep(model, "y");
      const t = await testDir(cases, { target: "c", rtol: 0, atol: step });
      for (const o of t.results) expect(o.maxAbs, `${o.set}: ${o.maxAbs} vs step ${step}`).to.be.at.most(step);
      expect(t.pass).to.equal(true);
      // The integer kernels were used, not float ops on dequantized weights.
      expect(t.compiled.report.fusions.qdq).to.equal(4);
    });
  }

  it("digits_cnn: the QDQ model keeps ORT top-1 at or above 0.9867 and edgec's C matches ORT", async function () {
    const dir = sharedDir("models/digits_cnn");
    if (!dir) this.skip();
    const q = await quantizeModel(path.join(dir!, "model.onnx"), path.join(dir!, "data", "calibration_images.pb"),
      DEFAULT_REQUEST);
    expect(q.quantized).to.deep.equal({ Conv: 2, Gemm: 1 });
    const images = readTensorFile(path.join(dir!, "data", "test_images.pb")).data as Float32Array;
    const labels = readTensorFile(path.join(dir!, "data", "test_labels.pb")).data as BigInt64Array;
    const sess = await ort.InferenceSession.create(q.model);
    let right = 0;
    for (let i = 0; i < 300; i++) {
      const out = await sess.run({ image: new ort.Tensor("float32", images.slice(i * 64, (i + 1) * 64), [1, 1, 8, 8]) });
      const l = out.logits!.data as Float32Array;
      if (BigInt(l.indexOf(Math.max(...l))) === labels[i]) right++;
    }
    expect(right / 300).to.be.at.least(0.9867);
    if (!cc) { console.log("  skipped the C check: no C compiler 'cc' on PATH"); return; }
    const cases = path.join(scratch, "digits");
    await writeOrtCase(cases, q.model, "image", [1, 1, 8, 8], Array.from({ length: 20 }, (_, i) => images.slice(i * 64, (i + 1) * 64)));
    const step = outputStep(q.model, "logits");
    const t = await testDir(cases, { target: "c", rtol: 0, atol: step });
    for (const o of t.results) expect(o.maxAbs, o.set).to.be.at.most(step);
    expect(t.compiled.report.fusions.qdq).to.equal(3);
  });

  it("digits_cnn: bias correction raises the int8 logits' SQNR against float on the 300 test images (in ORT)", async function () {
    const dir = sharedDir("models/digits_cnn");
    if (!dir) this.skip();
    const model = path.join(dir!, "model.onnx"), calib = path.join(dir!, "data", "calibration_images.pb");
    const images = readTensorFile(path.join(dir!, "data", "test_images.pb")).data as Float32Array;
    const logits = async (bytes: Uint8Array) => {
      const sess = await ort.InferenceSession.create(bytes);
      const out: Float32Array[] = [];
      for (let i = 0; i < 300; i++) out.push((await sess.run({ image: new ort.Tensor("float32", images.slice(i * 64, (i + 1) * 64), [1, 1, 8, 8]) })).logits!.data as Float32Array);
      return out;
    };
    const ref = await logits(new Uint8Array(fs.readFileSync(model)));
    const sqnr = (got: Float32Array[]) => {
      let s = 0, e = 0;
      ref.forEach((r, i) => r.forEach((y, j) => { s += y * y; e += (y - got[i]![j]!) ** 2; }));
      return 10 * Math.log10(s / e);
    };
    const plain = sqnr(await logits((await quantizeModel(model, calib, DEFAULT_REQUEST)).model));
    const corrected = sqnr(await logits((await quantizeModel(model, calib, { ...DEFAULT_REQUEST, biasCorrection: true })).model));
    expect(corrected, `plain ${plain.toFixed(2)} dB`).to.be.greaterThan(plain);
  });

  it("compile --quantize int8 writes the same C as compiling 'edgec quantize''s model, and says how it quantized", async () => {
    const float = path.join(scratch, "float", "model.onnx"), calib = path.join(scratch, "calib");
    const qdq = path.join(scratch, "direct.onnx");
    expect((await edgec("quantize", float, "--calibration", calib, "-o", qdq, "--method", "percentile")).status).to.equal(0);
    const viaFile = path.join(scratch, "via-file"), direct = path.join(scratch, "direct");
    const a = await edgec("compile", qdq, "-o", viaFile);
    const b = await edgec("compile", float, "--quantize", "int8", "--calibration", calib, "--method", "percentile", "-o", direct);
    expect(a.status, a.stderr).to.equal(0);
    expect(b.status, b.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(direct, "model.c"), "utf8")).to.equal(fs.readFileSync(path.join(viaFile, "model.c"), "utf8"));
    const report = JSON.parse(fs.readFileSync(path.join(direct, "report.json"), "utf8"));
    expect(report.quantization).to.deep.equal({ scheme: "int8, s8 activations, per-channel weights", method: "percentile", samples: 16, quantized: { Conv: 2, Gemm: 1, MatMul: 1 } });
    expect(report.fusions.qdq).to.equal(4);
    const noData = await edgec("compile", float, "--quantize", "int8", "-o", path.join(scratch, "nodata"));
    expect(noData.status).to.equal(1);
    expect(noData.stderr).to.match(/^edgec: error: --quantize int8 needs --calibration DATA/);
    expect(fs.existsSync(path.join(scratch, "nodata"))).to.equal(false);
  });

  describe("bad input is one error line, and no output", () => {
    const fails = async (args: string[], re: RegExp) => {
      const out = path.join(scratch, "bad.onnx");
      const res = await edgec("quantize", path.join(scratch, "float", "model.onnx"), "-o", out, ...args);
      expect(res.status, res.stderr).to.equal(1);
      expect(res.stderr.trim().split("\n")).to.have.length(1);
      expect(res.stderr).to.match(re);
      expect(fs.existsSync(out)).to.equal(false);
    };
    it("a missing calibration path", () => fails(["--calibration", path.join(scratch, "nope")], /^edgec: error: --calibration .*nope: no such file or folder/));
    it("a missing model", async () => {
      const res = await edgec("quantize", path.join(scratch, "none.onnx"), "--calibration", path.join(scratch, "calib"), "-o", path.join(scratch, "bad.onnx"));
      expect(res.status).to.equal(1);
      expect(res.stderr).to.match(/^edgec: error: cannot read .*none\.onnx/);
    });
    it("a calibration tensor named for another input", () => {
      const sd = path.join(scratch, "named", "test_data_set_0");
      fs.mkdirSync(sd, { recursive: true });
      fs.writeFileSync(path.join(sd, "input_0.pb"), tensorFile({ name: "image", dtype: "f32", dims: [1, 2, 6, 6], data: sample() }));
      return fails(["--calibration", path.join(scratch, "named")], /holds tensor "image" but model input 0 is "x"/);
    });
    it("a batch file whose samples have the wrong shape", () => {
      const f = path.join(scratch, "batch.pb");
      fs.writeFileSync(f, tensorFile({ name: "x", dtype: "f32", dims: [3, 2, 5, 6], data: new Float32Array(180) }));
      return fails(["--calibration", f], /batch\.pb \(a sample of its batch of 3\) has shape \[1x2x5x6\] but input "x" needs \[1x2x6x6\]/);
    });
  });
});
