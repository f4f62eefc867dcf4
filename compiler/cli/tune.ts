/**
 * @fileoverview `edgec tune`: searches each workload's schedule on this machine and writes the
 * measurements to a log that `edgec compile --tuning-log` applies.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { bytesOf, allocArray } from "../../ir/dtype.ts";
import { EdgecError, q } from "../../ir/diagnostics.ts";
import { loadModel } from "../onnx/import.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { shapesFromData, FIRST_SET } from "../data-shapes.ts";
import { cTargetDesc, cToolchain, resolveCTarget } from "../c-targets.ts";
import { compileGraph } from "../api.ts";
import { cloneGraph, numel } from "../../ir/graph.ts";
import { tileFor } from "../../passes/schedule-tile.ts";
import { TuneProgress, tune } from "../tune/search.ts";
import { parse, parseInputShapes } from "./main.ts";

/** Targets tune measures on this machine (cross targets need an instruction counter as the cost). */
const HOST_TARGETS = ["native", "x86-64-v3", "x86-64-v4", "x86-64-v4-vnni", "c"];

const HELP = `usage: edgec tune MODEL --target native|x86-64-v3|x86-64-v4|x86-64-v4-vnni|c -o tuning.jsonl [options]

Searches the register-tile schedule of each distinct Conv/MatMul/Gemm kernel (identical ones
once) by building the whole model with one candidate per kernel, timing every kernel call on
this machine, and keeping what is fastest. A random-forest cost model, trained on the
measurements as they come, picks which candidates to measure. Each measurement is appended to
the log at once: stop at any time, run the same command again to resume. MODEL is a .onnx file
or a folder holding model.onnx (then test_data_set_0's inputs are used; otherwise zeros).
Apply the log with 'edgec compile|test ... --tuning-log FILE'.

options:
  --target T            native (default), x86-64-v3, x86-64-v4, x86-64-v4-vnni or c
  -o, --log FILE        the tuning log (JSON lines), appended to and resumed from
  --trials N            measurements per workload at most (default 64)
  --time-budget T       stop after T: 90s, 10m, 1h (default 10m)
  --seed N              seed of the search (default 1)
  --no-cost-model       pick candidates at random instead (to measure what the model is worth)
  --input-shape N=DIMS  fix a symbolic input shape (repeatable)`;

export async function tuneCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    target: { type: "string", default: "native" },
    log: { type: "string", short: "o" },
    trials: { type: "string", default: "64" },
    "time-budget": { type: "string", default: "10m" },
    seed: { type: "string", default: "1" },
    "no-cost-model": { type: "boolean" },
    "input-shape": { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("tune takes one MODEL; run 'edgec tune --help'");
  if (!values.log) throw new EdgecError("missing -o LOG; run 'edgec tune --help'");
  const t = values.target!;
  if (!HOST_TARGETS.includes(t)) throw new EdgecError(`--target ${t}: tune measures on this machine; available: ${HOST_TARGETS.join(", ")}`);
  const target = resolveCTarget(t);
  const trials = Number(values.trials), seed = Number(values.seed);
  if (!Number.isSafeInteger(trials) || trials < 1) throw new EdgecError(`--trials ${values.trials}: expected a positive integer`);
  if (!Number.isSafeInteger(seed)) throw new EdgecError(`--seed ${values.seed}: expected an integer`);
  const budgetMs = parseDuration(values["time-budget"]!);
  let model = positionals[0]!, dataDir: string | undefined;
  if (fs.existsSync(model) && fs.statSync(model).isDirectory()) { dataDir = model; model = path.join(model, "model.onnx"); }
  if (!fs.existsSync(model)) throw new EdgecError(`${model}: no such model`);
  const tools = cToolchain(target);
  const inputShapes = new Map([...parseInputShapes(values["input-shape"]), ...(dataDir ? shapesFromData(dataDir, parseInputShapes(values["input-shape"])) : [])]);
  const compile = { inputShapes, tile: tileFor(target), cTarget: target };
  const graph = loadModel(model, compile);
  const work = fs.mkdtempSync(path.join(path.dirname(path.resolve(values.log)), ".edgec-tune-in-"));
  try {
    const probe = compileGraph(cloneGraph(graph), { ...compile });
    const inputs = probe.program.inputs.map((tin, i) => {
      const k = probe.modelInputs.indexOf(tin.name);
      const f = dataDir ? path.join(dataDir, FIRST_SET, `input_${k >= 0 ? k : i}.pb`) : "";
      const data = f && fs.existsSync(f) ? readTensorFile(f).data : allocArray(tin.type.dtype, numel(tin.type.shape));
      if (data.length !== numel(tin.type.shape)) throw new EdgecError(`${f}: input ${q(tin.name)} needs ${numel(tin.type.shape)} elements, the file holds ${data.length}`);
      const raw = path.join(work, `in${i}.raw`);
      fs.writeFileSync(raw, bytesOf(data));
      return raw;
    });
    // native is measured as a release build for this machine is made (bench/run.ts BENCH_CFLAGS).
    const cflags = t === "native" ? ["-march=native"] : cTargetDesc(target).cflags;
    const res = await tune({
      graph, compile, target, cc: tools.cc, cflags, inputs, log: values.log, trials, budgetMs, seed, useModel: !values["no-cost-model"],
      versions: { edgec: edgecVersion(), cc: `${ccVersion(tools.cc)} -O3 ${cflags.join(" ")}` }, onProgress: report,
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (!res.workloads.length) {
      console.log(`no kernel of this model has a register-tile schedule to tune; log ${values.log}`);
      return 0;
    }
    const speedup = res.defaultUs / res.bestUs;
    console.log(`tuned ${res.workloads.length} workloads in ${res.rounds} rounds: kernels ${res.defaultUs.toFixed(1)} -> ${res.bestUs.toFixed(1)} us (${speedup.toFixed(2)}x); log ${values.log}`);
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function report(p: TuneProgress): void {
  const left = Math.max(0, p.budgetMs - p.elapsedMs) / 1000;
  const line = `round ${p.round}: workloads ${p.done}/${p.workloads} done, ${p.measured} measured, best ${(p.defaultUs / p.bestUs).toFixed(2)}x, ${left.toFixed(0)} s left`;
  if (process.stderr.isTTY) {
    const w = 24, f = Math.round((w * Math.min(p.elapsedMs, p.budgetMs)) / p.budgetMs);
    process.stderr.write(`\r\x1b[K[${"#".repeat(f)}${".".repeat(w - f)}] ${line}`);
  } else console.error(line);
}

export function parseDuration(s: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(s|m|h)?$/.exec(s.trim());
  if (!m) throw new EdgecError(`--time-budget ${s}: expected a duration such as 90s, 10m or 1h`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[(m[2] ?? "s") as "s" | "m" | "h"]) * 1000;
}

function edgecVersion(): string {
  const pkg = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "package.json");
  return (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
}

function ccVersion(cc: string): string {
  try {
    return execFileSync(cc, ["--version"], { encoding: "utf8" }).split("\n")[0]!.trim();
  } catch {
    return cc;
  }
}
