/**
 * @fileoverview The schedule space a workload is searched in: the per-node knobs of
 * ir/schedule.ts (TILE_KNOBS) over values around the target's default, and the moves of the
 * evolutionary search (one knob changed, two parents crossed, a random point).
 */
import { TileKnobs } from "../../ir/schedule.ts";
import { Workload } from "./workloads.ts";

/** A candidate: knob values, every knob set (so equal candidates compare equal as text). */
export interface Candidate {
  rows: number;
  width: number;
  rblock: number;
  epilogueInTile: boolean;
  padInPlace: boolean;
  stridedLoads: boolean;
}

export interface Space {
  rows: number[];
  width: number[];
  rblock: number[];
  /** Booleans the target can vary (a scalar target has no masked loads). */
  flags: ("epilogueInTile" | "padInPlace" | "stridedLoads")[];
}

const ROWS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32];
/** 0: the reduction is not blocked. */
const RBLOCK = [0, 16, 32, 64, 128, 256, 512];

export function spaceOf(w: Workload): Space {
  const L = w.config.vectors ?? 0;
  const width = L > 1 ? [1, 2, 3, 4].map((k) => k * L) : [4, 8, 16, 32];
  return { rows: ROWS, width, rblock: RBLOCK, flags: L > 1 ? ["epilogueInTile", "padInPlace", "stridedLoads"] : ["epilogueInTile"] };
}

export function defaultCandidate(w: Workload): Candidate {
  const c = w.config;
  const L = c.vectors ?? 0;
  return {
    rows: Math.max(1, Math.floor(c.accs / c.width)), width: c.width, rblock: c.rblock ?? 0,
    epilogueInTile: c.epilogueInTile ?? false, padInPlace: c.padInPlace ?? L > 1, stridedLoads: c.stridedLoads ?? L > 1,
  };
}

export const candidateKey = (c: Candidate): string =>
  `${c.rows}x${c.width}/r${c.rblock}/${+c.epilogueInTile}${+c.padInPlace}${+c.stridedLoads}`;

/** The schedule-file knobs of a candidate. */
export function knobsOf(c: Candidate): TileKnobs {
  return {
    accs: c.rows * c.width, width: c.width, ...(c.rblock ? { rblock: c.rblock } : {}),
    epilogueInTile: c.epilogueInTile, padInPlace: c.padInPlace, stridedLoads: c.stridedLoads,
  };
}

/** A seeded generator (mulberry32): the search is reproducible from --seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** A neighbour along `xs` of value v (v itself when v is not on the grid: the nearest point). */
function step<T extends number>(r: () => number, xs: readonly T[], v: T): T {
  let i = xs.indexOf(v);
  if (i < 0) i = xs.reduce((b, x, j) => (Math.abs(x - v) < Math.abs(xs[b]! - v) ? j : b), 0);
  const j = Math.min(xs.length - 1, Math.max(0, i + (r() < 0.5 ? -1 : 1) * (r() < 0.8 ? 1 : 2)));
  return xs[j]!;
}

export function randomCandidate(r: () => number, s: Space, base: Candidate): Candidate {
  const c: Candidate = { ...base, rows: pick(r, s.rows), width: pick(r, s.width), rblock: pick(r, s.rblock) };
  for (const f of s.flags) c[f] = r() < 0.5;
  return c;
}

/** One knob of c moved to a neighbouring value (a flag flipped). */
export function mutate(r: () => number, s: Space, c: Candidate): Candidate {
  const knobs = ["rows", "width", "rblock", ...s.flags] as const;
  const k = pick(r, knobs);
  if (k === "rows" || k === "width" || k === "rblock") return { ...c, [k]: step(r, s[k], c[k]) };
  return { ...c, [k]: !c[k] };
}

/** Each knob from one parent or the other. */
export function crossover(r: () => number, a: Candidate, b: Candidate): Candidate {
  const c = { ...a };
  for (const k of Object.keys(a) as (keyof Candidate)[]) if (r() < 0.5) (c as Record<string, unknown>)[k] = b[k];
  return c;
}
