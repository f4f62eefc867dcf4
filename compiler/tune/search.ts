/**
 * @fileoverview `edgec tune`'s search. Round 0 measures the default schedule. Each later round
 * gives every unfinished workload one candidate: from a pool of mutations and crossovers of its
 * best measured candidates plus random points, the one the cost model predicts fastest (a random
 * one with a small probability, so the model keeps learning where it is wrong). Every measurement
 * is appended to the log at once; a resumed tune re-reads the log, measures nothing it holds, and
 * continues with the generator advanced past the records it found.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CompileOptions } from "../api.ts";
import { CTarget, cTargetDesc } from "../c-targets.ts";
import { Graph } from "../../ir/graph.ts";
import { lanesOf } from "../../ir/target.ts";
import { TileKnobs } from "../../ir/schedule.ts";
import { CostModel, FeatureTarget, Sample, features } from "./cost-model.ts";
import { MIN_GAIN, MIN_REPEATS, TuneRecord, appendRecord, readLog, upperMedian } from "./log.ts";
import { Bench, measureRound, outputMismatch } from "./measure.ts";
import { Candidate, candidateKey, crossover, defaultCandidate, knobsOf, mutate, randomCandidate, rng, spaceOf } from "./space.ts";
import { Workload, workloadsOf } from "./workloads.ts";

export interface TuneOptions {
  graph: Graph;
  compile: CompileOptions;
  target: CTarget;
  cc: string;
  cflags: readonly string[];
  inputs: string[];
  log: string;
  /** Measurements per workload at most (the default schedule's included). */
  trials: number;
  budgetMs: number;
  seed: number;
  /** Candidates the cost model scores per workload and round. */
  pool?: number;
  /** Probability of measuring a random pool member instead of the model's pick. */
  explore?: number;
  /** false: pick at random from the pool (to measure what the model is worth). */
  useModel?: boolean;
  versions: { edgec: string; cc: string };
  onProgress?: (p: TuneProgress) => void;
}

export interface TuneProgress {
  round: number;
  workloads: number;
  done: number;
  measured: number;
  /** Sum of the workloads' best costs over their default costs, in microseconds. */
  bestUs: number;
  defaultUs: number;
  elapsedMs: number;
  budgetMs: number;
}

export interface TuneResult {
  workloads: Workload[];
  records: TuneRecord[];
  rounds: number;
  defaultUs: number;
  bestUs: number;
}

