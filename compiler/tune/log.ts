/**
 * @fileoverview The tuning log: one JSON line per measured candidate, appended as it is measured
 * so a tune can stop at any moment and resume from the file. `--tuning-log` applies the best
 * record of each workload; ties go to the earlier line, so one log always gives the same code.
 */
import * as fs from "node:fs";
import { EdgecError } from "../../ir/diagnostics.ts";
import { TileKnobs } from "../../ir/schedule.ts";
import { parseSchedules } from "../schedule-file.ts";
import type { Compiled } from "../api.ts";
import { CTarget } from "../c-targets.ts";
import { workloadsOf } from "./workloads.ts";

export interface TuneRecord {
  workload: string;
  target: string;
  op: string;
  /** The first node of the workload, for people reading the log. */
  node: string;
  /** The candidate (space.ts candidateKey) and the schedule knobs it sets. */
  candidate: string;
  config: TileKnobs;
  /** Microseconds per inference of all the workload's kernels (median over the round's runs); null with error. */
  cost_us: number | null;
  /** cost_us over the default schedule's cost in the latest round that measured it (load drifts). */
  rel: number | null;
  error?: string;
  round: number;
  edgec: string;
  cc: string;
}

/** The log's records; a missing file is an empty log, a torn last line (a killed tune) is dropped. */
export function readLog(file: string): TuneRecord[] {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: TuneRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) return;
      throw new EdgecError(`tuning log ${file}: line ${i + 1} is not JSON; remove it or start a new log`);
    }
    if (!isRecord(r)) throw new EdgecError(`tuning log ${file}: line ${i + 1} is not a tuning record (workload, target, candidate, config, cost_us)`);
    parseSchedules([{ node: r.node, config: r.config }], `tuning log ${file} line ${i + 1}`);
    out.push(r);
  });
  return out;
}

function isRecord(r: unknown): r is TuneRecord {
  const o = r as Record<string, unknown>;
  return typeof o === "object" && o !== null && typeof o.workload === "string" && typeof o.target === "string"
    && typeof o.candidate === "string" && typeof o.node === "string" && typeof o.config === "object" && o.config !== null
    && (typeof o.cost_us === "number" || o.cost_us === null) && (typeof o.rel === "number" || o.rel === null);
}

export function appendRecord(file: string, r: TuneRecord): void {
  fs.appendFileSync(file, JSON.stringify(r) + "\n");
}

/** A candidate replaces the default only when measured this often and this much faster (noise is ~1%). */
export const MIN_REPEATS = 2;
export const MIN_GAIN = 0.98;

/**
 * Per workload for `target`: the candidate with the lowest median relative cost when it beats the
 * default clearly (MIN_REPEATS, MIN_GAIN), as the record that first measured it; ties go to the
 * earlier candidate.
 */
export function bestRecords(records: readonly TuneRecord[], target: string): Map<string, TuneRecord> {
  const rels = new Map<string, Map<string, { first: TuneRecord; rels: number[] }>>();
  for (const r of records) {
    if (r.target !== target || r.error || typeof r.rel !== "number") continue;
    const w = rels.get(r.workload) ?? new Map();
    rels.set(r.workload, w);
    const e = w.get(r.candidate) ?? { first: r, rels: [] };
    e.rels.push(r.rel);
    w.set(r.candidate, e);
  }
  const best = new Map<string, TuneRecord>();
  for (const [wk, cands] of rels) {
    let b: { rec: TuneRecord; rel: number } | undefined;
    for (const { first, rels: xs } of cands.values()) {
      const rel = upperMedian(xs);
      if (xs.length >= MIN_REPEATS && rel <= MIN_GAIN && rel < (b?.rel ?? 1)) b = { rec: first, rel };
    }
    if (b) best.set(wk, b.rec);
  }
  return best;
}

/** The median, the larger middle value for an even count: two measurements must both agree. */
export const upperMedian = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Knobs per node from the log's best records for the workloads of `c` (compiled with the default
 * schedule); `tuned` lists the nodes that got one.
 */
export function schedulesFromLog(file: string, c: Compiled, target: CTarget): { schedules: Map<string, TileKnobs>; tuned: string[] } {
  if (!fs.existsSync(file)) throw new EdgecError(`--tuning-log ${file}: no such file; write one with 'edgec tune'`);
  const best = bestRecords(readLog(file), target);
  const schedules = new Map<string, TileKnobs>();
  for (const w of workloadsOf(c, target)) {
    const r = best.get(w.key);
    if (r) for (const n of w.nodes) schedules.set(n, r.config);
  }
  return { schedules, tuned: [...schedules.keys()] };
}
