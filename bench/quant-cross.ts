/**
 * @fileoverview `npm run bench:quant-cross`: instructions per inference of float against `edgec
 * quantize` int8 on `--target aarch64` under qemu-aarch64, per shared model (no wall time under
 * emulation: bench/icount.ts's counter, count(-k 2) - count(-k 1)). The int8 model is calibrated on
 * the model's test_data_set_0 (minmax). Writes bench/results-quant-cross.md.
 *
 *   node --import ./bin/register.mjs bench/quant-cross.ts [--models a,b] [--out FILE]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { TARGETS } from "../ir/target.ts";
import { compileFile, writeCArtifact } from "../compiler/api.ts";
import { DEFAULT_REQUEST, quantizeModel } from "../compiler/quantize.ts";
import { buildHarness } from "../compiler/testrun.ts";
import { buildPlugin, limit, perInference, qemuFor } from "./icount.ts";
import { fmtInt, machine, msg, writeRawInputs } from "./run.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
const SHARED = path.resolve(HERE, "..", process.env.EDGEC_SHARED ?? "../shared");
const DEFAULT = ["kws_dscnn", "ic_resnet8", "vww_mobilenetv1_025", "ad_autoencoder", "mobilenet_v2", "resnet18"];
const { values } = parseArgs({ options: { models: { type: "string" }, out: { type: "string" } } });
const A64 = TARGETS.aarch64;
const FLAGS = ["-std=c99", "-O3", "-Wall", "-Wextra", ...A64.cflags, "-static"];
const slots = limit(Math.max(1, os.availableParallelism()));

interface Row { name: string; float?: number; int8?: number; dot?: number; kernels?: [number, number]; error?: string }

async function count(model: string, inputs: string[], dir: string, plugin: string): Promise<{ n: number; dot: number; kernels: number }> {
  const compiled = compileFile(model, { cTarget: "aarch64" });
  writeCArtifact(compiled, dir, { cTarget: "aarch64" });
  const exe = await slots(() => buildHarness(dir, { cc: A64.cc, cflags: FLAGS }));
  const wbin = path.join(dir, "model_weights.bin");
  const outs = compiled.program.outputs.map((_, i) => path.join(dir, `out${i}.raw`));
  const r = await perInference(plugin, qemuFor("aarch64"), exe, [fs.existsSync(wbin) ? wbin : "-", ...inputs, ...outs], { slots });
  return { n: r.perRun, dot: compiled.report.fusions["conv-dot4"] ?? 0, kernels: compiled.report.kernels };
}

async function benchModel(name: string, work: string, plugin: string): Promise<Row> {
  const dir = path.join(SHARED, "models", name);
  fs.mkdirSync(work, { recursive: true });
  try {
    const inputs = writeRawInputs(path.join(dir, "test_data_set_0"), work).map((x) => x.file);
    const q = await quantizeModel(path.join(dir, "model.onnx"), dir, DEFAULT_REQUEST);
    const int8 = path.join(work, "int8.onnx");
    fs.writeFileSync(int8, q.model);
    const [f, i] = await Promise.all([count(path.join(dir, "model.onnx"), inputs, path.join(work, "float"), plugin), count(int8, inputs, path.join(work, "int8"), plugin)]);
    return { name, float: f.n, int8: i.n, dot: i.dot, kernels: [f.kernels, i.kernels] };
  } catch (e) {
    return { name, error: msg(e) };
  }
}

if (!fs.existsSync(path.join(SHARED, "models"))) {
  console.log(`skipped: ${path.join(SHARED, "models")} not found (set EDGEC_SHARED)`);
  process.exit(0);
}
const names = values.models ? values.models.split(",") : DEFAULT;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-bench-qcross-"));
const started = Date.now();
let rows: Row[];
try {
  const plugin = await buildPlugin(tmp);
  rows = await Promise.all(names.map((n) => benchModel(n, path.join(tmp, n), plugin).then((r) => {
    process.stderr.write(`bench: ${n}: ${r.error ?? `float ${fmtInt(r.float)}, int8 ${fmtInt(r.int8)}`}\n`);
    return r;
  })));
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
const ok = rows.filter((r) => !r.error);
const geo = (xs: number[]) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const md = [
  "# edgec int8 against float on aarch64: instructions per inference",
  "",
  `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
  `- machine: ${machine()}`,
  `- build: \`--target aarch64\` (NEON; int8 dot products as SDOT), \`${A64.cc} ${FLAGS.join(" ")}\`, run under qemu-aarch64`,
  "- count: dynamic instructions of one inference (bench/qemu/icount.c; count(-k 2) - count(-k 1)), deterministic; no wall time under emulation",
  "- int8: `edgec quantize` (minmax, calibrated on the model's test_data_set_0; per-channel int8 weights, s8 activations); dot-product convs = QLinearConvs in the SDOT form (passes/conv-dot.ts); depthwise convs stay on the 32-bit lane path",
  `- total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  "",
  "| model | float | int8 | int8 / float | dot-product convs | kernels float / int8 |",
  "| --- | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map((r) => r.error ? `| ${r.name} | error: ${r.error} | | | | |`
    : `| ${r.name} | ${fmtInt(r.float)} | ${fmtInt(r.int8)} | ${(r.int8! / r.float!).toFixed(2)} | ${r.dot} | ${r.kernels![0]} / ${r.kernels![1]} |`),
  "",
  ok.length ? `Geometric mean of int8 / float over ${ok.length} models: ${geo(ok.map((r) => r.int8! / r.float!)).toFixed(2)}.` : "",
  "",
].join("\n");
console.log(md);
const out = values.out ?? (values.models ? undefined : path.join(HERE, "results-quant-cross.md"));
if (out) fs.writeFileSync(out, md);
