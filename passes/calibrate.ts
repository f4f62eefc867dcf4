/**
 * @fileoverview Calibration statistics for post-training quantization: a running min/max and a
 * histogram of |x| per tensor, and the range each method picks from them:
 *   minmax      the observed [min, max]
 *   percentile  |x| clipped at the given percentile of the observed magnitudes
 *   entropy     |x| clipped at the threshold minimising KL(P || Q), TensorRT's search
 * Ranges always contain 0, so the zero point is an exact integer.
 */

export type CalibrationMethod = "minmax" | "percentile" | "entropy";
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ["minmax", "percentile", "entropy"];

export interface Range { min: number; max: number }

/** Bins of the |x| histogram: TensorRT's 2048. */
export const HIST_BINS = 2048;

export class TensorStats {
  min = Infinity;
  max = -Infinity;
  hist?: Float64Array;
  /** Upper edge of the histogram: the largest |x| of the first (min/max) pass. */
  histMax = 0;
  zeros = 0;
  /** Sums per channel (axis 1 of `shape`) and samples seen: the means bias correction reads. */
  private readonly channelSums?: Float64Array;
  private samples = 0;

  /** `shape`, when given, is each sample's: its axis 1 is the channel axis of channelMeans. */
  constructor(private readonly shape?: number[]) {
    if (shape) this.channelSums = new Float64Array(shape.length > 1 ? shape[1]! : 1);
  }

  observeRange(data: Float32Array): void {
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
    const sums = this.channelSums;
    if (!sums) return;
    const inner = this.shape!.slice(2).reduce((a, d) => a * d, 1);
    for (let i = 0; i < data.length; i++) sums[Math.floor(i / inner) % sums.length] += data[i]!;
    this.samples++;
  }

  /** The mean of each channel over every sample and position (needs the constructor's shape). */
  channelMeans(): Float64Array {
    if (!this.channelSums) throw new Error("internal error: channel means of a TensorStats made without a shape");
    const per = (this.shape!.reduce((a, d) => a * d, 1) / this.channelSums.length) * this.samples;
    return this.channelSums.map((x) => x / per);
  }

  /** Second pass: needs observeRange over all samples first, so the bins are fixed. */
  observeHistogram(data: Float32Array): void {
    if (!this.hist) {
      this.hist = new Float64Array(HIST_BINS);
      this.histMax = Math.max(Math.abs(this.min), Math.abs(this.max));
    }
    const h = this.hist;
    const k = this.histMax > 0 ? HIST_BINS / this.histMax : 0;
    // Exact zeros (ReLU's) quantize exactly whatever the threshold: counted apart, so their mass
    // does not pull the KL search toward tiny thresholds (they still count for percentiles).
    for (let i = 0; i < data.length; i++) {
      const x = data[i]!;
      if (x === 0) this.zeros++;
      else h[Math.min(HIST_BINS - 1, Math.floor(Math.abs(x) * k))]! += 1;
    }
  }

  range(method: CalibrationMethod, percentile = 99.99): Range {
    if (!(this.min <= this.max)) return { min: 0, max: 0 };
    const full = { min: Math.min(this.min, 0), max: Math.max(this.max, 0) };
    if (method === "minmax" || !this.hist || this.histMax === 0) return full;
    // One-sided tensors (after ReLU) spend all 256 levels on [0, t]; two-sided ones 128 per side.
    const levels = this.min >= 0 || this.max <= 0 ? 256 : 128;
    const t = method === "percentile" ? percentileThreshold(this.hist, this.histMax, percentile, this.zeros) : entropyThreshold(this.hist, this.histMax, levels);
    return { min: Math.max(full.min, -t), max: Math.min(full.max, t) };
  }
}

/** The |x| below which `pct` percent of the histogram's mass lies (upper edge of that bin). */
export function percentileThreshold(hist: Float64Array, histMax: number, pct: number, zeros = 0): number {
  const total = hist.reduce((a, b) => a + b, zeros);
  const want = (total * pct) / 100;
  let acc = zeros;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= want) return ((i + 1) * histMax) / hist.length;
  }
  return histMax;
}

/**
 * TensorRT's entropy calibration: for each candidate threshold of i bins, P is the histogram
 * clipped there (outliers added to the last bin), Q is P merged into `levels` bins and spread
 * back over P's non-empty bins; the threshold with the least KL(P || Q) wins.
 */
export function entropyThreshold(hist: Float64Array, histMax: number, levels: number): number {
  const bins = hist.length;
  if (bins <= levels) return histMax;
  const width = histMax / bins;
  let best = Infinity, bestI = bins;
  const p = new Float64Array(bins), qd = new Float64Array(bins);
  let tail = 0;
  for (let i = levels; i < bins; i++) tail += hist[i]!;
  for (let i = levels; i <= bins; i++) {
    // tail = sum(hist[i:])
    for (let j = 0; j < i; j++) p[j] = hist[j]!;
    p[i - 1]! += tail;
    if (i < bins) tail -= hist[i]!;
    // Q: merge hist[0:i] (without outliers) into `levels` bins, spread each evenly over its non-empty bins.
    const per = i / levels;
    for (let k = 0; k < levels; k++) {
      const lo = Math.floor(k * per), hi = k === levels - 1 ? i : Math.floor((k + 1) * per);
      let sum = 0, nz = 0;
      for (let j = lo; j < hi; j++) { sum += hist[j]!; if (hist[j]! > 0) nz++; }
      for (let j = lo; j < hi; j++) qd[j] = hist[j]! > 0 ? sum / nz : 0;
    }
    const kl = klDivergence(p, qd, i);
    if (kl < best) { best = kl; bestI = i; }
  }
  return bestI * width;
}

/** KL(P || Q) of the first n bins, both normalised; a bin where P > 0 and Q = 0 costs a large finite penalty. */
function klDivergence(p: Float64Array, q: Float64Array, n: number): number {
  let sp = 0, sq = 0;
  for (let j = 0; j < n; j++) { sp += p[j]!; sq += q[j]!; }
  if (sp === 0 || sq === 0) return Infinity;
  let kl = 0;
  for (let j = 0; j < n; j++) {
    const pj = p[j]! / sp;
    if (pj === 0) continue;
    const qj = q[j]! / sq;
    kl += qj > 0 ? pj * Math.log(pj / qj) : pj * 30; // ~log(1e13): Q missed mass P has
  }
  return kl;
}
