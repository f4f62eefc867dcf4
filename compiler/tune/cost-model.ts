/**
 * @fileoverview The learned cost model of the search: a random forest (ml-random-forest) over
 * the loop features of a candidate — the workload's sizes, the register tile the knobs ask for,
 * the vector accumulators it keeps live against the target's registers, the reduction block —
 * predicting the log of its time relative to the default schedule's. Retrained on every
 * measurement so far before each round; one model for all workloads of a tune, so what one conv
 * teaches carries to the next.
 */
import { RandomForestRegression } from "ml-random-forest";
import { Candidate } from "./space.ts";
import { Workload } from "./workloads.ts";

const OPS: Record<string, number> = { Conv: 1, MatMul: 2, Gemm: 3 };
const lg = (x: number) => Math.log2(Math.max(1, x));

/** Registers of the target's vector file; lanes of one register (0: scalar target). */
export interface FeatureTarget {
  lanes: number;
  registers: number;
}

export function features(w: Workload, c: Candidate, t: FeatureTarget): number[] {
  const L = Math.max(1, t.lanes);
  const vecAccs = (c.rows * c.width) / L;
  const outRow = w.tile.width, outRows = w.tile.rows;
  return [
    lg(w.outElems), lg(w.inElems), OPS[w.op] ?? 0, outRow, outRows,
    c.rows, c.width, c.width / L, vecAccs, t.registers ? vecAccs / t.registers : 0,
    lg(c.rblock), +c.epilogueInTile, +c.padInPlace, +c.stridedLoads,
  ];
}

export interface Sample {
  x: number[];
  /** log(cost / the workload's default cost). */
  y: number;
}

export class CostModel {
  private forest?: RandomForestRegression;
  constructor(private seed: number) {}

  get trained(): boolean {
    return !!this.forest;
  }

  train(samples: readonly Sample[]): void {
    if (samples.length < 8) return;
    const f = new RandomForestRegression({
      nEstimators: 40, maxFeatures: 0.8, replacement: true, useSampleBagging: true, noOOB: true, seed: this.seed,
      treeOptions: { maxDepth: 10, minNumSamples: 3 },
    } as ConstructorParameters<typeof RandomForestRegression>[0]);
    f.train(samples.map((s) => s.x), samples.map((s) => s.y));
    this.forest = f;
  }

  predict(xs: number[][]): number[] {
    if (!this.forest || !xs.length) return xs.map(() => 0);
    return this.forest.predict(xs);
  }
}

/** Spearman's rank correlation (average ranks for ties); NaN for fewer than 3 pairs. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 3) return NaN;
  const ra = ranks(a), rb = ranks(b);
  const n = a.length, ma = (n - 1) / 2;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - ma) * (rb[i]! - ma);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - ma) ** 2;
  }
  return da && db ? num / Math.sqrt(da * db) : NaN;
}

function ranks(v: readonly number[]): number[] {
  const idx = v.map((_, i) => i).sort((i, j) => v[i]! - v[j]!);
  const r = new Array<number>(v.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]!] === v[idx[i]!]) j++;
    for (let k = i; k <= j; k++) r[idx[k]!] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}
