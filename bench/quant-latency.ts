/**
 * @fileoverview `npm run bench:quant-latency`: float against `edgec quantize` int8 on the host, per
 * shared model, all in one interleaved run: edgec `--target native` float and int8 (the harness's
 * `-n K`, fresh process per round), int8 and int4-weights, and ONNX Runtime on the float and on the QDQ model (1 thread).
 * The int8 model is calibrated on the model's test_data_set_0 (minmax). Writes
 * bench/results-quant-latency.md.
 *
 *   node --import ./bin/register.mjs bench/quant-latency.ts [--models a,b] [--rounds N] [--round-ms MS] [--out FILE]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { compileFile, writeCArtifact } from "../compiler/api.ts";
import { resolveCTarget } from "../compiler/c-targets.ts";
import { DEFAULT_REQUEST, quantizeModel } from "../compiler/quantize.ts";
import { buildHarness } from "../compiler/testrun.ts";
import { BENCH_CFLAGS, OrtWorker, fmtInt, fmtMs, machine, median, msg, timeEdgec, writeRawInputs } from "./run.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SHARED = path.resolve(HERE, "..", process.env.EDGEC_SHARED ?? "../shared");
const NATIVE = resolveCTarget("native");
const DEFAULT = ["resnet18", "mobilenet_v2", "squeezenet1_1", "kws_dscnn", "vww_mobilenetv1_025", "ic_resnet8", "ad_autoencoder"];
const { values } = parseArgs({
  options: {
    models: { type: "string" }, rounds: { type: "string", default: "5" }, "round-ms": { type: "string", default: "400" },
    out: { type: "string" },
  },
});
const rounds = Number(values.rounds), roundMs = Number(values["round-ms"]);

interface Engine { label: string; time: (k: number) => Promise<number>; k?: number; us: number[] }
interface Row { name: string; errors: string[]; ms: Record<string, number>; weights?: number[]; arena?: number[] }

/** A harness for `model` on `inputs`, built for the host's best level, and its compile report. */
async function edgecEngine(label: string, model: string, inputs: string[], work: string) {
  const compiled = compileFile(model, { cTarget: NATIVE });
  const dir = path.join(work, label);
  writeCArtifact(compiled, dir, { cTarget: NATIVE });
  const exe = await buildHarness(dir, { cflags: BENCH_CFLAGS });
  const wbin = path.join(dir, "model_weights.bin");
  const args = [fs.existsSync(wbin) ? wbin : "-", ...inputs, ...compiled.program.outputs.map((_, i) => path.join(work, `${label}_out${i}.raw`))];
  const engine: Engine = { label, us: [], time: async (k) => (await timeEdgec(exe, args, k)).us };
  return { engine, report: compiled.report };
}

async function ortEngine(label: string, model: string, inputs: { dtype: string; shape: number[]; file: string }[], outputs: number, work: string) {
  const spec = path.join(work, `${label}.json`);
  fs.writeFileSync(spec, JSON.stringify({ model, inputs, outputs: Array.from({ length: outputs }, (_, i) => path.join(work, `${label}_out${i}.raw`)) }));
  const w = await OrtWorker.start(spec);
  const engine: Engine = { label, us: [], time: async (k) => (await w.time(k)).us };
  return { engine, worker: w };
}

async function benchModel(name: string, work: string): Promise<Row> {
  const row: Row = { name, errors: [], ms: {} };
  const dir = path.join(SHARED, "models", name);
  fs.mkdirSync(work, { recursive: true });
  const workers: OrtWorker[] = [];
  try {
    const set = path.join(dir, "test_data_set_0");
    const inputs = writeRawInputs(set, work);
    let outputs = 0;
    while (fs.existsSync(path.join(set, `output_${outputs}.pb`))) outputs++;
    const q = await quantizeModel(path.join(dir, "model.onnx"), dir, DEFAULT_REQUEST);
    const int8 = path.join(work, "int8.onnx");
    fs.writeFileSync(int8, q.model);
    const int4 = path.join(work, "int4.onnx");
    fs.writeFileSync(int4, (await quantizeModel(path.join(dir, "model.onnx"), undefined, { ...DEFAULT_REQUEST, scheme: "int4-weights" })).model);
    const files = inputs.map((x) => x.file);
    const f = await edgecEngine("float", path.join(dir, "model.onnx"), files, work);
    const i8 = await edgecEngine("int8", int8, files, work);
    const i4 = await edgecEngine("int4", int4, files, work);
    row.weights = [f.report.weights_bytes, i8.report.weights_bytes, i4.report.weights_bytes];
    row.arena = [f.report.arena_bytes, i8.report.arena_bytes, i4.report.arena_bytes];
    const of = await ortEngine("ort-float", path.join(dir, "model.onnx"), inputs, outputs, work);
    const oq = await ortEngine("ort-int8", int8, inputs, outputs, work);
    workers.push(of.worker, oq.worker);
    const engines = [f.engine, i8.engine, i4.engine, of.engine, oq.engine];
    for (const e of engines) e.k = Math.max(1, Math.min(200_000, Math.round((roundMs * 1000) / Math.max(await e.time(3), 0.05))));
    for (let r = 0; r < rounds; r++)
      for (let j = 0; j < engines.length; j++) {
        const e = engines[(j + r) % engines.length]!;
        e.us.push(await e.time(e.k!));
      }
    for (const e of engines) row.ms[e.label] = median(e.us) / 1000;
    for (const w of workers) await w.finish();
  } catch (e) {
    row.errors.push(msg(e));
  } finally {
    for (const w of workers) w.kill();
  }
  return row;
}

