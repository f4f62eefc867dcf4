/**
 * @fileoverview `npm run fuzz`: mutates ONNX models (the node tests, the shared models and
 * generated ones), compiles every mutant in worker lanes with a time limit, builds the ones that
 * compile in sanitized batches and runs them on random inputs. Each case must be refused with a
 * one-line error or compile, and each compiled case must run clean. Failures are shrunk and saved
 * as reproducers; `--replay DIR` runs one again.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Lane, LaneResult } from "../../compiler/worker-lane.ts";
import { buildModel } from "../helpers/onnx-builder.ts";
import * as stress from "../helpers/stress-models.ts";
import { ROOT, SHARED } from "../shared.ts";
import { BatchCase, CaseFault, runBatch } from "./batch.ts";
import { CaseReply, CaseRequest, LANE_TAG } from "./compile-case.ts";
import { OpForm, mutate, opForms, rng } from "./mutate.ts";
import { reduce, signature } from "./reduce.ts";

const USAGE = `usage: npm run fuzz -- [--cases N] [--seed S] [--out DIR] [options]
       npm run fuzz -- --replay DIR

Mutates models from the ONNX node tests, the shared models and generated ones; every mutant must
be refused with a one-line error or compile, and every compiled mutant is built with AddressSanitizer
and UndefinedBehaviorSanitizer and run on random inputs, which must run clean. A failing case is written to --out/found/ as soon
as it fails, and at the end one per distinct failure is shrunk and saved under --out.

options:
  --cases N          mutants to try (default 1000)
  --seed S           seed of the run (default 1); the same seed gives the same cases
  --out DIR          where reproducers go (default fuzz-out)
  --jobs J           compile lanes (default: the number of cores)
  --run-limit R      build and run at most R compiled cases (default: all)
  --batch B          cases per sanitized build (default 40)
  --wasm-every K     also build the wasm module of every K-th compiled case (default 5; 0: never)
  --compile-timeout S  seconds a compile may take (default 30)
  --replay DIR       compile and run a saved reproducer again`;

interface Seed { name: string; load: () => Uint8Array }

const SMALL_MODEL = 2 << 20;

/** The node tests, the small shared models and generated models; says what it could not find. */
function corpus(): Seed[] {
  const seeds: Seed[] = [];
  const fromDir = (dir: string, maxBytes = Infinity) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const f = path.join(dir, e.name, "model.onnx");
      if (e.isDirectory() && fs.existsSync(f) && fs.statSync(f).size <= maxBytes) seeds.push({ name: e.name, load: () => fs.readFileSync(f) });
    }
  };
  for (const [sub, max] of [["onnx-node-tests", Infinity], ["models", SMALL_MODEL]] as const) {
    const d = path.join(SHARED, sub);
    if (fs.existsSync(d)) fromDir(d, max);
    else console.log(`fuzz: ${d} not found (set EDGEC_SHARED); seeds from it skipped`);
  }
  seeds.push({ name: "demo", load: () => fs.readFileSync(path.join(ROOT, "examples", "demo", "model.onnx")) });
  const gen: [string, () => Parameters<typeof buildModel>[0]][] = [
    ["chain", () => stress.chainModel(24)], ["hardswish", () => stress.hardSwishBlocksModel(10)],
    ["shared-operand", () => stress.sharedOperandModel(8)], ["shape-chain", () => stress.shapeChainModel(30)],
    ["if", () => stress.bigIfModel(6)], ["nested-loops", () => stress.nestedLoopModel()], ["constants", () => stress.constantsModel(12)],
  ];
  for (const [name, spec] of gen) seeds.push({ name, load: () => buildModel(spec()) });
  return seeds;
}

interface Failure { id: number; kind: string; message: string; bytes: Uint8Array; seed: string; what: string[]; inputSeed?: number }

class Fuzz {
  readonly counts = { cases: 0, compiled: 0, refused: 0, internal: 0, hangs: 0, run: 0, faults: 0, tooLarge: 0, heavy: 0, batches: 0 };
  readonly failures: Failure[] = [];
  private lanes: Lane<CaseRequest, CaseReply>[];
  private readonly module = new URL("./compile-case.ts", import.meta.url).href;

  constructor(readonly work: string, jobs: number, readonly compileMs: number) {
    this.lanes = Array.from({ length: jobs }, () => new Lane<CaseRequest, CaseReply>(this.module, LANE_TAG));
  }

  lane(k: number) { return this.lanes[k % this.lanes.length]!; }

  async compile(k: number, req: CaseRequest): Promise<LaneResult<CaseReply>> {
    return this.lane(k).request(req, this.compileMs);
  }

