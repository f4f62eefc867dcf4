/**
 * @fileoverview The ONNX node-test conformance runner. Models are compiled in worker threads of
 * one process (a worker that hangs or dies costs one test, not the run); the runtime and the
 * harness are built once to objects, and each test's C is built and run by `cc` in parallel.
 * Every test ends in exactly one status: PASS, FAIL, UNSUPPORTED or ERROR, with a one-line reason.
 */
import { cTargetDesc, cToolchain, isCTarget, resolveCTarget } from "./c-targets.ts";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DType, arrayFromBytes, bytesOf } from "../ir/dtype.ts";
import { shapeStr } from "../ir/graph.ts";
import { Compiled, compileFile, writeCArtifact, writeEmscriptenArtifact, writeWasmArtifact } from "./api.ts";
import { tileFor } from "../passes/schedule-tile.ts";
import { TARGETS } from "../ir/target.ts";
import { EdgecError } from "../ir/diagnostics.ts";
import { onnx } from "./onnx/tensor.ts";
import { shapesFromData } from "./data-shapes.ts";
import { Lane, serveLane } from "./worker-lane.ts";
import { readTensorFile } from "./onnx/tensor.ts";
import { TestTarget, compare, listDataSets } from "./testrun.ts";

export type Status = "PASS" | "FAIL" | "UNSUPPORTED" | "ERROR";
export const STATUSES: readonly Status[] = ["PASS", "FAIL", "UNSUPPORTED", "ERROR"];

export interface Outcome {
  test: string;
  /** The op family the test exercises (its main node's op type). */
  op: string;
  status: Status;
  /** One line; empty for PASS. */
  reason: string;
  /** For UNSUPPORTED: the op type of the node the compiler rejected, when it names one. */
  rejected?: string;
}

export interface ConformanceOptions {
  /** The folder holding test_* folders. */
  dir: string;
  filter?: RegExp;
  /** Parallel lanes: each compiles in its own worker, then builds and runs with cc. */
  jobs?: number;
  rtol?: number;
  atol?: number;
  cc?: string;
  cflags?: string[];
  /** c (default) builds and runs with cc; the wasm targets build the module and run it in the worker. */
  target?: TestTarget;
  /** wasm targets: SIMD128 (default true). */
  simd?: boolean;
  /** Per-step limits in milliseconds. */
  compileTimeoutMs?: number;
  buildTimeoutMs?: number;
  runTimeoutMs?: number;
  onProgress?: (done: number, total: number, last: Outcome) => void;
}

export const CONFORMANCE_CFLAGS = ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror"];
const RUNTIME_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "runtime-c");

/** The test folders under `dir` (those holding a model.onnx), sorted, optionally filtered. */
export function listTests(dir: string, filter?: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "model.onnx")))
    .map((e) => e.name).filter((n) => !filter || filter.test(n)).sort();
}

// ---------------------------------------------------------------------------------------------
// Worker side: decode the model's op types, compile, write the C and the raw inputs.

interface CompileRequest { id: number; dir: string; out: string; target?: TestTarget; simd?: boolean }
interface TensorInfo { name: string; dtype: DType; shape: number[] }
type CompileReply = { id: number; op: string } & (
  | { ok: true; cfiles: string[]; weights: string; sets: { name: string; inputs: string[] }[]; outputs: TensorInfo[] }
  /** A wasm target: the worker also ran and compared; this is the test's outcome. */
  | { ok: true; done: { status: Status; reason: string }; poisoned?: boolean }
  | { ok: false; status: "UNSUPPORTED" | "ERROR"; reason: string; rejected?: string });

