/**
 * @fileoverview `npm run bench:wasm`: edgec's WebAssembly (both routes: binaryen and emscripten)
 * against onnxruntime-web's WASM backend on every shared model, in one Node process, on the same
 * inputs, single-threaded with SIMD.
 *
 * Each model is compiled with `edgec compile --target wasm` and `--target wasm-emscripten` and
 * loaded through its generated model.mjs; onnxruntime-web runs the same model.onnx. Every engine's
 * outputs are first compared with the reference outputs and with each other; then timing is
 * interleaved: each round times K calls of every engine in turn (the order rotates per round), and
 * the table gives the median over rounds of each round's median call time.
 *
 *   tsx bench/wasm.ts [--models a,b] [--rounds N] [--round-ms MS] [--out FILE] [--keep]
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import * as ort from "onnxruntime-web";
import { DType } from "../ir/dtype.ts";
import { readTensorFile } from "../compiler/onnx/tensor.ts";
import { fmtDiff, fmtInt, fmtMs, machine, median, msg, tool } from "./run.ts";

const run = promisify(execFile);
const HERE = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, "..");
const require_ = createRequire(import.meta.url);
/** The module onnxruntime-web's Node entry (dist/ort.node.min.mjs) loads for the wasm backend. */
const ORT_WASM = path.join(path.dirname(require_.resolve("onnxruntime-web")), "ort-wasm-simd-threaded.wasm");

type Typed = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;
interface EdgecModel { run(feeds: Record<string, Typed>): Record<string, Typed> }
interface Engine {
  label: string;
  /** Runs once; returns the outputs in model order. */
  call(): Promise<Typed[]> | Typed[];
}

const ENGINES = ["wasm", "emcc", "ort"] as const;
type EngineKey = typeof ENGINES[number];

interface Options { models?: string[]; rounds: number; roundMs: number; out?: string; keep: boolean }

interface Row {
  name: string;
  ms: Partial<Record<EngineKey, number>>;
  range: Partial<Record<EngineKey, [number, number]>>;
  /** Median over rounds of the process CPU time per call, which machine load inflates far less. */
  cpuMs: Partial<Record<EngineKey, number>>;
  k: Partial<Record<EngineKey, number>>;
  /** Max abs difference from the reference outputs. */
  diff: Partial<Record<EngineKey, number>>;
  /** Max abs difference between each edgec route and onnxruntime-web. */
  vsOrt: Partial<Record<EngineKey, number>>;
  bytes: Partial<Record<EngineKey, number>>;
  compileS: Partial<Record<EngineKey, number>>;
  errors: string[];
}

