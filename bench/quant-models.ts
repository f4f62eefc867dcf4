/**
 * @fileoverview `npm run bench:quant-models`: every shared model quantized to int8 (with and
 * without bias correction) and to int4-weights, against its float model: SQNR of each quantized model's first output against
 * the float model's on the test input, top-1 agreement for the classifiers, and weight and arena
 * bytes of the `c` target. All outputs come from edgec's wasm build (in process). Writes
 * bench/results-quant-models.md.
 *
 *   node --import ./bin/register.mjs bench/quant-models.ts [--models a,b] [--out FILE]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { compileGraph } from "../compiler/api.ts";
import { importModel } from "../compiler/onnx/import.ts";
import { readTensorFile } from "../compiler/onnx/tensor.ts";
import { DEFAULT_REQUEST, QuantizeRequest, quantizeModel } from "../compiler/quantize.ts";
import { listDataSets } from "../compiler/testrun.ts";
import { wasmSession } from "../compiler/wasm-session.ts";
import { TypedArray } from "../ir/dtype.ts";
import { tileFor } from "../passes/schedule-tile.ts";
import { fmtInt, machine, msg } from "./run.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SHARED = path.resolve(HERE, "..", process.env.EDGEC_SHARED ?? "../shared");
const DEFAULT = ["resnet18", "mobilenet_v2", "squeezenet1_1", "bert_tiny", "digits_cnn", "kws_dscnn", "vww_mobilenetv1_025", "ic_resnet8", "ad_autoencoder"];
const { values } = parseArgs({ options: { models: { type: "string" }, out: { type: "string" } } });

const CLASSIFIERS = new Set(["resnet18", "mobilenet_v2", "squeezenet1_1", "digits_cnn", "kws_dscnn", "vww_mobilenetv1_025", "ic_resnet8"]);

interface Variant { label: string; sqnr?: number; agree?: [number, number]; weights: number; arena: number; error?: string }

const argmax = (l: ArrayLike<number>) => { let a = 0; for (let k = 1; k < l.length; k++) if (l[k]! > l[a]!) a = k; return a; };

/** 10 log10(sum y^2 / sum (y - q)^2) over every element of every sample, in dB. */
function sqnr(ref: Float32Array[], got: Float32Array[]): number {
  let s = 0, e = 0;
  ref.forEach((r, i) => r.forEach((y, j) => { s += y * y; e += (y - got[i]![j]!) ** 2; }));
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

/** The model's first output on each feed, from edgec's wasm build, and its c-target report. */
async function run(model: Uint8Array, dir: string, feeds: Record<string, TypedArray>[]) {
  const report = compileGraph(importModel(model, dir), { optLevel: 2, tile: tileFor("c") }).report;
  const g = importModel(model, dir);
  const first = g.outputs[0]!;
  const s = await wasmSession(g);
  return { outs: feeds.map((f) => s.run(f)[first] as Float32Array), report };
}

async function benchModel(name: string): Promise<{ name: string; classifier: boolean; samples: number; calibration: string; rows: Variant[] }> {
  const dir = path.join(SHARED, "models", name);
  const file = path.join(dir, "model.onnx");
  const g = importModel(fs.readFileSync(file), dir);
  // digits_cnn has labelled test images; the others their test_data_set_* inputs.
  const images = name === "digits_cnn" ? readTensorFile(path.join(dir, "data", "test_images.pb")).data as Float32Array : undefined;
  const feeds: Record<string, TypedArray>[] = images
    ? Array.from({ length: images.length / 64 }, (_, i) => ({ [g.inputs[0]!]: images.subarray(i * 64, (i + 1) * 64) }))
    : listDataSets(dir).map((s) => Object.fromEntries(g.inputs.map((n, k) => [n, readTensorFile(path.join(dir, s, `input_${k}.pb`)).data])));
  const calibration = name === "digits_cnn" ? path.join(dir, "data", "calibration_images.pb") : dir;
  const classifier = CLASSIFIERS.has(name);
  const float = await run(fs.readFileSync(file), dir, feeds);
  const rows: Variant[] = [{ label: "float", weights: float.report.weights_bytes, arena: float.report.arena_bytes }];
  const variants: [string, QuantizeRequest][] = [["int8", DEFAULT_REQUEST], ["int4-weights", { ...DEFAULT_REQUEST, scheme: "int4-weights" }],
    ["int8 bias-corrected", { ...DEFAULT_REQUEST, biasCorrection: true }]];
  for (const [label, req] of variants) {
    try {
      const q = await quantizeModel(file, req.scheme === "int8" ? calibration : undefined, req);
      const r = await run(q.model, dir, feeds);
      const agree = float.outs.filter((o, i) => argmax(o) === argmax(r.outs[i]!)).length;
      rows.push({ label, sqnr: sqnr(float.outs, r.outs), agree: classifier ? [agree, feeds.length] : undefined, weights: r.report.weights_bytes, arena: r.report.arena_bytes });
    } catch (e) {
      rows.push({ label, weights: 0, arena: 0, error: msg(e) });
    }
  }
  return { name, classifier, samples: feeds.length, calibration: name === "digits_cnn" ? "data/calibration_images.pb (200 images)" : "test_data_set_0", rows };
}

if (!fs.existsSync(path.join(SHARED, "models"))) {
  console.log(`skipped: ${path.join(SHARED, "models")} not found (set EDGEC_SHARED)`);
  process.exit(0);
}
const names = values.models ? values.models.split(",") : DEFAULT;
const results = [];
for (const n of names) {
  process.stderr.write(`bench: ${n} ...`);
  const r = await benchModel(n);
  results.push(r);
  process.stderr.write(` ${r.rows.slice(1).map((v) => `${v.label} ${v.error ?? `${v.sqnr!.toFixed(1)} dB`}`).join(", ")}\n`);
}
const ratio = (a: number, b: number) => (a / b).toFixed(3);
const md = [
  "# edgec quantization across the shared models",
  "",
  `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  `- machine: ${machine()}`,
  "- int8: `edgec quantize` (minmax, per-channel int8 weights, s8 activations, int32 bias; embedding tables int8 per column), calibrated on the data named per model. For all but digits_cnn that is the very input it is then measured on (the models ship one test input), so their int8 SQNR is an upper bound",
  "- int8 + bias correction: the same with `--bias-correction` (each bias moved by (W − W_q) · mean of its input per channel, the mean from the calibration data)",
  "- int4-weights: `edgec quantize --scheme int4-weights` (blocks of 128 along the reduced axis, float activations); no calibration",
  "- SQNR: 10 log10(Σ y² / Σ (y − y_q)²) of the first output, y from the float model, y_q from the quantized one, both edgec's wasm build, over the samples listed; top-1 agree: samples whose argmax is the float model's (classifiers only)",
  "- weight and arena bytes: `edgec compile --target c` report (-O2)",
  "",
  "| model | samples | int8 SQNR dB | int8 top-1 agree | int8 + bias correction SQNR dB | int4-w SQNR dB | int4-w top-1 agree | weights float | int8 | int8 / float | int4-w | int4-w / float | arena float → int8 → int4-w |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...results.map(({ name, samples, rows: [f, i8, i4, bc] }) => {
    const cell = (v: Variant) => (v.error ? `error: ${v.error}` : v.sqnr === Infinity ? "exact" : v.sqnr!.toFixed(1));
    const agree = (v: Variant) => (v.agree ? `${v.agree[0]}/${v.agree[1]}` : "—");
    const w = (v: Variant) => (v.error ? "—" : fmtInt(v.weights));
    const rw = (v: Variant) => (v.error ? "—" : ratio(v.weights, f!.weights));
    return `| ${name} | ${samples} | ${cell(i8!)} | ${agree(i8!)} | ${cell(bc!)} | ${cell(i4!)} | ${agree(i4!)} | ${fmtInt(f!.weights)} | ${w(i8!)} | ${rw(i8!)} | ${w(i4!)} | ${rw(i4!)} | ${[f!, i8!, i4!].map((v) => (v.error ? "—" : fmtInt(v.arena))).join(" → ")} |`;
  }),
  "",
].join("\n");
console.log(md);
const out = values.out ?? (values.models ? undefined : path.join(HERE, "results-quant-models.md"));
if (out) fs.writeFileSync(out, md);
