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

export interface PerInference {
  /** Instructions of one inference: (count with 1+2K runs - count with 1+K runs) / K. */
  perRun: number;
  /** The whole process with one inference (start-up, weight loading, I/O, exit included). */
  oneRun: number;
  /** Whether the K more runs added exactly the same number of instructions twice. */
  linear: boolean;
}

/**
 * Instructions per inference of a model harness (edgec_harness.c, whose `-k K` runs the model K
 * more times, untimed and silent): processes with 1, 1+K and 1+2K inferences; start-up and I/O
 * cancel out of the differences, and two equal differences show the count is deterministic.
 */
export async function perInference(plugin: string, qemu: string[], harness: string, args: string[], k = 1): Promise<PerInference> {
  const c0 = await countInstructions(plugin, qemu, harness, args);
  const c1 = await countInstructions(plugin, qemu, harness, ["-k", String(k), ...args]);
  const c2 = await countInstructions(plugin, qemu, harness, ["-k", String(2 * k), ...args]);
  return { perRun: (c2 - c1) / k, oneRun: c0, linear: c1 - c0 === c2 - c1 };
}
