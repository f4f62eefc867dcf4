/**
 * @fileoverview `npm run bench:tune`: for each shared model, `edgec tune --target native` within a
 * time budget (its log kept in bench/tuning/MODEL.jsonl, so a later run resumes it), then the
 * default and the tuned build against ONNX Runtime in the same interleaved rounds (bench/run.ts),
 * and the cost model's rank correlation on the log's candidates it was not trained on.
 *
 *   node --import ./bin/register.mjs bench/tune.ts [--models a,b] [--budget 10m] [--rounds 5] [--round-ms 400] [--out FILE]
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { compileFile, writeCArtifact } from "../compiler/api.ts";
import { buildHarness } from "../compiler/testrun.ts";
import { resolveCTarget } from "../compiler/c-targets.ts";
import { CostModel, features, spearman } from "../compiler/tune/cost-model.ts";
import { TuneRecord, readLog } from "../compiler/tune/log.ts";
import { fromKey } from "../compiler/tune/search.ts";
import { lanesOf, TARGETS } from "../ir/target.ts";
import { Workload, workloadsOf } from "../compiler/tune/workloads.ts";
import { BENCH_CFLAGS, OrtWorker, fmtMs, machine, median, msg, timeEdgec, writeRawInputs } from "./run.ts";

const run = promisify(execFile);
const HERE = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, "..");
const NATIVE = resolveCTarget("native");

interface Row {
  name: string;
  tuneS?: number;
  summary?: string;
  workloads?: number;
  measured?: number;
  tunedNodes?: number;
  defaultMs?: number;
  tunedMs?: number;
  ortMs?: number;
  rho?: number;
  heldOut?: number;
  errors: string[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      models: { type: "string" }, budget: { type: "string", default: "10m" }, rounds: { type: "string", default: "5" },
      "round-ms": { type: "string", default: "400" }, out: { type: "string" },
    },
  });
  const shared = path.resolve(process.env.EDGEC_SHARED ?? path.join(ROOT, "..", "shared"));
  const modelsDir = path.join(shared, "models");
  if (!fs.existsSync(modelsDir)) {
    console.log(`bench:tune: no models folder at ${modelsDir} (set EDGEC_SHARED); nothing to measure`);
    return 0;
  }
  const all = fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, "model.onnx"))).sort();
  const names = values.models ? values.models.split(",").filter((m) => all.includes(m)) : all;
  const logs = path.join(HERE, "tuning");
  fs.mkdirSync(logs, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-bench-tune-"));
  const rows: Row[] = [];
  const started = Date.now(), load = os.loadavg()[0]!;
  try {
    for (const name of names) {
      process.stderr.write(`bench:tune: ${name} ...\n`);
      rows.push(await benchModel(name, path.join(modelsDir, name), path.join(logs, `${name}.jsonl`), path.join(tmp, name), values.budget!, Number(values.rounds), Number(values["round-ms"])));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const text = render(rows, values.budget!, (Date.now() - started) / 1000, load);
  console.log(text);
  const out = values.out ?? (values.models ? undefined : path.join(HERE, "results-tune.md"));
  if (out) fs.writeFileSync(out, text);
  return 0;
}

async function benchModel(name: string, dir: string, log: string, work: string, budget: string, rounds: number, roundMs: number): Promise<Row> {
  const row: Row = { name, errors: [] };
  fs.mkdirSync(work, { recursive: true });
  try {
    const t0 = Date.now();
    // Run from the repository, with its relative log path, so the table names no machine path.
    const { stdout } = await run(process.execPath, [path.join(ROOT, "bin", "edgec.mjs"), "tune", dir, "--target", "native", "-o", path.relative(ROOT, log), "--time-budget", budget], { maxBuffer: 64 << 20, cwd: ROOT });
    row.tuneS = (Date.now() - t0) / 1000;
    row.summary = stdout.trim().split("\n").pop();
  } catch (e) {
    row.errors.push(`tune: ${msg(e)}`);
    return row;
  }
  const set = path.join(dir, "test_data_set_0");
  const inputs = writeRawInputs(set, work);
  const outputs = (fs.readdirSync(set).filter((f) => /^output_\d+\.pb$/.test(f))).map((_, i) => path.join(work, `ort_out${i}.raw`));
  let ort: OrtWorker | undefined;
  try {
    const builds: { exe: string; args: string[] }[] = [];
    for (const [tag, tuningLog] of [["default", undefined], ["tuned", log]] as const) {
      const c = compileFile(path.join(dir, "model.onnx"), { cTarget: NATIVE, ...(tuningLog ? { tuningLog } : {}) });
      // Workload keys are the default schedule's kernels.
      if (tuningLog) row.tunedNodes = c.report.tuned?.length ?? 0;
      else Object.assign(row, quality(readLog(log), workloadsOf(c, NATIVE)));
      const cdir = path.join(work, tag);
      writeCArtifact(c, cdir, { cTarget: NATIVE });
      const exe = await buildHarness(cdir, { cflags: BENCH_CFLAGS });
      const wbin = path.join(cdir, "model_weights.bin");
      builds.push({ exe, args: [fs.existsSync(wbin) ? wbin : "-", ...inputs.map((x) => x.file), ...c.program.outputs.map((_, i) => path.join(work, `${tag}_out${i}.raw`))] });
    }
    const spec = path.join(work, "ort.json");
    fs.writeFileSync(spec, JSON.stringify({ model: path.join(dir, "model.onnx"), inputs, outputs }));
    ort = await OrtWorker.start(spec);
    const kFor = (us: number) => Math.max(1, Math.min(200_000, Math.round((roundMs * 1000) / Math.max(us, 0.05))));
    const ks = [];
    for (const b of builds) ks.push(kFor((await timeEdgec(b.exe, b.args, 3)).us));
    const kOrt = kFor((await ort.time(3)).us);
    const t: number[][] = [[], [], []];
    for (let r = 0; r < rounds; r++) {
      for (const [i, b] of builds.entries()) t[i]!.push((await timeEdgec(b.exe, b.args, ks[i]!)).us);
      t[2]!.push((await ort.time(kOrt)).us);
    }
    [row.defaultMs, row.tunedMs, row.ortMs] = t.map((xs) => median(xs) / 1000);
    await ort.finish();
  } catch (e) {
    row.errors.push(msg(e));
  } finally {
    ort?.kill();
  }
  return row;
}

/**
 * The cost model trained on the log's first two thirds (in measurement order) and asked to rank
 * the last third: Spearman's rho between predicted and measured relative costs.
 */