const ORT_TYPES: Partial<Record<DType, ort.Tensor.Type>> = {
  f32: "float32", f64: "float64", i8: "int8", i16: "int16", i32: "int32", i64: "int64",
  u8: "uint8", u16: "uint16", u32: "uint32", u64: "uint64", bool: "bool", f16: "float16",
};

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    const { values } = parseArgs({ args: argv, options: {
      models: { type: "string" }, rounds: { type: "string", default: "5" }, "round-ms": { type: "string", default: "300" },
      out: { type: "string" }, keep: { type: "boolean", default: false },
    } });
    opts = { models: values.models?.split(",").filter(Boolean), rounds: Math.max(1, Math.floor(Number(values.rounds))),
      roundMs: Number(values["round-ms"]), out: values.out, keep: values.keep! };
    if (!Number.isFinite(opts.rounds) || !(opts.roundMs >= 1)) throw new Error("--rounds and --round-ms take numbers of at least 1");
  } catch (e) {
    console.error(`bench:wasm: ${msg(e)}\nusage: tsx bench/wasm.ts [--models a,b] [--rounds N] [--round-ms MS] [--out FILE] [--keep]`);
    return 2;
  }
  const modelsDir = path.join(path.resolve(process.env.EDGEC_SHARED ?? path.join(ROOT, "..", "shared")), "models");
  if (!fs.existsSync(modelsDir)) {
    console.log(`bench:wasm: no models folder at ${modelsDir} (set EDGEC_SHARED); nothing to measure`);
    return 0;
  }
  let names = fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, "model.onnx"))).sort();
  if (opts.models) {
    const unknown = opts.models.filter((m) => !names.includes(m));
    if (unknown.length) { console.error(`bench:wasm: unknown model(s) ${unknown.join(", ")}; available: ${names.join(", ")}`); return 2; }
    names = names.filter((n) => opts.models!.includes(n));
  }
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-bench-wasm-"));
  const started = Date.now(), load = os.loadavg();
  const rows: Row[] = [];
  try {
    for (const name of names) {
      process.stderr.write(`bench:wasm: ${name} ...`);
      const row = await benchModel(name, path.join(modelsDir, name), path.join(tmp, name), opts);
      rows.push(row);
      process.stderr.write(` wasm ${fmtMs(row.ms.wasm)} ms, emcc ${fmtMs(row.ms.emcc)} ms, ort-web ${fmtMs(row.ms.ort)} ms${row.errors.length ? ` (${row.errors.join("; ")})` : ""}\n`);
    }
  } finally {
    if (opts.keep) console.error(`bench:wasm: build folders kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const text = render(rows, opts, (Date.now() - started) / 1000, load);
  console.log(text);
  const out = opts.out ?? (opts.models ? undefined : path.join(HERE, "results-wasm.md"));
  if (out) {
    fs.writeFileSync(out, text);
    console.error(`bench:wasm: wrote ${path.relative(process.cwd(), out) || out}`);
  }
  return 0;
}

async function benchModel(name: string, dir: string, work: string, opts: Options): Promise<Row> {
  const row: Row = { name, ms: {}, range: {}, cpuMs: {}, k: {}, diff: {}, vsOrt: {}, bytes: {}, compileS: {}, errors: [] };
  const set = path.join(dir, "test_data_set_0");
  const inputs: ReturnType<typeof readTensorFile>[] = [], expected: ReturnType<typeof readTensorFile>[] = [];
  try {
    for (let i = 0; fs.existsSync(path.join(set, `input_${i}.pb`)); i++) inputs.push(readTensorFile(path.join(set, `input_${i}.pb`)));
    for (let i = 0; fs.existsSync(path.join(set, `output_${i}.pb`)); i++) expected.push(readTensorFile(path.join(set, `output_${i}.pb`)));
  } catch (e) {
    row.errors.push(`reading test_data_set_0: ${msg(e)}`);
    return row;
  }
  const engines = new Map<EngineKey, Engine>();
  let ortSession: ort.InferenceSession | undefined;
  for (const [key, target] of [["wasm", "wasm"], ["emcc", "wasm-emscripten"]] as const) {
    try {
      const out = path.join(work, target);
      const t0 = Date.now();
      await run(process.execPath, [path.join(ROOT, "bin", "edgec.mjs"), "compile", path.join(dir, "model.onnx"), "--target", target, "-o", out],
        { timeout: 1_200_000, maxBuffer: 64 << 20 });
      row.compileS[key] = (Date.now() - t0) / 1000;
      row.bytes[key] = fs.statSync(path.join(out, "model.wasm")).size;
      const mod = await import(pathToFileURL(path.join(out, "model.mjs")).href) as { createModel(): Promise<EdgecModel & { inputs: { name: string }[]; outputs: { name: string }[] }> };
      const model = await mod.createModel();
      if (model.inputs.length !== inputs.length) throw new Error(`the model has ${model.inputs.length} inputs but test_data_set_0 has ${inputs.length}`);
      const feeds = Object.fromEntries(model.inputs.map((t, i) => [t.name, inputs[i]!.data as Typed]));
      const outNames = model.outputs.map((t) => t.name);
      engines.set(key, { label: target, call: () => { const r = model.run(feeds); return outNames.map((n) => r[n]!); } });
    } catch (e) {
      row.errors.push(`${target}: ${msg(e)}`);
    }
  }
  try {
    ortSession = await ort.InferenceSession.create(path.join(dir, "model.onnx"), { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
    const s = ortSession;
    const feeds = Object.fromEntries(s.inputNames.map((n, i) => {
      const t = inputs[i]!;
      const type = ORT_TYPES[t.dtype];
      if (!type) throw new Error(`input type ${t.dtype} has no onnxruntime-web mapping`);
      return [n, new ort.Tensor(type, t.data as never, t.shape)];
    }));
    engines.set("ort", { label: "onnxruntime-web", call: async () => { const r = await s.run(feeds); return s.outputNames.map((n) => r[n]!.data as Typed); } });
    row.bytes.ort = fs.statSync(ORT_WASM).size;
  } catch (e) {
    row.errors.push(`onnxruntime-web: ${msg(e)}`);
  }

  // Check before timing: each engine against the reference, each edgec route against ort-web.
  const outs = new Map<EngineKey, Typed[]>();
  for (const [key, eng] of [...engines]) {
    try {
      const got = await eng.call();
      row.diff[key] = maxAbs(got, expected.map((t) => t.data as Typed));
      outs.set(key, got);
    } catch (e) {
      row.errors.push(`${eng.label} run: ${msg(e)}`);
      engines.delete(key);
    }
  }
  for (const key of ["wasm", "emcc"] as const)
    if (outs.has(key) && outs.has("ort")) row.vsOrt[key] = maxAbs(outs.get(key)!, outs.get("ort")!);

  // Warm-up (V8 compiles wasm with a baseline tier first and optimises hot functions later),
  // then K per engine so a round takes about roundMs.
  for (const [key, eng] of engines) {
    for (let t0 = performance.now(), n = 0; n < 3 || performance.now() - t0 < opts.roundMs; n++) await eng.call();
    const t0 = performance.now();
    let n = 0;
    while (n < 3 || (performance.now() - t0 < Math.min(opts.roundMs, 200) && n < 10_000)) { await eng.call(); n++; }
    row.k[key] = Math.max(3, Math.min(100_000, Math.round(opts.roundMs / ((performance.now() - t0) / n))));
  }
  const perRound = new Map<EngineKey, number[]>(), cpuPerRound = new Map<EngineKey, number[]>();
  const keys = [...engines.keys()];
  for (let r = 0; r < opts.rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(r + j) % keys.length]!, eng = engines.get(key)!;
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < row.k[key]!; i++) {
        const t0 = performance.now();
        await eng.call();
        times.push(performance.now() - t0);
      }
      const cpu = process.cpuUsage(cpu0);
      perRound.set(key, [...(perRound.get(key) ?? []), median(times)]);
      cpuPerRound.set(key, [...(cpuPerRound.get(key) ?? []), (cpu.user + cpu.system) / 1000 / row.k[key]!]);
    }
  }
  for (const [key, ms] of perRound) {
    row.ms[key] = median(ms);
    row.range[key] = [Math.min(...ms), Math.max(...ms)];
    row.cpuMs[key] = median(cpuPerRound.get(key)!);
  }
  await ortSession?.release();
  return row;
}

/** Largest absolute difference over all outputs; Infinity when shapes differ or a NaN is unmatched. */
function maxAbs(got: Typed[], want: Typed[]): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  got.forEach((g, i) => {
    const w = want[i]!;
    if (g.length !== w.length) { worst = Infinity; return; }
    for (let j = 0; j < g.length; j++) {
      const a = Number(g[j]), b = Number(w[j]);
      const d = Math.abs(a - b);
      worst = Number.isNaN(d) ? (Number.isNaN(a) && Number.isNaN(b) ? worst : Infinity) : Math.max(worst, d);
    }
  });
  return worst;
}

const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? "—" : (a / b).toFixed(2));
const range = (r?: [number, number]) => (r ? `${fmtMs(r[0])}–${fmtMs(r[1])}` : "—");

function render(rows: Row[], opts: Options, seconds: number, load: number[]): string {
  const ortVersion = (JSON.parse(fs.readFileSync(path.join(path.dirname(ORT_WASM), "..", "package.json"), "utf8")) as { version: string }).version;
  const L: string[] = [
    "# edgec WebAssembly benchmark", "",
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- machine: ${machine()}`,
    `- runtime: Node ${process.version} (V8 ${process.versions.v8}); every engine in the same process, single-threaded, SIMD128`,
    "- edgec wasm: `edgec compile --target wasm` (binaryen); edgec emcc: `edgec compile --target wasm-emscripten` " +
      `(emcc ${/\d+\.\d+\.\d+/.exec(tool("emcc", ["--version"]))?.[0] ?? "(version unknown)"}, -O3 -msimd128); both called through their generated model.mjs \`run()\`, which copies inputs in and outputs out`,
    `- onnxruntime-web ${ortVersion}: WASM execution provider, \`numThreads = 1\`, \`simd = true\`, graph optimisation level "all"; \`await session.run()\` per call`,
    `- method: ${opts.rounds} interleaved rounds per model (engine order rotates each round); each round times K calls per engine (after a warm-up), K chosen so a round takes ~${opts.roundMs} ms per engine (at least 3 calls); reported: median over rounds of the per-round median`,
    "- inputs: each model's test_data_set_0; before timing, every engine's outputs are compared with the reference outputs and each edgec route with onnxruntime-web (max abs diff below)",
    `- total bench time: ${seconds.toFixed(0)} s; load average (1 min) ${load[0]!.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end (shared machine)`,
    "",
    "| model | edgec wasm ms | edgec emcc ms | ort-web ms | ort-web / edgec wasm | ort-web / edgec emcc | edgec wasm bytes | edgec emcc bytes | ort-web wasm bytes |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows)
    L.push(`| ${r.name} | ${fmtMs(r.ms.wasm)} | ${fmtMs(r.ms.emcc)} | ${fmtMs(r.ms.ort)} | ${ratio(r.ms.ort, r.ms.wasm)} | ${ratio(r.ms.ort, r.ms.emcc)} | ${fmtInt(r.bytes.wasm)} | ${fmtInt(r.bytes.emcc)} | ${fmtInt(r.bytes.ort)} |`);
  const geo = (key: EngineKey, f: "ms" | "cpuMs" = "ms") => {
    const xs = rows.filter((r) => r[f][key] !== undefined && r[f].ort !== undefined).map((r) => r[f].ort! / r[f][key]!);
    return xs.length ? `${Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length).toFixed(2)} over ${xs.length} model(s)` : "—";
  };
  L.push("", `Geometric mean of ort-web / edgec (> 1 means edgec is faster), wall time: wasm ${geo("wasm")}; emcc ${geo("emcc")}. ` +
    `CPU time: wasm ${geo("wasm", "cpuMs")}; emcc ${geo("emcc", "cpuMs")}.`, "",
    "Module bytes: edgec's model.wasm holds the code and the weights of that one model; onnxruntime-web's figure is its",
    `generic runtime module (\`${path.basename(ORT_WASM)}\`, the one its Node entry loads), without the model, which it reads from model.onnx.`,
    "", "## CPU time", "",
    "Process CPU time per call (mean over a round; median over rounds). A loaded machine stretches wall time far more than CPU time;",
    "the process's CPU time also counts V8's background threads (optimising compiler, garbage collector).", "",
    "| model | edgec wasm CPU ms | edgec emcc CPU ms | ort-web CPU ms | ort-web / edgec wasm | ort-web / edgec emcc |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.name} | ${fmtMs(r.cpuMs.wasm)} | ${fmtMs(r.cpuMs.emcc)} | ${fmtMs(r.cpuMs.ort)} | ${ratio(r.cpuMs.ort, r.cpuMs.wasm)} | ${ratio(r.cpuMs.ort, r.cpuMs.emcc)} |`),
    "", "## Details", "",
    "| model | K wasm / emcc / ort-web | wasm round medians ms | emcc round medians ms | ort-web round medians ms | max abs diff vs reference (wasm / emcc / ort-web) | max abs diff vs ort-web (wasm / emcc) | compile s (wasm / emcc) | errors |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows)
    L.push(`| ${r.name} | ${ENGINES.map((k) => fmtInt(r.k[k])).join(" / ")} | ${range(r.range.wasm)} | ${range(r.range.emcc)} | ${range(r.range.ort)} | ` +
      `${ENGINES.map((k) => fmtDiff(r.diff[k])).join(" / ")} | ${fmtDiff(r.vsOrt.wasm)} / ${fmtDiff(r.vsOrt.emcc)} | ` +
      `${r.compileS.wasm?.toFixed(1) ?? "—"} / ${r.compileS.emcc?.toFixed(1) ?? "—"} | ${r.errors.map((e) => e.replace(/\|/g, "\\|")).join("; ")} |`);
  return L.join("\n") + "\n";
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(HERE, "wasm.ts"))
  process.exitCode = await main(process.argv.slice(2));
