/**
 * @fileoverview `npm run bench:tune-quality`: what the tuner's cost model is worth. Tunes one
 * model twice from empty logs with the same seed and trial count per workload, once guided by the
 * cost model and once picking candidates at random (`--no-cost-model`), then reports per workload:
 * - rho: the model trained on the workload's first three quarters of measurements ranks the
 *   candidates first measured in the last quarter (Spearman, predicted against measured cost);
 * - how many measurements each search needed to come within 5% of its final best speed-up.
 *
 *   node --import ./bin/register.mjs bench/tune-quality.ts [--model digits_cnn] [--trials 200] [--budget 20m] [--out FILE]
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { compileFile } from "../compiler/api.ts";
import { resolveCTarget } from "../compiler/c-targets.ts";
import { CostModel, features, spearman } from "../compiler/tune/cost-model.ts";
import { TuneRecord, readLog } from "../compiler/tune/log.ts";
import { fromKey } from "../compiler/tune/search.ts";
import { Workload, workloadsOf } from "../compiler/tune/workloads.ts";
import { TARGETS, lanesOf } from "../ir/target.ts";
import { machine, msg } from "./run.ts";

const run = promisify(execFile);
const HERE = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, "..");
const NATIVE = resolveCTarget("native");

interface Search { records: TuneRecord[]; seconds: number; summary: string }

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { model: { type: "string", default: "digits_cnn" }, trials: { type: "string", default: "200" }, budget: { type: "string", default: "20m" }, out: { type: "string" } },
  });
  const shared = path.resolve(process.env.EDGEC_SHARED ?? path.join(ROOT, "..", "shared"));
  const dir = path.join(shared, "models", values.model!);
  if (!fs.existsSync(path.join(dir, "model.onnx"))) {
    console.log(`bench:tune-quality: no model at ${dir} (set EDGEC_SHARED); nothing to measure`);
    return 0;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-tune-quality-"));
  const load = os.loadavg()[0]!, started = Date.now();
  try {
    const searches: Record<string, Search> = {};
    for (const [tag, extra] of [["model", []], ["random", ["--no-cost-model"]]] as const) {
      const log = path.join(tmp, `${tag}.jsonl`);
      process.stderr.write(`bench:tune-quality: ${values.model} with ${tag === "model" ? "the cost model" : "random picks"} ...\n`);
      const t0 = Date.now();
      const { stdout } = await run(process.execPath, [path.join(ROOT, "bin", "edgec.mjs"), "tune", dir, "--target", "native", "-o", log,
        "--trials", values.trials!, "--time-budget", values.budget!, "--seed", "1", ...extra], { maxBuffer: 64 << 20, cwd: ROOT });
      searches[tag] = { records: readLog(log), seconds: (Date.now() - t0) / 1000, summary: (stdout.trim().split("\n").pop() ?? "").replace(/; log .*$/, "") };
    }
    const workloads = workloadsOf(compileFile(path.join(dir, "model.onnx"), { cTarget: NATIVE }), NATIVE);
    const text = render(values.model!, Number(values.trials), workloads, searches, (Date.now() - started) / 1000, load);
    console.log(text);
    fs.writeFileSync(values.out ?? path.join(HERE, "results-tune-quality.md"), text);
  } catch (e) {
    console.error(`bench:tune-quality: ${msg(e)}`);
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return 0;
}

const measured = (rs: TuneRecord[], w: string) => rs.filter((r) => r.workload === w && !r.error && r.rel);

/** Spearman of the model trained on the first three quarters against the candidates new in the last quarter (their mean cost). */
function heldOut(rs: TuneRecord[], w: Workload): { rho: number; n: number } {
  const t = TARGETS[NATIVE];
  const ft = { lanes: t.vectorBits ? lanesOf(t, "f32") : 0, registers: t.vectorRegisters };
  const cut = Math.floor((rs.length * 3) / 4);
  const seen = new Set(rs.slice(0, cut).map((r) => r.candidate));
  const m = new CostModel(1);
  m.train(rs.slice(0, cut).map((r) => ({ x: features(w, fromKey(r.candidate), ft), y: Math.log(r.rel!) })));
  const fresh = new Map<string, number[]>();
  for (const r of rs.slice(cut)) if (!seen.has(r.candidate)) fresh.set(r.candidate, [...(fresh.get(r.candidate) ?? []), Math.log(r.rel!)]);
  const keys = [...fresh.keys()];
  if (!m.trained || keys.length < 3) return { rho: NaN, n: keys.length };
  const pred = m.predict(keys.map((k) => features(w, fromKey(k), ft)));
  return { rho: spearman(pred, keys.map((k) => fresh.get(k)!.reduce((a, x) => a + x, 0) / fresh.get(k)!.length)), n: keys.length };
}

/** Measurements until the running best relative cost first comes within 5% of the final best (best / 0.95). */
function toNinetyFive(rs: TuneRecord[]): { at: number; best: number } | undefined {
  if (!rs.length) return undefined;
  const best = Math.min(...rs.map((r) => r.rel!));
  let low = Infinity;
  for (const [i, r] of rs.entries()) {
    low = Math.min(low, r.rel!);
    if (low <= best / 0.95) return { at: i + 1, best };
  }
  return undefined;
}

function render(model: string, trials: number, workloads: Workload[], s: Record<string, Search>, seconds: number, load: number): string {
  const L = ["# edgec tune: what the cost model is worth", ""];
  L.push(`- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}; machine: ${machine()}; target native = ${NATIVE}`);
  L.push(`- searches: \`edgec tune ${model} --target native --trials ${trials} --seed 1\` from an empty log, guided by the cost model (${s.model!.seconds.toFixed(0)} s) and with \`--no-cost-model\` (${s.random!.seconds.toFixed(0)} s)`);
  L.push("- rho: the cost model (a random forest over loop features) trained on a workload's first three quarters of measurements (guided search) ranks the candidates first measured in its last quarter; Spearman between predicted and measured cost (mean over repeats)");
  L.push("- to 95%: measurements of that workload until the search's running best relative cost came within 5% of its final best (best / 0.95); relative costs are measured against the default schedule in the same round, so each best carries the machine's noise");
  L.push(`- total ${seconds.toFixed(0)} s; load average ${load.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end (a shared machine)`, "");
  L.push("| workload | op | measured (model / random) | rho, held out (candidates) | to 95% with the model | to 95% at random | best rel. cost (model / random) |");
  L.push("| --- | --- | ---: | --- | ---: | ---: | --- |");
  for (const w of workloads) {
    const m = measured(s.model!.records, w.key), r = measured(s.random!.records, w.key);
    if (!m.length && !r.length) continue;
    const h = heldOut(m, w), a = toNinetyFive(m), b = toNinetyFive(r);
    const rho = Number.isNaN(h.rho) ? `— (${h.n})` : `${h.rho.toFixed(2)} (${h.n})`;
    L.push(`| ${w.nodes[0]} (${w.nodes.length} node${w.nodes.length > 1 ? "s" : ""}, ${w.key}) | ${m[0]?.op ?? r[0]?.op ?? ""} | ${m.length} / ${r.length} | ${rho} | ${a?.at ?? "—"} | ${b?.at ?? "—"} | ${a?.best.toFixed(3) ?? "—"} / ${b?.best.toFixed(3) ?? "—"} |`);
  }
  L.push("", `Guided: ${s.model!.summary}`, `Random: ${s.random!.summary}`, "");
  return L.join("\n");
}

process.exitCode = await main();