function quality(records: TuneRecord[], workloads: Workload[]): { rho?: number; heldOut?: number; workloads: number; measured: number } {
  const byKey = new Map(workloads.map((w) => [w.key, w]));
  const t = TARGETS[NATIVE];
  const ft = { lanes: t.vectorBits ? lanesOf(t, "f32") : 0, registers: t.vectorRegisters };
  const ok = records.filter((r) => !r.error && r.rel && byKey.has(r.workload));
  const cut = Math.floor((ok.length * 2) / 3);
  const m = new CostModel(1);
  const sample = (r: TuneRecord) => ({ x: features(byKey.get(r.workload)!, fromKey(r.candidate), ft), y: Math.log(r.rel!) });
  m.train(ok.slice(0, cut).map(sample));
  const test = ok.slice(cut);
  const rho = m.trained && test.length >= 3 ? spearman(m.predict(test.map((r) => sample(r).x)), test.map((r) => Math.log(r.rel!))) : undefined;
  return { rho, heldOut: test.length, workloads: new Set(ok.map((r) => r.workload)).size, measured: records.length };
}

function render(rows: Row[], budget: string, seconds: number, load: number): string {
  const L: string[] = ["# edgec tune: default vs tuned vs ONNX Runtime", ""];
  L.push(`- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machine()}; target native = ${NATIVE}, C flags \`${BENCH_CFLAGS.join(" ")}\``);
  L.push(`- tuning: \`edgec tune MODEL --target native --time-budget ${budget}\` per model, resuming bench/tuning/MODEL.jsonl when it exists (the tune time below is this run's)`);
  L.push(`- timing: default, tuned and ORT (1 thread, as in bench/run.ts) in interleaved rounds; median of the round medians`);
  L.push(`- rho: the cost model trained on the first two thirds of the log's measurements ranks the last third (Spearman)`);
  L.push(`- total ${seconds.toFixed(0)} s; load average ${load.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end (a shared machine)`, "");
  L.push("| model | tune s | workloads | measured | nodes tuned | default ms | tuned ms | ORT ms | tuned / default | tuned / ORT | rho (held out) | notes |");
  L.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  const div = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : "—");
  for (const r of rows) {
    L.push(`| ${r.name} | ${r.tuneS?.toFixed(0) ?? "—"} | ${r.workloads ?? "—"} | ${r.measured ?? "—"} | ${r.tunedNodes ?? "—"} | ${fmtMs(r.defaultMs)} | ${fmtMs(r.tunedMs)} | ${fmtMs(r.ortMs)} | ${div(r.tunedMs, r.defaultMs)} | ${div(r.tunedMs, r.ortMs)} | ${r.rho === undefined ? "—" : `${r.rho.toFixed(2)} (${r.heldOut})`} | ${[r.summary, ...r.errors].filter(Boolean).join("; ").replace(/\|/g, "\\|")} |`);
  }
  const g = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  const tr = rows.filter((r) => r.tunedMs && r.ortMs && r.defaultMs);
  if (tr.length) L.push("", `Geometric mean over ${tr.length} model(s): tuned / default ${g(tr.map((r) => r.tunedMs! / r.defaultMs!)).toFixed(2)}, tuned / ORT ${g(tr.map((r) => r.tunedMs! / r.ortMs!)).toFixed(2)}, default / ORT ${g(tr.map((r) => r.defaultMs! / r.ortMs!)).toFixed(2)}.`);
  L.push("");
  return L.join("\n");
}

process.exitCode = await main();