function modelOps(file: string): string[] {
  try {
    const m = onnx.ModelProto.decode(fs.readFileSync(file));
    return (m.graph?.node ?? []).map((n) => n.opType ?? "").filter((o) => o !== "");
  } catch {
    return [];
  }
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * The op a test exercises: the longest op type of its model (or, for an `_expanded` test, of the
 * unexpanded sibling's model) that prefixes the folder name; else the model's only op.
 */
export function testFamily(testDir: string): string {
  const name = path.basename(testDir).replace(/^test_/, "");
  const own = modelOps(path.join(testDir, "model.onnx"));
  const unexpanded = name.replace(/_expanded(_ver\d+)?$/, "");
  const sibling = unexpanded !== name ? path.join(path.dirname(testDir), `test_${unexpanded}`) : undefined;
  const base = sibling && fs.existsSync(path.join(sibling, "model.onnx")) ? modelOps(path.join(sibling, "model.onnx")) : own;
  const key = norm(name);
  const cands = [...new Set([...base, ...own])].filter((o) => key.startsWith(norm(o)));
  if (cands.length) return cands.sort((a, b) => norm(b).length - norm(a).length || a.localeCompare(b))[0]!;
  const distinct = [...new Set(base.filter((o) => o !== "Constant"))];
  if (distinct.length === 1) return distinct[0]!;
  return unexpanded;
}

function oneLine(s: string, max = 240): string {
  const l = s.replace(/\s*\n\s*/g, " ").trim();
  return l.length > max ? l.slice(0, max - 3) + "..." : l;
}

/** Messages in which the compiler declines something it does not handle (vs. a bug or bad input). */
const LIMITATION = /not supported|unsupported|must be known at compile time|older than the oldest supported/i;

function classify(e: unknown): { status: "UNSUPPORTED" | "ERROR"; reason: string; rejected?: string } {
  if (e instanceof EdgecError) {
    const msg = oneLine(e.message);
    if (LIMITATION.test(msg)) {
      const m = /^node "(?:[^"\\]|\\.)*" \(([^)]+)\):/.exec(msg);
      return { status: "UNSUPPORTED", reason: msg, rejected: m?.[1] };
    }
    return { status: "ERROR", reason: `compile: ${msg}` };
  }
  const err = e as Error;
  return { status: "ERROR", reason: `internal error: ${oneLine(String(err?.message ?? e))}` };
}

