/**
 * @fileoverview The C targets: portable C, and C with the intrinsics of an x86-64 psABI level.
 * `native` names the best level this machine runs.
 */
import * as fs from "node:fs";
import { CEmitter } from "../backends/c/emit.ts";
import { X86_V3, X86_V4 } from "../backends/c/isa-x86.ts";
import { VectorCEmitter } from "../backends/c/vector.ts";
import { TARGETS, TargetDesc } from "../ir/target.ts";

export type CTarget = "c" | "x86-64-v3" | "x86-64-v4";
export const C_TARGETS: readonly string[] = ["c", "x86-64-v3", "x86-64-v4", "native"];

export const isCTarget = (t: string | undefined): boolean => t === undefined || C_TARGETS.includes(t);

/** `native` as the host's best x86-64 level (by /proc/cpuinfo), else `c`; any other name as it is. */
export function resolveCTarget(t: string | undefined): CTarget {
  if (t === undefined || t === "c") return "c";
  if (t === "x86-64-v3" || t === "x86-64-v4") return t;
  if (t !== "native") throw new Error(`internal error: ${t} is not a C target`);
  let flags: Set<string>;
  try {
    const info = fs.readFileSync("/proc/cpuinfo", "utf8");
    flags = new Set((/^flags\s*:(.*)$/m.exec(info)?.[1] ?? "").trim().split(/\s+/));
  } catch {
    return "c";
  }
  if (process.arch !== "x64") return "c";
  if (["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma"].every((f) => flags.has(f))) return "x86-64-v4";
  if (["avx2", "fma", "bmi2"].every((f) => flags.has(f))) return "x86-64-v3";
  return "c";
}

export function cTargetDesc(t: CTarget): TargetDesc {
  return TARGETS[t];
}

export function emitterFor(t: CTarget): CEmitter {
  return t === "x86-64-v3" ? new VectorCEmitter(X86_V3) : t === "x86-64-v4" ? new VectorCEmitter(X86_V4) : new CEmitter();
}