  /** Compiles and runs one model alone (for shrinking and replay): its fault, or undefined. */
  async check(bytes: Uint8Array, inputSeed: number, tag: string): Promise<{ kind: string; message: string } | undefined> {
    const dir = fs.mkdtempSync(path.join(this.work, `${tag}-`));
    try {
      const r = await this.compile(0, { bytes, name: "m0", dir });
      if ("timeout" in r) return { kind: "hang", message: `compile ran longer than ${this.compileMs / 1000} s` };
      if ("crash" in r) return { kind: "internal", message: r.crash };
      if (r.kind === "internal") return { kind: "internal", message: r.message };
      if (r.kind === "refused") return undefined;
      const [f] = await runBatch([{ id: 0, name: "m0", files: r.files, inputSeed, heavy: r.heavy }], dir);
      return f && f.kind !== "timeout" ? { kind: f.kind, message: f.message } : undefined;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}

/** Writes a reproducer: the shrunk model and what it does. */
/** Keeps a failure, and writes it unreduced at once, so a long run can be looked into while it goes on. */
function record(fz: Fuzz, f: Failure, out: string, seedOfRun: number): void {
  fz.failures.push(f);
  const dir = path.join(out, "found", `${f.kind}-${seedOfRun}-${f.id}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), f.bytes);
  fs.writeFileSync(path.join(dir, "case.json"), JSON.stringify({
    kind: f.kind, message: f.message, seed: seedOfRun, case: f.id, from: f.seed, mutations: f.what, inputSeed: f.inputSeed ?? 0,
  }, null, 2) + "\n");
  console.log(`  found ${f.kind} in case ${f.id}: ${f.message.split("\n")[0]} (${dir})`);
}

async function save(fz: Fuzz, f: Failure, out: string, seedOfRun: number): Promise<string> {
  const sig = signature(f.kind, f.message);
  const stillFails = async (b: Uint8Array) => {
    const r = await fz.check(b, f.inputSeed ?? 0, "shrink");
    return !!r && signature(r.kind, r.message) === sig;
  };
  const small = await reduce(f.bytes, stillFails, f.kind === "internal" || f.kind === "hang" ? 150 : 40);
  const dir = path.join(out, `${f.kind}-${seedOfRun}-${f.id}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), small);
  fs.writeFileSync(path.join(dir, "case.json"), JSON.stringify({
    kind: f.kind, message: f.message, seed: seedOfRun, case: f.id, from: f.seed, mutations: f.what, inputSeed: f.inputSeed ?? 0,
    bytes: { original: f.bytes.length, shrunk: small.length },
  }, null, 2) + "\n");
  return dir;
}

async function replay(dir: string, fz: Fuzz): Promise<number> {
  const info = JSON.parse(fs.readFileSync(path.join(dir, "case.json"), "utf8")) as { kind: string; message: string; inputSeed: number };
  const r = await fz.check(new Uint8Array(fs.readFileSync(path.join(dir, "model.onnx"))), info.inputSeed, "replay");
  console.log(`saved: ${info.kind}: ${info.message}`);
  console.log(r ? `now:   ${r.kind}: ${r.message}` : "now:   clean (refused with a one-line error, or compiled and ran clean)");
  return r ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true, options: {
      cases: { type: "string", default: "1000" }, seed: { type: "string", default: "1" }, out: { type: "string", default: "fuzz-out" },
      jobs: { type: "string" }, "run-limit": { type: "string" }, batch: { type: "string", default: "40" },
      "wasm-every": { type: "string", default: "5" }, "compile-timeout": { type: "string", default: "30" },
      replay: { type: "string" }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) { console.log(USAGE); return 0; }
  const num = (v: string | undefined, what: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${what} takes a non-negative integer`);
    return n;
  };
  const cases = num(values.cases, "cases"), seed = num(values.seed, "seed"), batch = Math.max(1, num(values.batch, "batch"));
  const runLimit = values["run-limit"] === undefined ? Infinity : num(values["run-limit"], "run-limit");
  const wasmEvery = num(values["wasm-every"], "wasm-every");
  const jobs = Math.max(1, values.jobs ? num(values.jobs, "jobs") : os.availableParallelism());
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-fuzz-"));
  const fz = new Fuzz(work, jobs, num(values["compile-timeout"], "compile-timeout") * 1000);
  const started = Date.now();
  try {
    if (values.replay) return await replay(values.replay, fz);
    const seeds = corpus();
    const forms: OpForm[] = [];
    const seen = new Set<string>();
    for (const s of seeds) for (const f of opForms(s.load())) {
      const k = `${f.op}/${f.inputs}`;
      if (!seen.has(k) && f.op) { seen.add(k); forms.push(f); }
    }
    console.log(`fuzz: ${cases} cases from ${seeds.length} seed models, seed ${seed}, ${jobs} lanes`);
    const pending: (BatchCase & { bytes: Uint8Array; seed: string; what: string[] })[] = [];
    // Sanitized builds take most of the time: up to `jobs` of them run at once.
    const inFlight = new Set<Promise<void>>();
    const flush = async () => {
      const b = pending.splice(0);
      if (!b.length) return;
      while (inFlight.size >= jobs) await Promise.race(inFlight);
      const dir = path.join(work, `b${fz.counts.batches++}`);
      fs.mkdirSync(dir, { recursive: true });
      const job = (async () => {
        const faults: CaseFault[] = await runBatch(b, dir);
        fz.counts.run += b.length;
        for (const f of faults) {
          const c = b.find((x) => x.id === f.id)!;
          if (f.kind === "timeout") { fz.counts.heavy++; continue; }
          fz.counts.faults++;
          record(fz, { id: f.id, kind: f.kind, message: f.message, bytes: c.bytes, seed: c.seed, what: c.what, inputSeed: c.inputSeed }, values.out!, seed);
        }
        for (const c of b) fs.rmSync(path.dirname(c.files[0]!), { recursive: true, force: true });
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
    };
    let next = 0, queued = 0;
    const progressEvery = Math.max(100, Math.ceil(cases / 20));
    await Promise.all(Array.from({ length: jobs }, async (_, lane) => {
      while (next < cases) {
        const id = next++;
        const r = rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(id + 1, 0x85ebca6b)) >>> 0);
        const s = seeds[Math.floor(r() * seeds.length)]!;
        const m = mutate(s.load(), r, forms);
        const name = `m${id}`;
        const run = queued < runLimit;
        const res = await fz.lane(lane).request({ bytes: m.bytes, name, dir: run ? path.join(work, `c${id}`) : undefined,
          wasm: wasmEvery > 0 && id % wasmEvery === 0 }, fz.compileMs);
        fz.counts.cases++;
        const fail = (kind: string, message: string) => record(fz, { id, kind, message, bytes: m.bytes, seed: s.name, what: m.what }, values.out!, seed);
        if ("timeout" in res) { fz.counts.hangs++; fail("hang", `compile ran longer than ${fz.compileMs / 1000} s`); }
        else if ("crash" in res) { fz.counts.internal++; fail("internal", res.crash); }
        else if (res.kind === "refused") fz.counts.refused++;
        else if (res.kind === "internal") { fz.counts.internal++; fail("internal", `${res.message} @ ${res.where}`); }
        else {
          fz.counts.compiled++;
          if (!run) { /* compile-only */ }
          else if (res.workspace + res.ioBytes > 256 << 20) { fz.counts.tooLarge++; fs.rmSync(path.join(work, `c${id}`), { recursive: true, force: true }); }
          else {
            queued++;
            pending.push({ id, name, files: res.files, inputSeed: id, heavy: res.heavy, bytes: m.bytes, seed: s.name, what: m.what });
            if (pending.length >= batch) await flush();
          }
        }
        if (fz.counts.cases % progressEvery === 0) console.log(`  ${progressLine(fz, started)}`);
      }
    }));
    await flush();
    await Promise.all(inFlight);
    console.log(`fuzz: ${progressLine(fz, started)}`);
    // One reproducer per distinct failure.
    const bySig = new Map<string, Failure>();
    for (const f of fz.failures) if (!bySig.has(signature(f.kind, f.message))) bySig.set(signature(f.kind, f.message), f);
    for (const f of bySig.values()) {
      const dir = await save(fz, f, values.out!, seed);
      console.log(`FAIL ${f.kind}: ${f.message}\n     from ${f.seed} (${f.what.join("; ")}); reproducer: ${dir}`);
    }
    console.log(fz.failures.length ? `${fz.failures.length} failing cases (${bySig.size} distinct) saved under ${values.out}` : "no failures");
    return fz.failures.length ? 1 : 0;
  } finally {
    await fz.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function progressLine(fz: Fuzz, started: number): string {
  const c = fz.counts;
  return `${c.cases} cases: ${c.compiled} compiled, ${c.refused} refused, ${c.internal} internal errors, ${c.hangs} hangs; ` +
    `${c.run} run under sanitizers in ${c.batches} builds, ${c.faults} faults${c.tooLarge ? `, ${c.tooLarge} too large to run` : ""}` +
    `${c.heavy ? `, ${c.heavy} out of time by their own size (unbounded loops, huge kernels)` : ""}; ${((Date.now() - started) / 1000).toFixed(0)} s`;
}