async function compileTest(req: CompileRequest): Promise<CompileReply> {
  const op = testFamily(req.dir);
  const cTarget = isCTarget(req.target) ? resolveCTarget(req.target) : undefined;
  let compiled: Compiled;
  try {
    compiled = compileFile(path.join(req.dir, "model.onnx"), { inputShapes: shapesFromData(req.dir), tile: tileFor(cTarget ?? req.target), cTarget, ...(req.target === "wasm" ? { vectorTarget: TARGETS.wasm } : {}) });
  } catch (e) {
    return { id: req.id, op, ok: false, ...classify(e) };
  }
  if (req.target === "wasm" || req.target === "wasm-emscripten") {
    const done = await runWasmTest(req, compiled);
    // binaryen (compiled with emscripten) cannot be used again after it aborts: replace the worker.
    return { id: req.id, op, ok: true, done, poisoned: /\bAborted\(/.test(done.reason) };
  }
  try {
    const p = compiled.program;
    const c = path.join(req.out, "c");
    writeCArtifact(compiled, c, { cTarget });
    const cfiles = fs.readdirSync(c).filter((f) => f.endsWith(".c") && f !== "edgec_runtime.c").sort().map((f) => path.join(c, f));
    const weights = fs.existsSync(path.join(c, "model_weights.bin")) ? path.join(c, "model_weights.bin") : "-";
    const sets = listDataSets(req.dir).map((set, k) => ({
      name: set,
      inputs: p.inputs.map((t, i) => {
        const tensor = readTensorFile(path.join(req.dir, set, `input_${i}.pb`));
        checkTensor(tensor.dtype, tensor.shape, t.type.dtype, t.type.shape, `input ${i} of ${set}`);
        const raw = path.join(req.out, `s${k}_in${i}.raw`);
        fs.writeFileSync(raw, bytesOf(tensor.data));
        return raw;
      }),
    }));
    if (sets.length === 0) return { id: req.id, op, ok: false, status: "ERROR", reason: "the folder has no test_data_set_*" };
    const outputs = p.outputs.map((t) => ({ name: t.name, dtype: t.type.dtype, shape: t.type.shape }));
    return { id: req.id, op, ok: true, cfiles, weights, sets, outputs };
  } catch (e) {
    return { id: req.id, op, ok: false, ...classify(e) };
  }
}

function checkTensor(dt: DType, shape: number[], wantDt: DType, want: number[], what: string): void {
  if (dt !== wantDt) throw new EdgecError(`${what} is ${dt} but the compiled model takes ${wantDt}`);
  if (shape.length !== want.length || shape.some((d, i) => d !== want[i]))
    throw new EdgecError(`${what} has shape ${shapeStr(shape)} but the compiled model takes ${shapeStr(want)}`);
}

/** Builds the wasm artifact, runs every data set through its loader in this worker and compares. */
async function runWasmTest(req: CompileRequest, compiled: Compiled): Promise<{ status: Status; reason: string }> {
  const p = compiled.program;
  try {
    const out = path.join(req.out, "wasm");
    if (req.target === "wasm-emscripten") await writeEmscriptenArtifact(compiled, out, { simd: req.simd });
    else await writeWasmArtifact(compiled, out, { simd: req.simd });
    const { createModel } = await import(pathToFileURL(path.join(out, "model.mjs")).href) as
      { createModel: () => Promise<{ run(x: Record<string, unknown>): Record<string, ReturnType<typeof arrayFromBytes>> }> };
    const model = await createModel();
    const sets = listDataSets(req.dir);
    if (sets.length === 0) return { status: "ERROR", reason: "the folder has no test_data_set_*" };
    const failures: string[] = [];
    for (const set of sets) {
      const feeds: Record<string, unknown> = {};
      p.inputs.forEach((t, i) => {
        const tensor = readTensorFile(path.join(req.dir, set, `input_${i}.pb`));
        checkTensor(tensor.dtype, tensor.shape, t.type.dtype, t.type.shape, `input ${i} of ${set}`);
        feeds[t.name] = tensor.data;
      });
      let got: Record<string, ReturnType<typeof arrayFromBytes>>;
      try {
        got = model.run(feeds);
      } catch (e) {
        return { status: "ERROR", reason: `run failed: ${oneLine(String((e as Error)?.message ?? e), 200)}` };
      }
      for (const [i, t] of p.outputs.entries()) {
        const expected = readTensorFile(path.join(req.dir, set, `output_${i}.pb`));
        checkTensor(expected.dtype, expected.shape, t.type.dtype, t.type.shape, `expected output ${i} of ${set}`);
        const g = got[t.name]!;
        const c = compare(g, expected.data, t.type.dtype, { rtol: 1e-3, atol: 1e-7 });
        if (!c.pass) {
          const where = sets.length > 1 ? `${set} ` : "";
          failures.push(g.length !== expected.data.length
            ? `${where}output ${JSON.stringify(t.name)}: ${g.length} elements, expected ${expected.data.length}`
            : `${where}output ${JSON.stringify(t.name)}: ${c.mismatches}/${expected.data.length} out of tolerance, max abs err ${exp(c.maxAbs)}, max rel err ${exp(c.maxRel)}`);
        }
      }
    }
    if (failures.length) return { status: "FAIL", reason: oneLine(failures.join("; "), 300) };
    return { status: "PASS", reason: "" };
  } catch (e) {
    const c = classify(e);
    return { status: c.status, reason: c.reason };
  }
}

const LANE_TAG = "edgec-conformance";
serveLane<CompileRequest, CompileReply>(LANE_TAG, compileTest);
const newLane = () => new Lane<Omit<CompileRequest, "id">, CompileReply>(import.meta.url, LANE_TAG);
type ConformanceLane = ReturnType<typeof newLane>;

interface Proc { code: number | null; signal: string | null; stderr: string; timedOut: boolean }

// Leak checks would judge the harness, not the model, and fail under ptrace.
const RUN_ENV = { ...process.env, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ? process.env.ASAN_OPTIONS + ":" : ""}detect_leaks=0` };

function runProc(file: string, args: string[], timeoutMs: number): Promise<Proc> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 << 20, encoding: "utf8", env: RUN_ENV }, (err, _out, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string; killed?: boolean }) | null;
      if (!e) return resolve({ code: 0, signal: null, stderr, timedOut: false });
      const timedOut = !!e.killed && e.signal === "SIGKILL";
      resolve({ code: typeof e.code === "number" ? e.code : null, signal: e.signal ?? null, stderr: stderr || String(e.message), timedOut });
    });
  });
}

/** The first error line of a tool's output, without the build folder's path or sanitizer pid. */
function firstDiag(stderr: string, work?: string): string {
  const lines = stderr.split("\n").map((l) => l.trim().replace(/^==\d+==/, "")).filter(Boolean);
  const l = lines.find((x) => /\b(error|warning)\b/i.test(x)) ?? lines[0] ?? "no message";
  return oneLine(work ? l.split(`${work}/c/`).join("").split(`${work}/`).join("") : l, 200);
}

async function buildObjects(root: string, cc: string, cflags: string[]): Promise<{ runtime: string; harness: string }> {
  const inc = `-I${path.join(RUNTIME_DIR, "include")}`;
  const runtime = path.join(root, "edgec_runtime.o"), harness = path.join(root, "edgec_harness.o");
  const [a, b] = await Promise.all([
    runProc(cc, [...cflags, inc, "-c", path.join(RUNTIME_DIR, "src", "edgec_runtime.c"), "-o", runtime], 120_000),
    runProc(cc, [...cflags, inc, "-DEDGEC_HARNESS_MODEL=model_model", "-c", path.join(RUNTIME_DIR, "harness", "edgec_harness.c"), "-o", harness], 120_000),
  ]);
  for (const r of [a, b]) if (r.code !== 0) throw new EdgecError(`cannot build the runtime with ${cc}: ${firstDiag(r.stderr)}`);
  return { runtime, harness };
}

const exp = (x: number) => x.toExponential(2);

/** The runner's settings: the options with their defaults, and how the target's binaries link and run. */
type RunSettings = Required<Omit<ConformanceOptions, "filter" | "onProgress">> & { linkFlags: string[]; runPrefix: string[] };

async function runOne(name: string, lane: ConformanceLane, root: string, objs: { runtime: string; harness: string }, o: RunSettings): Promise<Outcome> {
  const dir = path.join(o.dir, name);
  const work = fs.mkdtempSync(path.join(root, `${name.slice(0, 60)}-`));
  let op = name.replace(/^test_/, "");
  try {
    const r = await lane.request({ dir, out: work, target: o.target, simd: o.simd }, o.compileTimeoutMs);
    if ("timeout" in r) return { test: name, op: testFamily(dir), status: "ERROR", reason: `compile timed out after ${o.compileTimeoutMs / 1000} s` };
    if ("crash" in r) return { test: name, op: testFamily(dir), status: "ERROR", reason: `compiler crashed: ${r.crash}` };
    op = r.op;
    if (!r.ok) return { test: name, op, status: r.status, reason: r.reason, ...(r.rejected ? { rejected: r.rejected } : {}) };
    if ("done" in r) return { test: name, op, ...r.done };
    const exe = path.join(work, "harness");
    const b = await runProc(o.cc, [...o.cflags, ...o.linkFlags, `-I${path.join(work, "c")}`, ...r.cfiles, objs.runtime, objs.harness, "-o", exe, "-lm"], o.buildTimeoutMs);
    if (b.timedOut) return { test: name, op, status: "ERROR", reason: `cc timed out after ${o.buildTimeoutMs / 1000} s` };
    if (b.code !== 0) return { test: name, op, status: "ERROR", reason: `cc: ${firstDiag(b.stderr, work)}` };
    const failures: string[] = [];
    for (const [k, set] of r.sets.entries()) {
      const outs = r.outputs.map((_, i) => path.join(work, `s${k}_out${i}.raw`));
      const [file, ...pre] = [...o.runPrefix, exe];
      const x = await runProc(file!, [...pre, r.weights, ...set.inputs, ...outs], o.runTimeoutMs);
      if (x.timedOut) return { test: name, op, status: "ERROR", reason: `run timed out after ${o.runTimeoutMs / 1000} s` };
      if (x.signal) return { test: name, op, status: "ERROR", reason: `run crashed with ${x.signal}` };
      if (x.code !== 0) return { test: name, op, status: "ERROR", reason: `run failed: ${firstDiag(x.stderr, work)}` };
      for (const [i, t] of r.outputs.entries()) {
        const ef = path.join(dir, set.name, `output_${i}.pb`);
        const expected = readTensorFile(ef);
        try {
          checkTensor(expected.dtype, expected.shape, t.dtype, t.shape, `expected output ${i} of ${set.name}`);
        } catch (e) {
          return { test: name, op, status: "ERROR", reason: (e as Error).message };
        }
        const got = arrayFromBytes(t.dtype, new Uint8Array(fs.readFileSync(outs[i]!)));
        const c = compare(got, expected.data, t.dtype, o);
        if (!c.pass) {
          const where = r.sets.length > 1 ? `${set.name} ` : "";
          failures.push(got.length !== expected.data.length
            ? `${where}output ${JSON.stringify(t.name)}: ${got.length} elements, expected ${expected.data.length}`
            : `${where}output ${JSON.stringify(t.name)}: ${c.mismatches}/${expected.data.length} out of tolerance, max abs err ${exp(c.maxAbs)}, max rel err ${exp(c.maxRel)}`);
        }
      }
    }
    if (failures.length) return { test: name, op, status: "FAIL", reason: oneLine(failures.join("; "), 300) };
    return { test: name, op, status: "PASS", reason: "" };
  } catch (e) {
    return { test: name, op, status: "ERROR", reason: `runner: ${oneLine(String((e as Error)?.message ?? e))}` };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Runs every (filtered) test folder under `opts.dir`; results are sorted by test name. */
export async function runConformance(opts: ConformanceOptions): Promise<Outcome[]> {
  const tools = isCTarget(opts.target) ? cToolchain(resolveCTarget(opts.target), opts.cc) : undefined;
  const o: RunSettings = {
    dir: opts.dir,
    jobs: Math.max(1, opts.jobs ?? os.availableParallelism()),
    rtol: opts.rtol ?? 1e-3,
    atol: opts.atol ?? 1e-7,
    cc: tools?.cc ?? "cc",
    cflags: [...(opts.cflags ?? CONFORMANCE_CFLAGS), ...(isCTarget(opts.target) ? cTargetDesc(resolveCTarget(opts.target)).cflags : [])],
    linkFlags: tools?.linkFlags ?? [],
    runPrefix: tools?.runPrefix ?? [],
    compileTimeoutMs: opts.compileTimeoutMs ?? 60_000,
    buildTimeoutMs: opts.buildTimeoutMs ?? 120_000,
    runTimeoutMs: opts.runTimeoutMs ?? 60_000,
    target: opts.target ?? "c",
    simd: opts.simd ?? true,
  };
  // A wasm test compiles and runs in the worker, under one limit.
  if (!isCTarget(o.target) && !opts.compileTimeoutMs) o.compileTimeoutMs += o.runTimeoutMs;
  const tests = listTests(o.dir, opts.filter);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-conformance-"));
  const cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  process.once("exit", cleanup);
  const lanes = Array.from({ length: Math.min(o.jobs, Math.max(1, tests.length)) }, newLane);
  try {
    const objs = isCTarget(o.target) ? await buildObjects(root, o.cc, o.cflags) : { runtime: "", harness: "" };
    const results: Outcome[] = [];
    let next = 0;
    await Promise.all(lanes.map(async (lane) => {
      while (next < tests.length) {
        const name = tests[next++]!;
        const r = await runOne(name, lane, root, objs, o);
        results.push(r);
        opts.onProgress?.(results.length, tests.length, r);
      }
    }));
    return results.sort((a, b) => (a.test < b.test ? -1 : a.test > b.test ? 1 : 0));
  } finally {
    await Promise.all(lanes.map((l) => l.close()));
    cleanup();
    process.off("exit", cleanup);
  }
}

// ---------------------------------------------------------------------------------------------
// Reports: totals, the per-op table, the per-test table, and the regression check.

export type Totals = Record<Status, number> & { total: number };

export function totals(rs: Outcome[]): Totals {
  const t: Totals = { PASS: 0, FAIL: 0, UNSUPPORTED: 0, ERROR: 0, total: rs.length };
  for (const r of rs) t[r.status]++;
  return t;
}

export function totalsLine(t: Totals): string {
  return `${t.PASS} passed, ${t.FAIL} failed, ${t.UNSUPPORTED} unsupported, ${t.ERROR} errors out of ${t.total}`;
}

/** Per op family: counts by status, sorted by op name. */
export function byOp(rs: Outcome[]): { op: string; t: Totals }[] {
  const m = new Map<string, Outcome[]>();
  for (const r of rs) m.set(r.op, [...(m.get(r.op) ?? []), r]);
  return [...m.keys()].sort(cmpStr).map((op) => ({ op, t: totals(m.get(op)!) }));
}

/** Op families with the most tests that do not pass, most first. */
export function worstOps(rs: Outcome[], n: number): { op: string; t: Totals }[] {
  return byOp(rs).filter((x) => x.t.PASS < x.t.total)
    .sort((a, b) => (b.t.total - b.t.PASS) - (a.t.total - a.t.PASS) || cmpStr(a.op, b.op)).slice(0, n);
}

/**
 * Why tests are UNSUPPORTED, grouped by the rejected node's op and the message's first clause
 * (node names and numbers left out), most frequent first.
 */
export function rejections(rs: Outcome[]): { op: string; why: string; n: number }[] {
  const m = new Map<string, { op: string; why: string; n: number }>();
  for (const r of rs) {
    if (r.status !== "UNSUPPORTED") continue;
    const op = r.rejected ?? "-";
    const why = r.reason.replace(/^node "(?:[^"\\]|\\.)*" \([^)]*\): /, "").split(";")[0]!.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\b\d+\b/g, "N");
    const k = `${op}\u0000${why}`;
    const e = m.get(k) ?? { op, why, n: 0 };
    e.n++;
    m.set(k, e);
  }
  return [...m.values()].sort((a, b) => b.n - a.n || cmpStr(a.op, b.op) || cmpStr(a.why, b.why));
}

const sci = (x: number) => x.toExponential();
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cell = (s: string) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/`/g, "'");

