/**
 * @fileoverview `npm run bench`: latency and memory of edgec's C output against ONNX Runtime on
 * every shared model, on the same machine, in the same run, on the same inputs.
 *
 * Each model is compiled to C and built with release flags; ONNX Runtime runs in its own child
 * process (bench/ort-worker.mjs). Timing is interleaved: every round times K edgec runs (the
 * harness's `-n K`, one fresh process per round) and then K ORT `session.run` calls, so machine
 * noise lands on both; the reported figure is the median over rounds of each round's median.
 *
 *   node bench/run.mjs [--models a,b] [--rounds N] [--round-ms MS] [--out FILE] [--keep]
 */
import { ChildProcess, execFile, execFileSync, fork } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { DType, arrayFromBytes, bytesOf } from "../ir/dtype.ts";
import { compileFile, writeCArtifact } from "../compiler/api.ts";
import { readTensorFile } from "../compiler/onnx/tensor.ts";
import { buildHarness } from "../compiler/testrun.ts";
import { resolveCTarget } from "../compiler/c-targets.ts";

const run = promisify(execFile);
const HERE = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, "..");

/** Release flags: -march=native is fair because ONNX Runtime picks AVX2/AVX-512 kernels at run time. */
export const BENCH_CFLAGS = ["-std=c99", "-O3", "-march=native", "-Wall", "-Wextra"];
/** The x86-64 level `--target native` picks on this machine ("c" when none). */
const NATIVE = resolveCTarget("native");

interface Options {
  models?: string[];
  rounds: number;
  roundMs: number;
  out?: string;
  keep: boolean;
}

interface Row {
  name: string;
  edgecMs?: number;
  ortMs?: number;
  edgecRange?: [number, number];
  /** Median over rounds of the process CPU time per run, less sensitive to machine load. */
  edgecCpuMs?: number;
  ortCpuMs?: number;
  ortRange?: [number, number];
  kEdgec?: number;
  kOrt?: number;
  arena?: number;
  arenaLB?: number;
  /** The graph tensors' own liveness bound and the schedules' scratch (report.json). */
  tensorsLB?: number;
  scratch?: number;
  weights?: number;
  edgecRssKb?: number;
  ortRssKb?: number;
  edgecDiff?: number;
  ortDiff?: number;
  compileS?: number;
  buildS?: number;
  /** The same model for the host's best x86-64 level (--target native), timed in the same rounds. */
  nativeMs?: number;
  nativeCpuMs?: number;
  kNative?: number;
  nativeDiff?: number;
  nativeLoops?: [number, number];
  /** The native compile's arena, graph tensors' bound and scratch (its schedules differ from c's). */
  nativeArena?: [number, number, number];
  /** The same model compiled with -O0 (no graph passes), timed in the same rounds. */
  o0Ms?: number;
  o0CpuMs?: number;
  kO0?: number;
  o0Kernels?: number;
  o2Kernels?: number;
  o0Arena?: number;
  o0ArenaLB?: number;
  o0Diff?: number;
  errors: string[];
}

