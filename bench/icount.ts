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
  // ta/ma all-ones: agnostic tail and masked-off lanes are clobbered, so code that relies on them fails (TOOLCHAINS.md §3).
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
  /** Instructions of one inference: (count(-k 2K) - count(-k K)) / K. */
  perRun: number;
  /** The whole process with one inference (start-up, weight loading, I/O, exit): count(-k K) - K x perRun. */
  oneRun: number;
  /** When checked: whether -k 3K added exactly what -k 2K added over -k K; undefined unchecked. */
  linear?: boolean;
}

/**
 * Instructions per inference of a model harness (edgec_harness.c, whose `-k K` runs the model K
 * more times, untimed and silent): processes with 1+K and 1+2K inferences, so start-up and I/O
 * cancel out of the difference. Every process has K >= 1: the -k loop's own set-up (a few
 * instructions when it runs at all) is then in both. When one inference is below `checkBelow`
 * instructions, a third process with 1+3K must add exactly as much again (the count is
 * deterministic and linear); above it that costs too long under qemu.
 */
export async function perInference(plugin: string, qemu: string[], harness: string, args: string[],
  opts: { k?: number; checkBelow?: number; slots?: Limit } = {}): Promise<PerInference> {
  const k = opts.k ?? 1, slots = opts.slots ?? ((t) => t());
  const count = (m: number) => slots(() => countInstructions(plugin, qemu, harness, ["-k", String(m), ...args]));
  const [a, b] = await Promise.all([count(k), count(2 * k)]);
  const perRun = (b! - a!) / k;
  const r = { perRun, oneRun: a! - k * perRun };
  if (!(perRun < (opts.checkBelow ?? Infinity))) return r;
  return { ...r, linear: (await count(3 * k)) - b! === b! - a! };
}