export function renderMarkdown(rs: Outcome[], opts: { rtol: number; atol: number; cflags: string[]; target?: TestTarget; simd?: boolean; cc?: string; runPrefix?: string[] }): string {
  const t = totals(rs);
  const L: string[] = [];
  const target = opts.target ?? "c";
  L.push(`# ONNX node-test conformance (${target === "c" ? "C" : target} target)`, "");
  if (isCTarget(target)) {
    L.push(`Generated by \`edgec conformance${target === "c" ? "" : ` --target ${target}`}\`; do not edit. Each test's model is compiled to C${target === "c" ? "" : " with its loops vectorized as that level's intrinsics"}, built with`);
    const under = opts.runPrefix?.length ? ` under \`${opts.runPrefix.join(" ")}\`` : "";
    L.push(`\`${opts.cc ?? "cc"} ${opts.cflags.join(" ")}\`, run${under} on test_data_set_*, and compared with rtol ${sci(opts.rtol)}, atol ${sci(opts.atol)}`);
  } else {
    L.push(`Generated by \`edgec conformance --target ${target}\`; do not edit. Each test's model is compiled to a`);
    L.push(`WebAssembly module (${target === "wasm" ? "binaryen" : "emcc"}, ${opts.simd === false ? "scalar" : "SIMD128"}), run in Node through its model.mjs loader on test_data_set_*, and compared with rtol ${sci(opts.rtol)}, atol ${sci(opts.atol)}`);
  }
  L.push("(integers and bools exactly). Symbolic input dims are fixed from test_data_set_0's inputs, as");
  L.push("`--input-shape` would; every other input stays a run-time input.", "");
  L.push("| status | tests |", "|---|---:|");
  for (const s of STATUSES) L.push(`| ${s} | ${t[s]} |`);
  L.push(`| total | ${t.total} |`, "");
  L.push(`**${totalsLine(t)}.**`, "");
  L.push("- PASS: every output within tolerance.", "- FAIL: the model ran but an output is out of tolerance.");
  L.push("- UNSUPPORTED: the compiler declined an op, type or attribute it does not support, or a run-time");
  L.push("  input it needs at compile time (axes, shapes, scales).");
  L.push("- ERROR: any other compile error, a C build error, a crash or a timeout.", "");
  const worst = worstOps(rs, 15);
  if (worst.length) {
    L.push("## Op families with the most tests not passing", "");
    L.push("| op | not passing | fail | unsupported | error | total |", "|---|---:|---:|---:|---:|---:|");
    for (const { op, t: x } of worst) L.push(`| ${cell(op)} | ${x.total - x.PASS} | ${x.FAIL} | ${x.UNSUPPORTED} | ${x.ERROR} | ${x.total} |`);
    L.push("");
  }
  const rej = rejections(rs);
  if (rej.length) {
    L.push("## Why tests are unsupported", "", "The node the compiler rejected (an `_expanded` test can reject a helper op) and why.", "");
    L.push("| op | why | tests |", "|---|---|---:|");
    for (const x of rej) L.push(`| ${cell(x.op)} | ${cell(x.why)} | ${x.n} |`);
    L.push("");
  }
  L.push("## By op", "", "| op | pass / total | fail | unsupported | error |", "|---|---:|---:|---:|---:|");
  for (const { op, t: x } of byOp(rs)) L.push(`| ${cell(op)} | ${x.PASS} / ${x.total} | ${x.FAIL} | ${x.UNSUPPORTED} | ${x.ERROR} |`);
  L.push("", "## By test", "", "| test | op | status | reason |", "|---|---|---|---|");
  for (const r of rs) L.push(`| ${cell(r.test)} | ${cell(r.op)} | ${r.status} | ${cell(r.reason)} |`);
  return L.join("\n") + "\n";
}