export async function tune(o: TuneOptions): Promise<TuneResult> {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-tune-"));
  const bench: Bench = { graph: o.graph, opts: o.compile, target: o.target, inputs: o.inputs, dir, cc: o.cc, cflags: o.cflags };
  const td = cTargetDesc(o.target);
  const ft: FeatureTarget = { lanes: td.vectorBits ? lanesOf(td, "f32") : 0, registers: td.vectorRegisters };
  try {
    const records = readLog(o.log).filter((r) => r.target === o.target);
    fs.appendFileSync(o.log, "");
    // A quick run sizes the rounds; then the default schedule, whose outputs every candidate must reproduce.
    const probe = await measureRound(bench, new Map(), 3, "probe");
    const workloads = workloadsOf(probe.compiled, o.target);
    const total = [...probe.nodeUs.values()].reduce((a, b) => a + b, 0);
    const runs = Math.max(5, Math.min(200, Math.ceil(300_000 / Math.max(1, total))));
    const ref = probe.outputs;
    const state: State = new Map(workloads.map((w) => [w.key, { w, seen: new Map(), def: defaultCandidate(w), exhausted: false, base: NaN }]));
    for (const r of records) {
      const s = state.get(r.workload);
      if (!s) continue;
      s.seen.set(r.candidate, [...(s.seen.get(r.candidate) ?? []), r]);
      if (r.rel && r.cost_us) s.base = r.cost_us / r.rel;
    }
    let round = records.reduce((m, r) => Math.max(m, r.round + 1), 0);
    const r = rng(o.seed + records.length * 7919);
    const model = new CostModel(o.seed);
    const costOf = (w: Workload, res: Map<string, number>) => w.nodes.reduce((a, n) => a + (res.get(n) ?? 0), 0);
    const record = (w: Workload, c: Candidate, cost: number | null, refCost: number, error?: string) => {
      const s = state.get(w.key)!;
      if (refCost > 0) s.base = refCost;
      const rec: TuneRecord = {
        workload: w.key, target: o.target, op: w.op, node: w.nodes[0]!, candidate: candidateKey(c), config: knobsOf(c),
        cost_us: cost === null ? null : round3(cost), rel: cost === null || !(refCost > 0) ? null : round3(cost / refCost),
        ...(error ? { error } : {}), round, edgec: o.versions.edgec, cc: o.versions.cc,
      };
      appendRecord(o.log, rec);
      records.push(rec);
      s.seen.set(rec.candidate, [...(s.seen.get(rec.candidate) ?? []), rec]);
    };
    const measure = async (picks: Map<Workload, Candidate>) => {
      const schedules = new Map<string, TileKnobs>();
      for (const [w, c] of picks) for (const n of w.nodes) schedules.set(n, knobsOf(c));
      try {
        const res = await measureRound(bench, schedules, runs, `round${round}`);
        const bad = outputMismatch(res.compiled, res.outputs, ref);
        for (const [w, c] of picks) record(w, c, bad ? null : costOf(w, res.nodeUs), costOf(w, res.refUs), bad);
      } catch (e) {
        const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
        for (const [w, c] of picks) record(w, c, null, 0, msg);
      }
      round++;
    };
    const defaults = () => measure(new Map(workloads.map((w) => [w, state.get(w.key)!.def])));
    const progress = () => {
      let best = 0, def = 0, done = 0;
      for (const s of state.values()) {
        const b = bestOf(s.seen, candidateKey(s.def), true);
        def += s.base;
        best += s.base * (b ? b.rel : 1);
        if (s.seen.size >= o.trials || s.exhausted) done++;
      }
      o.onProgress?.({ round, workloads: workloads.length, done, measured: records.length, bestUs: best, defaultUs: def, elapsedMs: Date.now() - t0, budgetMs: o.budgetMs });
      return { best, def };
    };
    // The default against itself: the noise floor of a relative cost, and the base of the progress line.
    const t1 = Date.now();
    if (workloads.some((w) => !state.get(w.key)!.seen.has(candidateKey(state.get(w.key)!.def)))) await defaults();
    let roundMs = Date.now() - t1;
    progress();
    const verifyFrom = o.budgetMs * 0.85;
    while (Date.now() - t0 + roundMs <= o.budgetMs) {
      const searching = [...state.values()].filter((s) => s.seen.size < o.trials && !s.exhausted);
      const verify = Date.now() - t0 >= verifyFrom || !searching.length;
      const open = verify ? [...state.values()] : searching;
      if (!verify && o.useModel !== false) model.train(samplesOf(records, state, ft));
      const picks = new Map<Workload, Candidate>();
      for (const s of open) {
        const c = verify ? recheck(s) : propose(s.w, s.def, s.seen, r, model, ft, o);
        if (c) picks.set(s.w, c);
        else if (!verify) s.exhausted = true;
      }
      if (!picks.size) { if (verify) break; continue; }
      const tr = Date.now();
      await measure(picks);
      roundMs = Date.now() - tr;
      progress();
    }
    const { best, def } = progress();
    return { workloads, records, rounds: round, defaultUs: def, bestUs: best };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Per workload: its records by candidate, the default's latest cost. */
type State = Map<string, { w: Workload; seen: Map<string, TuneRecord[]>; def: Candidate; exhausted: boolean; base: number }>;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The candidate with the lowest median relative cost (ties: the one measured first); `strict`:
 * only one that --tuning-log would apply (log.ts MIN_REPEATS, MIN_GAIN) or the default.
 */
export function bestOf(seen: ReadonlyMap<string, TuneRecord[]>, defKey: string, strict = false): { key: string; rel: number; n: number } | undefined {
  let best: { key: string; rel: number; n: number } | undefined;
  for (const [key, rs] of seen) {
    const rels = rs.filter((x) => !x.error && x.rel !== null && x.rel !== undefined).map((x) => x.rel!).sort((a, b) => a - b);
    if (!rels.length) continue;
    const rel = key === defKey ? 1 : upperMedian(rels);
    if (strict && key !== defKey && (rels.length < MIN_REPEATS || rel > MIN_GAIN)) continue;
    if (!best || rel < best.rel) best = { key, rel, n: rels.length };
  }
  return best;
}

/** In the last rounds: the best of a workload's candidates that look faster but are not yet measured MIN_REPEATS times. */
function recheck(s: State extends Map<string, infer V> ? V : never): Candidate | undefined {
  const dk = candidateKey(s.def);
  const ranked = [...s.seen.keys()].filter((k) => k !== dk)
    .map((k) => ({ k, b: bestOf(new Map([[k, s.seen.get(k)!]]), dk) }))
    .filter((x): x is { k: string; b: { key: string; rel: number; n: number } } => !!x.b && x.b.rel <= MIN_GAIN && x.b.n < MIN_REPEATS)
    .sort((a, b) => a.b.rel - b.b.rel);
  return ranked.length ? fromKey(ranked[0]!.k) : undefined;
}

function samplesOf(records: readonly TuneRecord[], state: State, ft: FeatureTarget): Sample[] {
  const out: Sample[] = [];
  for (const rec of records) {
    const s = state.get(rec.workload);
    if (!s || rec.error || !(rec.rel! > 0)) continue;
    out.push({ x: features(s.w, fromKey(rec.candidate), ft), y: Math.log(rec.rel!) });
  }
  return out;
}

/** The candidate a record's key names (the inverse of candidateKey). */
export function fromKey(k: string): Candidate {
  const m = /^(\d+)x(\d+)\/r(\d+)\/([01])([01])([01])$/.exec(k);
  if (!m) throw new Error(`internal error: bad candidate key ${k}`);
  return { rows: +m[1]!, width: +m[2]!, rblock: +m[3]!, epilogueInTile: m[4] === "1", padInPlace: m[5] === "1", stridedLoads: m[6] === "1" };
}

function propose(w: Workload, def: Candidate, seen: Map<string, TuneRecord[]>, r: () => number, model: CostModel, ft: FeatureTarget, o: TuneOptions): Candidate | undefined {
  const space = spaceOf(w);
  const measured = [...seen.entries()].map(([k, rs]) => ({ k, b: bestOf(new Map([[k, rs]]), "") }))
    .filter((x) => x.b).sort((a, b) => a.b!.rel - b.b!.rel).map((x) => fromKey(x.k));
  const parents = measured.length ? measured.slice(0, 5) : [def];
  const pool = new Map<string, Candidate>();
  const add = (c: Candidate) => { const k = candidateKey(c); if (!seen.has(k)) pool.set(k, c); };
  const n = o.pool ?? 64;
  for (let i = 0; i < 4 * n && pool.size < n; i++) {
    const x = r();
    const p = parents[Math.floor(r() * parents.length)]!;
    if (x < 0.5) add(mutate(r, space, p));
    else if (x < 0.7 && parents.length > 1) add(crossover(r, p, parents[Math.floor(r() * parents.length)]!));
    else if (x < 0.85) add(mutate(r, space, mutate(r, space, p)));
    else add(randomCandidate(r, space, def));
  }
  const cands = [...pool.values()];
  if (!cands.length) return undefined;
  if (!model.trained || r() < (o.explore ?? 0.15)) return cands[Math.floor(r() * cands.length)];
  const pred = model.predict(cands.map((c) => features(w, c, ft)));
  let bi = 0;
  pred.forEach((p, i) => { if (p < pred[bi]!) bi = i; });
  return cands[bi];
}