if (!fs.existsSync(path.join(SHARED, "models"))) {
  console.log(`skipped: ${path.join(SHARED, "models")} not found (set EDGEC_SHARED)`);
  process.exit(0);
}
const names = values.models ? values.models.split(",") : DEFAULT;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-bench-quant-"));
const started = Date.now();
const rows: Row[] = [];
try {
  for (const n of names) {
    process.stderr.write(`bench: ${n} ...`);
    const row = await benchModel(n, path.join(tmp, n));
    rows.push(row);
    process.stderr.write(row.errors.length ? ` ${row.errors.join("; ")}\n` : ` float ${fmtMs(row.ms.float)} ms, int8 ${fmtMs(row.ms.int8)} ms, int4 ${fmtMs(row.ms.int4)} ms\n`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : "—");
const ok = rows.filter((r) => !r.errors.length);
const geo = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const md = [
  "# edgec int8 against float on the host",
  "",
  `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  `- machine: ${machine()}`,
  `- edgec: \`--target native\` (${NATIVE}), C built with \`${BENCH_CFLAGS.join(" ")}\`; ONNX Runtime: onnxruntime-node, CPU provider, 1 thread, on the float model and on the same QDQ model`,
  "- int4-w: `edgec quantize --scheme int4-weights` (blocks of 128, float activations): the weights stay packed two a byte and each kernel unpacks them as it reads them",
  "- int8: `edgec quantize` (minmax, calibrated on the model's test_data_set_0; per-channel int8 weights, s8 activations, int32 bias); Conv, Gemm and 2-D MatMul quantized, the rest stays float between Q/DQ pairs",
  `- method: ${rounds} rounds, each timing every engine K runs (K for ~${roundMs} ms, engine order rotating per round); the table gives the median over rounds of each round's median; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  "",
  "| model | edgec float ms | edgec int8 ms | int8 / float | edgec int4-w ms | int4-w / float | ORT float ms | ORT int8 ms | ORT int8 / float | edgec int8 / ORT int8 | weights float → int8 → int4-w | arena float → int8 → int4-w |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((r) => r.errors.length ? `| ${r.name} | error: ${r.errors.join("; ")} | | | | | | | | | | |`
    : `| ${r.name} | ${fmtMs(r.ms.float)} | ${fmtMs(r.ms.int8)} | ${ratio(r.ms.int8, r.ms.float)} | ${fmtMs(r.ms.int4)} | ${ratio(r.ms.int4, r.ms.float)} | ${fmtMs(r.ms["ort-float"])} | ${fmtMs(r.ms["ort-int8"])} | ${ratio(r.ms["ort-int8"], r.ms["ort-float"])} | ${ratio(r.ms.int8, r.ms["ort-int8"])} | ${r.weights!.map(fmtInt).join(" → ")} | ${r.arena!.map(fmtInt).join(" → ")} |`),
  "",
  ok.length ? `Geometric mean over ${ok.length} models: edgec int8 / float ${geo(ok.map((r) => r.ms.int8! / r.ms.float!)).toFixed(2)}, int4-weights / float ${geo(ok.map((r) => r.ms.int4! / r.ms.float!)).toFixed(2)}, edgec int8 / ORT int8 ${geo(ok.map((r) => r.ms.int8! / r.ms["ort-int8"]!)).toFixed(2)}.` : "",
  "",
].join("\n");
console.log(md);
const out = values.out ?? (values.models ? undefined : path.join(HERE, "results-quant-latency.md"));
if (out) fs.writeFileSync(out, md);