export interface ResultsFile {
  totals: Totals;
  tests: Record<string, { op: string; status: Status; reason: string; rejected?: string }>;
}

export function renderJson(rs: Outcome[]): string {
  const tests: ResultsFile["tests"] = {};
  for (const r of rs) tests[r.test] = { op: r.op, status: r.status, reason: r.reason, ...(r.rejected ? { rejected: r.rejected } : {}) };
  return JSON.stringify({ totals: totals(rs), tests } satisfies ResultsFile, null, 1) + "\n";
}

export function readResults(file: string): ResultsFile {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new EdgecError(`cannot read ${file}: ${oneLine((e as Error).message)}; run 'edgec conformance' to write it`);
  }
  const tests = (data as Partial<ResultsFile> | null)?.tests;
  if (!tests || typeof tests !== "object") throw new EdgecError(`${file} has no "tests" object; regenerate it with 'edgec conformance'`);
  return data as ResultsFile;
}

export interface CheckResult {
  /** Tests that passed in the baseline and no longer pass. */
  regressions: Outcome[];
  /** Tests that pass now and did not in the baseline (or were not in it). */
  fixed: Outcome[];
}

/** Compares a run with a baseline; only tests present in the run are judged. */
export function checkAgainst(rs: Outcome[], base: ResultsFile): CheckResult {
  const regressions: Outcome[] = [], fixed: Outcome[] = [];
  for (const r of rs) {
    const was = base.tests[r.test]?.status;
    if (was === "PASS" && r.status !== "PASS") regressions.push(r);
    if (was !== "PASS" && r.status === "PASS") fixed.push(r);
  }
  return { regressions, fixed };
}
