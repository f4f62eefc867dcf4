/**
 * @fileoverview `npm run bench:quant`: digits_cnn float vs `edgec quantize` int8 (minmax,
 * percentile, entropy) and int4-weights (blocks of 32, 64, 128): top-1 on the 300 labelled test images run through edgec's wasm build
 * (cross-checked against ONNX Runtime on the same model), weight and arena bytes of the `c`
 * target, and wasm latency per image. Writes bench/results-quant.md.
 *
 *   node --import ./bin/register.mjs bench/quant.ts [--out FILE]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import ort from "onnxruntime-node";
import { compileGraph } from "../compiler/api.ts";
import { importModel } from "../compiler/onnx/import.ts";
import { readTensorFile } from "../compiler/onnx/tensor.ts";
import { DEFAULT_REQUEST, quantizeModel } from "../compiler/quantize.ts";
import { wasmSession } from "../compiler/wasm-session.ts";
import { tileFor } from "../passes/schedule-tile.ts";
import { CALIBRATION_METHODS } from "../passes/calibrate.ts";
import { machine } from "./run.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SHARED = path.resolve(HERE, "..", process.env.EDGEC_SHARED ?? "../shared");
const DIR = path.join(SHARED, "models", "digits_cnn");
const { values } = parseArgs({ options: { out: { type: "string", default: path.join(HERE, "results-quant.md") } } });

const argmax = (l: ArrayLike<number>) => { let a = 0; for (let k = 1; k < l.length; k++) if (l[k]! > l[a]!) a = k; return a; };

async function measure(label: string, model: Uint8Array, images: Float32Array, labels: BigInt64Array, ortOpts: ort.InferenceSession.SessionOptions = {}) {
  const n = labels.length;
  const c = compileGraph(importModel(model, undefined), { optLevel: 2, tile: tileFor("c") }).report;
  const s = await wasmSession(importModel(model, undefined));
  const sess = await ort.InferenceSession.create(model, ortOpts);
  let right = 0, ortRight = 0, agree = 0;
  const feeds = Array.from({ length: n }, (_, i) => images.slice(i * 64, (i + 1) * 64));
  for (let i = 0; i < n; i++) {
    const e = argmax(s.run({ image: feeds[i]! }).logits as Float32Array);
    const o = argmax((await sess.run({ image: new ort.Tensor("float32", feeds[i]!, [1, 1, 8, 8]) })).logits!.data as Float32Array);
    if (BigInt(e) === labels[i]) right++;
    if (BigInt(o) === labels[i]) ortRight++;
    if (e === o) agree++;
  }
  // Latency: 5 rounds over all images, median round.
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (const x of feeds) s.run({ image: x });
    rounds.push((performance.now() - t) / n);
  }
  rounds.sort((a, b) => a - b);
  return { label, acc: right / n, ortAcc: ortRight / n, agree, n, weights: c.weights_bytes, arena: c.arena_bytes, kernels: c.kernels, qdq: c.fusions.qdq ?? 0, ms: rounds[2]! };
}

if (!fs.existsSync(DIR)) { console.error(`skipped: ${DIR} not found (set EDGEC_SHARED)`); process.exit(0); }
const images = readTensorFile(path.join(DIR, "data", "test_images.pb")).data as Float32Array;
const labels = readTensorFile(path.join(DIR, "data", "test_labels.pb")).data as BigInt64Array;
const calib = path.join(DIR, "data", "calibration_images.pb");
const rows = [await measure("float", new Uint8Array(fs.readFileSync(path.join(DIR, "model.onnx"))), images, labels)];
for (const method of CALIBRATION_METHODS) {
  const q = await quantizeModel(path.join(DIR, "model.onnx"), calib, { ...DEFAULT_REQUEST, method });
  rows.push(await measure(`int8 ${method}`, q.model, images, labels));
  console.error(`${method} done`);
}
for (const block of [32, 64, 128]) {
  const q = await quantizeModel(path.join(DIR, "model.onnx"), undefined, { ...DEFAULT_REQUEST, scheme: "int4-weights", block });
  rows.push(await measure(`int4-weights block ${block}`, q.model, images, labels, { graphOptimizationLevel: "disabled" }));
}
const fmt = (x: number) => x.toLocaleString("en-US");
const md = [
  "# edgec quantization benchmark: digits_cnn",
  "",
  `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  `- machine: ${machine()}`,
  "- int8: `edgec quantize --method M` (percentile 99.99), 200 calibration images (data/calibration_images.pb), s8 activations, per-channel int8 weights, int32 bias",
  "- int4-weights: `edgec quantize --scheme int4-weights --block B`: Conv and Gemm weights symmetric int4 in blocks of B along the input channels (the first conv, 1 input channel, stays float), float activations; ORT runs it with graph optimizations off (its default turns DequantizeLinear+MatMul into MatMulNBits with int8 activations)",
  "- top-1: the 300 labelled test images run through edgec's wasm build of each model (in process, `compiler/wasm-session.ts`); ORT top-1 is onnxruntime-node 1.30.0 on the same ONNX model; agree = images where both give the same class",
  "- weight and arena bytes: `edgec compile --target c` report (-O2); kernels = its kernel count, qdq = integer kernels fused by the qdq pass",
  "- latency: wasm (binaryen, SIMD128) per image, median of 5 rounds over the 300 images, one thread, including the loader's input/output copies",
  "",
  "| model | top-1 (edgec wasm) | top-1 (ORT) | agree | weight bytes | arena bytes | kernels | qdq | latency ms |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((r) => `| ${r.label} | ${r.acc.toFixed(4)} | ${r.ortAcc.toFixed(4)} | ${r.agree}/${r.n} | ${fmt(r.weights)} | ${fmt(r.arena)} | ${r.kernels} | ${r.qdq} | ${r.ms.toFixed(4)} |`),
  "",
].join("\n");
fs.writeFileSync(values.out!, md);
console.log(md);
