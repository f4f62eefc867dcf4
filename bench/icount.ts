/**
 * @fileoverview Counting the guest instructions a program executes under qemu user mode with the
 * project's own TCG plugin (bench/qemu/icount.c), and the per-inference count of a model harness.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const HERE = path.dirname(new URL(import.meta.url).pathname);
export const PLUGIN_SOURCE = path.join(HERE, "qemu", "icount.c");

/** Builds the plugin into `dir` with the host's cc; returns the .so path. */
export async function buildPlugin(dir: string, cc = "cc"): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const so = path.join(dir, "libicount.so");
  await run(cc, ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", "-o", so, PLUGIN_SOURCE]);
  return so;
}

/** The qemu-user command line (emulator first, then its options) that runs a binary of `isa`. */
export function qemuFor(isa: "aarch64" | "riscv64", vlen?: number): string[] {
  if (isa === "aarch64") return ["qemu-aarch64"];
  // ta/ma all-ones: tail- and mask-agnostic lanes are clobbered, as CI runs RVV code.
  return ["qemu-riscv64", "-cpu", `rv64,v=true,vext_spec=v1.0,vlen=${vlen ?? 128},rvv_ta_all_1s=true,rvv_ma_all_1s=true`];
}

/**
 * Runs `exe args` under `qemu` with the plugin and returns the instructions it executed (the
 * whole process: start-up, I/O and exit included).
 */
export async function countInstructions(plugin: string, qemu: string[], exe: string, args: string[], timeoutMs = 3_600_000): Promise<number> {
  const out = path.join(path.dirname(exe), `icount-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const [emu, ...opts] = qemu;
  try {
    await run(emu!, [...opts, "-plugin", `${plugin},out=${out}`, exe, ...args], { maxBuffer: 64 << 20, timeout: timeoutMs });
    const m = /^icount (\d+)$/m.exec(fs.readFileSync(out, "utf8"));
    if (!m) throw new Error(`the plugin wrote no count to ${out}`);
    const n = Number(m[1]);
    if (!Number.isSafeInteger(n)) throw new Error(`count ${m[1]} is beyond 2^53`);
    return n;
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/** Runs a task when one of a fixed number of slots is free. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** At most n tasks at once; a finished task hands its slot straight to the next waiting one. */
export function limit(n: number): Limit {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active < n) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

export interface PerInference {
  /** Instructions of one inference: count(1+3K runs) - count(1+2K runs), divided by K. */
  perRun: number;
  /** The whole process with one inference (start-up, weight loading, I/O, exit), derived as count(1+K) - K x perRun. */
  oneRun: number;
  /** Whether K more runs added exactly the same number of instructions twice. */
  linear: boolean;
}

/**
 * Instructions per inference of a model harness (edgec_harness.c, whose `-k K` runs the model K
 * more times, untimed and silent): processes with 1+K, 1+2K and 1+3K inferences; start-up and I/O
 * cancel out of the differences, and two equal differences show the count is deterministic.
 * K >= 1 in every process, so the -k loop's own set-up is in all three.
 */
export async function perInference(plugin: string, qemu: string[], harness: string, args: string[], k = 1, slots: Limit = (t) => t()): Promise<PerInference> {
  const [a, b, c] = await Promise.all([1, 2, 3].map((m) => slots(() => countInstructions(plugin, qemu, harness, ["-k", String(m * k), ...args]))));
  return { perRun: (c - b) / k, oneRun: a - (c - b), linear: b - a === c - b };
}