export async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    console.error(`bench: ${msg(e)}\nusage: node bench/run.mjs [--models a,b] [--rounds N] [--round-ms MS] [--out FILE] [--keep]`);
    return 2;
  }
  const shared = path.resolve(process.env.EDGEC_SHARED ?? path.join(ROOT, "..", "shared"));
  const modelsDir = path.join(shared, "models");
  if (!fs.existsSync(modelsDir)) {
    console.log(`bench: no models folder at ${modelsDir} (set EDGEC_SHARED to the folder holding models/); nothing to measure`);
    return 0;
  }
  let names = fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, "model.onnx"))).sort();
  if (opts.models) {
    const unknown = opts.models.filter((m) => !names.includes(m));
    if (unknown.length) {
      console.error(`bench: unknown model(s) ${unknown.join(", ")}; available: ${names.join(", ")}`);
      return 2;
    }
    names = names.filter((n) => opts.models!.includes(n));
  }
  if (names.length === 0) {
    console.log(`bench: ${modelsDir} holds no model folders with a model.onnx; nothing to measure`);
    return 0;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-bench-"));
  const started = Date.now();
  const load = os.loadavg();
  const rows: Row[] = [];
  let floor: Row | undefined;
  try {
    for (const name of names) {
      process.stderr.write(`bench: ${name} ...`);
      const row = await benchModel(name, path.join(modelsDir, name), path.join(tmp, name), opts);
      rows.push(row);
      process.stderr.write(row.errors.length ? ` ${row.errors.join("; ")}\n`
        : ` edgec ${fmtMs(row.edgecMs)} ms, ORT ${fmtMs(row.ortMs)} ms\n`);
    }
    // The per-call floor of each engine: a one-node Identity model from the ONNX node tests.
    const floorDir = path.join(shared, "onnx-node-tests", "test_identity");
    if (fs.existsSync(path.join(floorDir, "model.onnx"))) floor = await benchModel("test_identity", floorDir, path.join(tmp, "floor"), opts);
  } finally {
    if (opts.keep) console.error(`bench: build folders kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const nodeRssKb = await nodeBaselineRss();
  const text = render(rows, floor, opts, nodeRssKb, (Date.now() - started) / 1000, load);
  console.log(text);
  const out = opts.out ?? (opts.models ? undefined : path.join(HERE, "results.md"));
  if (out) {
    fs.writeFileSync(out, text);
    console.error(`bench: wrote ${path.relative(process.cwd(), out) || out}`);
  }
  return 0;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      models: { type: "string" },
      rounds: { type: "string", default: "5" },
      "round-ms": { type: "string", default: "600" },
      out: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const opts: Options = {
    models: values.models?.split(",").filter(Boolean),
    rounds: Math.floor(positive(values.rounds!, "--rounds")),
    roundMs: positive(values["round-ms"]!, "--round-ms"),
    out: values.out,
    keep: values.keep!,
  };
  return opts;
}

function positive(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 1) throw new Error(`${flag} must be a number of at least 1, got ${JSON.stringify(s)}`);
  return n;
}

async function benchModel(name: string, dir: string, work: string, opts: Options): Promise<Row> {
  const row: Row = { name, errors: [] };
  fs.mkdirSync(work, { recursive: true });
  const set = path.join(dir, "test_data_set_0");
  // Inputs and expected outputs, as raw files both engines read.
  const inputs: { dtype: DType; shape: number[]; file: string }[] = [];
  const expected: ReturnType<typeof readTensorFile>[] = [];
  try {
    for (let i = 0; fs.existsSync(path.join(set, `input_${i}.pb`)); i++) {
      const t = readTensorFile(path.join(set, `input_${i}.pb`));
      const file = path.join(work, `in${i}.raw`);
      fs.writeFileSync(file, bytesOf(t.data));
      inputs.push({ dtype: t.dtype, shape: t.shape, file });
    }
    for (let i = 0; fs.existsSync(path.join(set, `output_${i}.pb`)); i++) expected.push(readTensorFile(path.join(set, `output_${i}.pb`)));
  } catch (e) {
    row.errors.push(`reading test_data_set_0: ${msg(e)}`);
    return row;
  }
  if (inputs.length === 0) {
    row.errors.push("test_data_set_0 has no input_N.pb");
    return row;
  }

  // edgec: compile, build, one checked run.
  let exe: string | undefined;
  let harnessArgs: string[] = [];
  try {
    let t0 = Date.now();
    const compiled = compileFile(path.join(dir, "model.onnx"));
    row.compileS = (Date.now() - t0) / 1000;
    const cdir = path.join(work, "c");
    writeCArtifact(compiled, cdir);
    t0 = Date.now();
    exe = await buildHarness(cdir, { cflags: BENCH_CFLAGS });
    row.buildS = (Date.now() - t0) / 1000;
    row.arena = compiled.report.arena_bytes;
    row.o2Kernels = compiled.report.kernels;
    row.arenaLB = compiled.report.arena_lower_bound_bytes;
    row.tensorsLB = compiled.report.tensors_lower_bound_bytes;
    row.scratch = compiled.report.scratch_bytes;
    row.weights = compiled.report.weights_bytes;
    const p = compiled.program;
    if (p.inputs.length !== inputs.length) throw new Error(`the model has ${p.inputs.length} inputs but test_data_set_0 has ${inputs.length}`);
    const wbin = path.join(cdir, "model_weights.bin");
    const outFiles = p.outputs.map((_, i) => path.join(work, `edgec_out${i}.raw`));
    harnessArgs = [fs.existsSync(wbin) ? wbin : "-", ...inputs.map((x) => x.file), ...outFiles];
    await run(exe, harnessArgs, { timeout: 600_000 });
    row.edgecDiff = maxDiff(p.outputs.map((t, i) => ({ dtype: t.type.dtype, file: outFiles[i]! })), expected);
  } catch (e) {
    row.errors.push(`edgec: ${msg(e)}`);
    exe = undefined;
  }

  // edgec -O0: the unoptimised graph, for the effect of the graph passes.
  let exe0: string | undefined;
  let harnessArgs0: string[] = [];
  if (exe) {
    try {
      const c0 = compileFile(path.join(dir, "model.onnx"), { optLevel: 0 });
      const cdir0 = path.join(work, "c0");
      writeCArtifact(c0, cdir0);
      exe0 = await buildHarness(cdir0, { cflags: BENCH_CFLAGS });
      row.o0Kernels = c0.report.kernels;
      row.o0Arena = c0.report.arena_bytes;
      row.o0ArenaLB = c0.report.arena_lower_bound_bytes;
      const wbin0 = path.join(cdir0, "model_weights.bin");
      const outs0 = c0.program.outputs.map((_, i) => path.join(work, `o0_out${i}.raw`));
      harnessArgs0 = [fs.existsSync(wbin0) ? wbin0 : "-", ...inputs.map((x) => x.file), ...outs0];
      await run(exe0, harnessArgs0, { timeout: 600_000 });
      row.o0Diff = maxDiff(c0.program.outputs.map((t, i) => ({ dtype: t.type.dtype, file: outs0[i]! })), expected);
    } catch (e) {
      row.errors.push(`edgec -O0: ${msg(e)}`);
      exe0 = undefined;
    }
  }

  // edgec --target native: the same program with its loops vectorized as the host's intrinsics.
  let exeN: string | undefined;
  let harnessArgsN: string[] = [];
  if (exe && NATIVE !== "c") {
    try {
      const cn = compileFile(path.join(dir, "model.onnx"), { cTarget: NATIVE });
      const cdirN = path.join(work, "native");
      writeCArtifact(cn, cdirN, { cTarget: NATIVE });
      exeN = await buildHarness(cdirN, { cflags: BENCH_CFLAGS });
      row.nativeLoops = [cn.report.vectorized_loops ?? 0, cn.report.scalar_loops ?? 0];
      row.nativeArena = [cn.report.arena_bytes, cn.report.tensors_lower_bound_bytes, cn.report.scratch_bytes];
      const wbinN = path.join(cdirN, "model_weights.bin");
      const outsN = cn.program.outputs.map((_, i) => path.join(work, `native_out${i}.raw`));
      harnessArgsN = [fs.existsSync(wbinN) ? wbinN : "-", ...inputs.map((x) => x.file), ...outsN];
      await run(exeN, harnessArgsN, { timeout: 600_000 });
      row.nativeDiff = maxDiff(cn.program.outputs.map((t, i) => ({ dtype: t.type.dtype, file: outsN[i]! })), expected);
    } catch (e) {
      row.errors.push(`edgec native: ${msg(e)}`);
      exeN = undefined;
    }
  }

  // ORT: its own process, session created and run once before timing.
  let ort: OrtWorker | undefined;
  try {
    const ortOuts = expected.map((_, i) => path.join(work, `ort_out${i}.raw`));
    const spec = path.join(work, "ort.json");
    fs.writeFileSync(spec, JSON.stringify({ model: path.join(dir, "model.onnx"), inputs, outputs: ortOuts }));
    ort = await OrtWorker.start(spec);
    row.ortDiff = maxDiff(expected.map((t, i) => ({ dtype: t.dtype, file: ortOuts[i]! })), expected);
  } catch (e) {
    row.errors.push(`ORT: ${msg(e)}`);
    ort?.kill();
    ort = undefined;
  }

  try {
    // Calibrate K so one round takes about roundMs per engine.
    const kFor = (us: number) => Math.max(1, Math.min(200_000, Math.round((opts.roundMs * 1000) / Math.max(us, 0.05))));
    if (exe) row.kEdgec = kFor((await timeEdgec(exe, harnessArgs, 3)).us);
    if (ort) row.kOrt = kFor((await ort.time(3)).us);
    if (exe0) row.kO0 = kFor((await timeEdgec(exe0, harnessArgs0, 3)).us);
    if (exeN) row.kNative = kFor((await timeEdgec(exeN, harnessArgsN, 3)).us);
    const e: number[] = [], o: number[] = [], ec: number[] = [], oc: number[] = [], e0: number[] = [], e0c: number[] = [];
    const en: number[] = [], enc: number[] = [];
    let rss = 0;
    for (let r = 0; r < opts.rounds; r++) {
      if (exe) {
        const t = await timeEdgec(exe, harnessArgs, row.kEdgec!);
        e.push(t.us);
        ec.push(t.cpuUs);
        rss = Math.max(rss, t.rssKb);
      }
      if (ort) {
        const t = await ort.time(row.kOrt!);
        o.push(t.us);
        oc.push(t.cpuUs);
      }
      if (exe0) {
        const t = await timeEdgec(exe0, harnessArgs0, row.kO0!);
        e0.push(t.us);
        e0c.push(t.cpuUs);
      }
      if (exeN) {
        const t = await timeEdgec(exeN, harnessArgsN, row.kNative!);
        en.push(t.us);
        enc.push(t.cpuUs);
      }
    }
    if (exeN) {
      row.nativeMs = median(en) / 1000;
      row.nativeCpuMs = median(enc) / 1000;
    }
    if (exe0) {
      row.o0Ms = median(e0) / 1000;
      row.o0CpuMs = median(e0c) / 1000;
    }
    if (exe) {
      row.edgecMs = median(e) / 1000;
      row.edgecRange = [Math.min(...e) / 1000, Math.max(...e) / 1000];
      row.edgecRssKb = rss;
      row.edgecCpuMs = median(ec) / 1000;
    }
    if (ort) {
      row.ortMs = median(o) / 1000;
      row.ortRange = [Math.min(...o) / 1000, Math.max(...o) / 1000];
      row.ortRssKb = await ort.finish();
      row.ortCpuMs = median(oc) / 1000;
    }
  } catch (e) {
    row.errors.push(`timing: ${msg(e)}`);
  } finally {
    ort?.kill();
  }
  return row;
}

export async function timeEdgec(exe: string, args: string[], k: number): Promise<{ us: number; cpuUs: number; rssKb: number }> {
  const { stdout } = await run(exe, ["-n", String(k), "-c", "-m", ...args], { timeout: 600_000 });
  const us = Number(/^([\d.]+)$/m.exec(stdout)?.[1]);
  const cpuUs = Number(/^cpu_us_mean ([\d.]+)$/m.exec(stdout)?.[1]);
  const rssKb = Number(/^peak_rss_kb (-?\d+)$/m.exec(stdout)?.[1]);
  if (![us, cpuUs, rssKb].every(Number.isFinite)) throw new Error(`unexpected harness output ${JSON.stringify(stdout.slice(0, 80))}`);
  return { us, cpuUs, rssKb };
}

/** Largest absolute difference between the raw outputs an engine wrote and the reference. */
export function maxDiff(got: { dtype: DType; file: string }[], expected: ReturnType<typeof readTensorFile>[]): number {
  let worst = 0;
  if (got.length !== expected.length) throw new Error(`${got.length} outputs but ${expected.length} reference outputs`);
  got.forEach((g, i) => {
    const exp = expected[i]!;
    if (g.dtype !== exp.dtype) throw new Error(`output ${i} is ${g.dtype} but the reference is ${exp.dtype}`);
    const a = arrayFromBytes(g.dtype, new Uint8Array(fs.readFileSync(g.file)));
    if (a.length !== exp.data.length) throw new Error(`output ${i} has ${a.length} elements, the reference ${exp.data.length}`);
    for (let j = 0; j < a.length; j++) {
      const d = Math.abs(Number(a[j]) - Number(exp.data[j]));
      worst = Number.isNaN(d) ? (Number.isNaN(Number(a[j])) && Number.isNaN(Number(exp.data[j])) ? worst : Infinity) : Math.max(worst, d);
    }
  });
  return worst;
}

/** A forked bench/ort-worker.mjs, spoken to one request at a time. */
export class OrtWorker {
  private pending: ((m: Record<string, unknown>) => void)[] = [];
  private inbox: Record<string, unknown>[] = [];
  private exited?: string;

  private constructor(private child: ChildProcess) {
    child.on("message", (m) => {
      const next = this.pending.shift();
      if (next) next(m as Record<string, unknown>);
      else this.inbox.push(m as Record<string, unknown>);
    });
    child.on("exit", (code, signal) => {
      this.exited = `the ONNX Runtime worker exited (${signal ?? `code ${code}`})`;
      for (const p of this.pending.splice(0)) p({ error: this.exited });
    });
  }

  static async start(spec: string): Promise<OrtWorker> {
    const child = fork(path.join(HERE, "ort-worker.mjs"), [spec], { execArgv: [], stdio: ["ignore", "ignore", "pipe", "ipc"] });
    const w = new OrtWorker(child);
    await w.next();
    return w;
  }

  private async next(): Promise<Record<string, unknown>> {
    const m = this.inbox.shift() ?? (this.exited ? { error: this.exited }
      : await new Promise<Record<string, unknown>>((resolve) => this.pending.push(resolve)));
    if (typeof m.error === "string") throw new Error(m.error);
    return m;
  }

  async time(runs: number): Promise<{ us: number; cpuUs: number }> {
    this.child.send({ runs });
    const m = await this.next();
    return { us: m.medianUs as number, cpuUs: m.cpuUsMean as number };
  }

  async finish(): Promise<number> {
    this.child.send({ done: true });
    return (await this.next()).peakRssKb as number;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }
}

async function nodeBaselineRss(): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = fork(path.join(HERE, "ort-worker.mjs"), ["--baseline"], { execArgv: [], stdio: ["ignore", "ignore", "ignore", "ipc"] });
    let rss: number | undefined;
    child.on("message", (m) => { rss = (m as { peakRssKb: number }).peakRssKb; });
    child.on("exit", () => resolve(rss));
    child.on("error", () => resolve(undefined));
  });
}

/** The input_N.pb tensors of a test data set, each written to WORK/inN.raw as the harness reads them. */
export function writeRawInputs(set: string, work: string): { dtype: DType; shape: number[]; file: string }[] {
  const inputs: { dtype: DType; shape: number[]; file: string }[] = [];
  for (let i = 0; fs.existsSync(path.join(set, `input_${i}.pb`)); i++) {
    const t = readTensorFile(path.join(set, `input_${i}.pb`));
    const file = path.join(work, `in${i}.raw`);
    fs.writeFileSync(file, bytesOf(t.data));
    inputs.push({ dtype: t.dtype, shape: t.shape, file });
  }
  return inputs;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function msg(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return ((err.stderr && err.stderr.trim()) || err.message || String(e)).split("\n")[0]!.trim();
}

export const fmtMs = (x?: number) => (x === undefined ? "—" : x < 0.1 ? x.toFixed(4) : x < 10 ? x.toFixed(3) : x.toFixed(1));
export const fmtInt = (x?: number) => (x === undefined ? "—" : x.toLocaleString("en-US"));
const fmtMB = (kb?: number) => (kb === undefined || kb < 0 ? "—" : `${(kb / 1024).toFixed(1)} MiB`);
export const fmtDiff = (x?: number) => (x === undefined ? "—" : x === 0 ? "0" : x.toExponential(1));

export function machine(): string {
  let cpu = "unknown CPU";
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  return `${os.availableParallelism()} CPUs (nproc), ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}`;
}

export function tool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return `${cmd} (version unknown)`;
  }
}

const require_ = createRequire(import.meta.url);

function render(rows: Row[], floor: Row | undefined, opts: Options, nodeRssKb: number | undefined, seconds: number, load: number[]): string {
  const ortVersion = (require_("onnxruntime-node/package.json") as { version: string }).version;
  const L: string[] = [];
  L.push("# edgec benchmark", "");
  L.push(`- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`);
  L.push(`- machine: ${machine()}`);
  L.push(`- edgec: C built with \`${tool("cc", ["--version"])}\`, flags \`${BENCH_CFLAGS.join(" ")}\``);
  L.push(`- ONNX Runtime: onnxruntime-node ${ortVersion}, CPU provider, 1 intra-op + 1 inter-op thread, sequential, default graph optimisations; Node ${process.version}`);
  L.push(`- method: ${opts.rounds} interleaved rounds per model; each round times K edgec runs (harness \`-n K\`, fresh process) then K ORT \`session.run\` calls, K chosen so a round takes ~${opts.roundMs} ms per engine; reported: median over rounds of the per-round median`);
  L.push(`- inputs: each model's test_data_set_0; both engines' outputs are compared with its reference outputs (max abs diff below)`);
  L.push(`- total bench time: ${seconds.toFixed(0)} s; load average (1 min) ${load[0].toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end (the machine is shared; interleaving spreads that noise over both engines)`, "");
  L.push(`| model | edgec median ms (${BENCH_CFLAGS.filter((f) => /^-(O|march)/.test(f)).join(" ")}) | ORT median ms | ratio | arena bytes | arena lower bound | arena/LB | tensors' bound | arena/tensors | scratch bytes | edgec peak RSS | ORT peak RSS | weights bytes |`);
  L.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const ratio = r.edgecMs !== undefined && r.ortMs ? (r.edgecMs / r.ortMs).toFixed(2) : "—";
    const alb = r.arena !== undefined && r.arenaLB ? (r.arena / r.arenaLB).toFixed(2) : "—";
    const atb = r.arena !== undefined && r.tensorsLB ? (r.arena / r.tensorsLB).toFixed(2) : "—";
    L.push(`| ${r.name} | ${fmtMs(r.edgecMs)} | ${fmtMs(r.ortMs)} | ${ratio} | ${fmtInt(r.arena)} | ${fmtInt(r.arenaLB)} | ${alb} | ${fmtInt(r.tensorsLB)} | ${atb} | ${fmtInt(r.scratch)} | ${fmtMB(r.edgecRssKb)} | ${fmtMB(r.ortRssKb)} | ${fmtInt(r.weights)} |`);
  }
  const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  const ratios = rows.filter((r) => r.edgecMs !== undefined && r.ortMs).map((r) => r.edgecMs! / r.ortMs!);
  const cpuRatios = rows.filter((r) => r.edgecCpuMs !== undefined && r.ortCpuMs).map((r) => r.edgecCpuMs! / r.ortCpuMs!);
  if (ratios.length) {
    L.push("", `Geometric mean of the ratio over ${ratios.length} model(s): ${geomean(ratios).toFixed(2)} (wall time)` +
      `${cpuRatios.length ? `, ${geomean(cpuRatios).toFixed(2)} (CPU time, see Details)` : ""}.`);
  }
  L.push("", "ratio = edgec / ORT (< 1 means edgec is faster). Peak RSS is each engine's own process (VmHWM), after loading and all timed runs;");
  L.push(`ORT's includes the Node.js runtime it is called from (a bare Node process peaks at ${fmtMB(nodeRssKb)}), and its times include the`);
  L.push("JavaScript binding's per-call overhead, which dominates on the smallest models.");
  if (Math.max(load[0]!, os.loadavg()[0]!) > os.availableParallelism()) {
    L.push("The load average was above the CPU count: a run longer than a scheduler slice (a few ms) is then preempted mid-run, which");
    L.push("inflates the slower engine's wall time more than the faster one's; the CPU-time ratio in Details is the fairer comparison here.");
  }
  if (floor) {
    const us = (x?: number) => (x === undefined ? "—" : `${(x * 1000).toFixed(2)} µs`);
    L.push(`Per-call floor, measured the same way on onnx-node-tests/test_identity (one Identity node): edgec ${us(floor.edgecMs)}, ORT ${us(floor.ortMs)}` +
      `${floor.errors.length ? ` (${floor.errors.join("; ")})` : ""}.`);
  }
  L.push("");
  L.push(`## Targets: c and native (${NATIVE})`, "");
  L.push(`The portable C (auto-vectorized by cc at -O3 -march=native) against \`--target native\`, which picks ${NATIVE} here: the same graph`);
  L.push("with that level's schedules (register tiles built as vectors, packed Conv weights, padding read in place where it pays), the other innermost loops");
  L.push("vectorized by edgec's vectorizer, all printed as that level's intrinsics; timed in the same interleaved rounds as ORT. Loops counts innermost loops (register tiles are vector code already).", "");
  L.push("| model | c median ms | native median ms | ORT median ms | c / ORT | native / ORT | native / c | loops vectorized / scalar | native arena | native arena / tensors' bound | native scratch | max abs diff native |");
  L.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |");
  const div = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : "—");
  for (const r of rows) {
    L.push(`| ${r.name} | ${fmtMs(r.edgecMs)} | ${fmtMs(r.nativeMs)} | ${fmtMs(r.ortMs)} | ${div(r.edgecMs, r.ortMs)} | ${div(r.nativeMs, r.ortMs)} | ${div(r.nativeMs, r.edgecMs)} | ${r.nativeLoops ? `${r.nativeLoops[0]} / ${r.nativeLoops[1]}` : "—"} | ${fmtInt(r.nativeArena?.[0])} | ${r.nativeArena && r.nativeArena[1] ? (r.nativeArena[0] / r.nativeArena[1]).toFixed(2) : "—"} | ${fmtInt(r.nativeArena?.[2])} | ${fmtDiff(r.nativeDiff)} |`);
  }
  const nat = rows.filter((r) => r.nativeMs !== undefined && r.ortMs).map((r) => r.nativeMs! / r.ortMs!);
  const natC = rows.filter((r) => r.nativeMs !== undefined && r.edgecMs).map((r) => r.nativeMs! / r.edgecMs!);
  if (nat.length) L.push("", `Geometric mean over ${nat.length} model(s): native / ORT ${geomean(nat).toFixed(2)}, native / c ${geomean(natC).toFixed(2)} (wall time).`);
  L.push("");
  L.push("## Optimisation levels", "");
  L.push("edgec -O0 (no graph passes: no folding into Conv, no fusion) against the default -O2, timed in the same interleaved rounds.", "");
  L.push("| model | kernels -O0 | kernels -O2 | -O0 median ms | -O2 median ms | speed-up | -O0 CPU ms | -O2 CPU ms | arena -O0 | arena -O2 | arena LB -O0 / -O2 | max abs diff -O0 |");
  L.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const r of rows) {
    const up = r.o0Ms !== undefined && r.edgecMs ? `${(r.o0Ms / r.edgecMs).toFixed(2)}x` : "—";
    L.push(`| ${r.name} | ${fmtInt(r.o0Kernels)} | ${fmtInt(r.o2Kernels)} | ${fmtMs(r.o0Ms)} | ${fmtMs(r.edgecMs)} | ${up} | ${fmtMs(r.o0CpuMs)} | ${fmtMs(r.edgecCpuMs)} | ${fmtInt(r.o0Arena)} | ${fmtInt(r.arena)} | ${fmtInt(r.o0ArenaLB)} / ${fmtInt(r.arenaLB)} | ${fmtDiff(r.o0Diff)} |`);
  }
  L.push("");
  L.push("## Details", "");
  L.push("CPU ms = process CPU time per run (mean over a round; median over rounds), which machine load inflates less than wall time.");
  L.push("ORT's counts every thread of its Node process (binding, V8 garbage collector), so on small models it can exceed its wall time.", "");
  L.push("| model | K edgec | K ORT | edgec round medians ms (min–max) | ORT round medians ms (min–max) | CPU ms edgec / ORT (ratio) | edgec compile s / cc s | max abs diff vs reference (edgec / ORT) | errors |");
  L.push("| --- | ---: | ---: | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const range = (x?: [number, number]) => (x ? `${fmtMs(x[0])}–${fmtMs(x[1])}` : "—");
    const cs = r.compileS === undefined ? "—" : `${r.compileS.toFixed(1)} / ${r.buildS === undefined ? "—" : r.buildS.toFixed(1)}`;
    const cpu = `${fmtMs(r.edgecCpuMs)} / ${fmtMs(r.ortCpuMs)}${r.edgecCpuMs !== undefined && r.ortCpuMs ? ` (${(r.edgecCpuMs / r.ortCpuMs).toFixed(2)})` : ""}`;
    L.push(`| ${r.name} | ${fmtInt(r.kEdgec)} | ${fmtInt(r.kOrt)} | ${range(r.edgecRange)} | ${range(r.ortRange)} | ${cpu} | ${cs} | ${fmtDiff(r.edgecDiff)} / ${fmtDiff(r.ortDiff)} | ${r.errors.join("; ").replace(/\|/g, "\\|") || ""} |`);
  }
  L.push("");
  return L.join("\n");
}
