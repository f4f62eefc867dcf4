/**
 * @fileoverview The program IR: what a compiled model runs. Kernel calls with the storage of
 * each argument, branches and counted loops over steps, the weights blob and the arena size.
 * Backends print or build it; passes/program.ts builds it from a graph.
 */
import { Derivation, TensorType } from "./graph.ts";
import { KernelSchedule } from "./schedule.ts";
import { PrimFunc } from "./tir.ts";

/** Where a value lives. `slice` moves it by a byte offset, per iteration of enclosing loops. */
export type Storage = (
  | { kind: "input"; index: number }
  | { kind: "output"; index: number }
  | { kind: "weight"; offset: number }
  | { kind: "arena"; offset: number }
) & { slice?: Slice };

/** Byte offset `offset + Σ iteration(loop) · stride` (stride may be negative) into a storage. */
export interface Slice {
  offset: number;
  per: { loop: number; stride: number }[];
}

/** One call of a generated kernel. */
export interface KernelStep {
  kind: "kernel";
  kernel: PrimFunc;
  /** Storage of each kernel param, in param order. */
  args: Storage[];
  /** Names of the params' values, for the report ("" for scratch). */
  values: string[];
  op: string;
  node: string;
}

/** Runs `then` when the bool (one byte) at `cond` is nonzero, else `else`. */
export interface IfStep {
  kind: "if";
  cond: Storage;
  then: Step[];
  else: Step[];
  op: string;
  node: string;
}

/**
 * A counted loop, numbered `id` (slices refer to its iteration by that number):
 *   n = trip;  for (i = 0; i < n; i++) { if (cond && !*cond) break; if (counter) *counter = i; body }
 * `trip` is a count, an int64 scalar read once before the loop (negative runs no iteration), or
 * absent (no bound: the loop ends by `cond`). `cond` is a bool byte, `counter` an int64 slot.
 */
export interface LoopStep {
  kind: "loop";
  id: number;
  trip?: number | Storage;
  cond?: Storage;
  counter?: Storage;
  body: Step[];
  op: string;
  node: string;
}

export type Step = KernelStep | IfStep | LoopStep;

/** Visits every step, nested ones after their parent, in program order. */
export function walkSteps(steps: readonly Step[], visit: (s: Step) => void): void {
  for (const s of steps) {
    visit(s);
    if (s.kind === "if") { walkSteps(s.then, visit); walkSteps(s.else, visit); }
    if (s.kind === "loop") walkSteps(s.body, visit);
  }
}

/** Every kernel call of the program, nested ones included, in program order. */
export function kernelSteps(steps: readonly Step[]): KernelStep[] {
  const out: KernelStep[] = [];
  walkSteps(steps, (s) => { if (s.kind === "kernel") out.push(s); });
  return out;
}

export interface Program {
  inputs: { name: string; type: TensorType }[];
  outputs: { name: string; type: TensorType }[];
  steps: Step[];
  weights: Uint8Array;
  /**
   * Weights a target may store as their smaller source and compute when loading: `bytes` at
   * `offset` of `weights` follow from `source` (Derivation).
   */
  derived?: { offset: number; bytes: number; kind: Derivation["kind"]; source: Uint8Array; m: number; ch: number }[];
  arenaBytes: number;
  /** The most bytes live at one step, intermediates and scratch: no plan of these kernels uses less. */
  arenaLowerBound: number;
  /** The same for the graph's intermediate tensors alone (what any schedule of the graph needs). */
  tensorsLowerBound: number;
  /** The most scratch (padded copies, materialised stages) the kernels' schedules hold at one step. */
  scratchBytes: number;
  ops: Record<string, number>;
  /** Pattern counts decided while building: view-elim (views that became aliases). */
  stats: Map<string, number>;
  /** The schedule of each kernel with a register tile, in step order (this program's, not its subgraphs'). */
  schedules?: KernelSchedule[];
}

/** Identifies the bytes a storage names, to detect a kernel called with overlapping arguments. */
export const storageKey = (a: Storage): string =>
  `${a.kind}:${"offset" in a ? a.offset : a.index}` + (a.slice ? `@${a.slice.offset}${a.slice.per.map((p) => `+${p.loop}*${p.stride}`).join("")}` : "");
