/**
 * @fileoverview Measures one round of a tune: the whole model compiled with one candidate per
 * workload, linked beside the model compiled with the default schedule, every kernel call timed
 * (CArtifactOptions.profile) and the two run in alternation by runtime-c/harness/edgec_profile.c.
 * A workload's cost is the sum of its kernels' medians, and its relative cost the same over the
 * default's in the same process: the machine's load, which drifts, then cancels out. Measuring
 * every workload in one build keeps a round to one C compile, and each kernel runs with the
 * caches the model leaves it.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { CompileOptions, Compiled, compileGraph, writeCArtifact } from "../api.ts";
import { CTarget } from "../c-targets.ts";
import { Graph, cloneGraph } from "../../ir/graph.ts";
import { arrayFromBytes } from "../../ir/dtype.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { TileKnobs } from "../../ir/schedule.ts";
import { compare } from "../testrun.ts";

const run = promisify(execFile);
const RUNTIME = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "runtime-c");

export interface RoundResult {
  compiled: Compiled;
  /** Median microseconds per node over the runs (a node's kernel calls summed): candidate, default. */
  nodeUs: Map<string, number>;
  refUs: Map<string, number>;
  /** The candidate's outputs. */
  outputs: Uint8Array[];
}

export interface Bench {
  graph: Graph;
  opts: CompileOptions;
  target: CTarget;
  /** Raw input files, in program input order. */
  inputs: string[];
  dir: string;
  cc: string;
  /** Flags after -O3 (the target's, or -march=native as the user's release build has). */
  cflags: readonly string[];
}

/** The default schedule's objects, built once per tune. */
interface RefBuild {
  objects: string[];
  weights: string;
}
const refs = new WeakMap<Bench, RefBuild>();

async function cc(b: Bench, args: string[]): Promise<void> {
  try {
    await run(b.cc, ["-std=c99", "-O3", ...b.cflags, `-I${path.join(RUNTIME, "include")}`, ...args], { maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const first = (err.stderr ?? err.message).split("\n").find((l) => /error/.test(l)) ?? err.message;
    throw new EdgecError(`the generated C did not compile: ${first.trim()}`);
  }
}

/** Writes the model as `name` (compiled for profiling) and compiles it to an object. */
async function buildModel(b: Bench, compiled: Compiled, name: string): Promise<{ obj: string; weights: string }> {
  const out = path.join(b.dir, name);
  fs.rmSync(out, { recursive: true, force: true });
  writeCArtifact(compiled, out, { ...b.opts, cTarget: b.target, name, profile: true, embedLimit: -1 });
  const obj = path.join(b.dir, `${name}.o`);
  await cc(b, ["-c", `-I${out}`, path.join(out, `${name}.c`), "-o", obj]);
  return { obj, weights: path.join(out, `${name}_weights.bin`) };
}

async function refBuild(b: Bench): Promise<RefBuild> {
  let r = refs.get(b);
  if (r) return r;
  const ref = await buildModel(b, compileGraph(cloneGraph(b.graph), { ...b.opts, cTarget: b.target }), "ref");
  const rt = path.join(b.dir, "edgec_runtime.o");
  await cc(b, ["-c", path.join(RUNTIME, "src", "edgec_runtime.c"), "-o", rt]);
  r = { objects: [ref.obj, rt], weights: ref.weights };
  refs.set(b, r);
  return r;
}

export async function measureRound(b: Bench, schedules: ReadonlyMap<string, TileKnobs>, runs: number, tag: string): Promise<RoundResult> {
  const ref = await refBuild(b);
  const compiled = compileGraph(cloneGraph(b.graph), { ...b.opts, cTarget: b.target, schedules });
  const cand = await buildModel(b, compiled, "cand");
  const exe = path.join(b.dir, `profile-${tag}`);
  await cc(b, ["-DEDGEC_PROFILE_A=ref", "-DEDGEC_PROFILE_B=cand", path.join(RUNTIME, "harness", "edgec_profile.c"), ...ref.objects, cand.obj, "-o", exe, "-lm"]);
  const outs = compiled.program.outputs.map((_, i) => path.join(b.dir, `out${i}.raw`));
  let stdout: string;
  try {
    ({ stdout } = await run(exe, ["-n", String(runs), ref.weights, cand.weights, ...b.inputs, ...outs], { maxBuffer: 64 << 20, timeout: 600_000 }));
  } catch (e) {
    const err = e as { stderr?: string; message: string; signal?: string };
    throw new EdgecError(`the compiled model failed at run time: ${(err.stderr || err.signal || err.message).trim().split("\n")[0]}`);
  } finally {
    fs.rmSync(exe, { force: true });
  }
  const nodeUs = new Map<string, number>(), refUs = new Map<string, number>();
  for (const line of stdout.split("\n")) {
    const m = /^([AB]) \d+ ([0-9.]+) \S+ (.*)$/.exec(line);
    if (!m) continue;
    const into = m[1] === "A" ? refUs : nodeUs;
    into.set(m[3]!, (into.get(m[3]!) ?? 0) + Number(m[2]));
  }
  const outputs = outs.map((f) => new Uint8Array(fs.readFileSync(f)));
  return { compiled, nodeUs, refUs, outputs };
}

/** Why a round's outputs differ from the reference outputs, or undefined when they agree. */
export function outputMismatch(c: Compiled, got: Uint8Array[], ref: Uint8Array[]): string | undefined {
  for (const [i, t] of c.program.outputs.entries()) {
    const a = arrayFromBytes(t.type.dtype, got[i]!), e = arrayFromBytes(t.type.dtype, ref[i]!);
    const r = compare(a, e, t.type.dtype, { rtol: 1e-3, atol: 1e-4 });
    if (!r.pass) return `output ${t.name} differs from the default schedule's (max abs ${r.maxAbs})`;
  }
  return undefined;
}
