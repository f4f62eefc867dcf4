/**
 * @fileoverview The C targets: portable C, C with the intrinsics of an x86-64 psABI level, and
 * AArch64 NEON, and RISC-V Vector 1.0 (vector-length agnostic), and Cortex-M4/M55 firmware. `native` names the best target this machine runs. A target the host cannot run
 * is built by its cross compiler and run under qemu user mode (cToolchain).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CEmitter } from "../backends/c/emit.ts";
import { NEON } from "../backends/c/isa-arm.ts";
import { RVV } from "../backends/c/isa-riscv.ts";
import { X86_V3, X86_V4, X86_V4_VNNI } from "../backends/c/isa-x86.ts";
import { VectorCEmitter } from "../backends/c/vector.ts";
import { EdgecError } from "../ir/diagnostics.ts";
import { TARGETS, TargetDesc } from "../ir/target.ts";

export type CTarget = "c" | "x86-64-v3" | "x86-64-v4" | "x86-64-v4-vnni" | "aarch64" | "riscv64" | McuTarget;
export type McuTarget = "cortex-m4" | "cortex-m55";
export const C_TARGETS: readonly string[] = ["c", "x86-64-v3", "x86-64-v4", "x86-64-v4-vnni", "aarch64", "riscv64", "cortex-m4", "cortex-m55", "native"];

/** Microcontroller targets: bare-metal firmware, run under qemu-system-arm (compiler/firmware.ts). */
export const isMcuTarget = (t: string | undefined): t is McuTarget => t === "cortex-m4" || t === "cortex-m55";
export const MCU_PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm";

export const isCTarget = (t: string | undefined): boolean => t === undefined || C_TARGETS.includes(t);

/** `native` as the host's best target (x86-64 level by /proc/cpuinfo, or aarch64), else `c`; any other name as it is. */
export function resolveCTarget(t: string | undefined): CTarget {
  if (t === undefined || t === "c") return "c";
  if (t === "x86-64-v3" || t === "x86-64-v4" || t === "x86-64-v4-vnni" || t === "aarch64" || t === "riscv64" || isMcuTarget(t)) return t;
  if (t !== "native") throw new Error(`internal error: ${t} is not a C target`);
  if (process.arch === "arm64") return "aarch64";
  let flags: Set<string>;
  try {
    const info = fs.readFileSync("/proc/cpuinfo", "utf8");
    flags = new Set((/^flags\s*:(.*)$/m.exec(info)?.[1] ?? "").trim().split(/\s+/));
  } catch {
    return "c";
  }
  if (process.arch !== "x64") return "c";
  if (["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma"].every((f) => flags.has(f))) return flags.has("avx512_vnni") ? "x86-64-v4-vnni" : "x86-64-v4";
  if (["avx2", "fma", "bmi2"].every((f) => flags.has(f))) return "x86-64-v3";
  return "c";
}

export function cTargetDesc(t: CTarget): TargetDesc {
  return TARGETS[t];
}

export function emitterFor(t: CTarget): CEmitter {
  switch (t) {
    case "x86-64-v3": return new VectorCEmitter(X86_V3);
    case "x86-64-v4": return new VectorCEmitter(X86_V4);
    case "x86-64-v4-vnni": return new VectorCEmitter(X86_V4_VNNI);
    case "aarch64": return new VectorCEmitter(NEON);
    case "riscv64": return new VectorCEmitter(RVV);
    case "c": case "cortex-m4": case "cortex-m55": return new CEmitter();
  }
}

/** How this machine builds and runs a C target's code. */
export interface CToolchain {
  cc: string;
  /** Link flags the run needs (static binaries under qemu need no sysroot). */
  linkFlags: string[];
  /** The emulator and its arguments put before the executable; empty when the host runs it. */
  runPrefix: string[];
  /** riscv64: the run prefix at another VLEN (one binary runs at any). */
  runPrefixAt?: (vlen: number) => string[];
}

/** Targets of another architecture: the host that runs them, the emulator and where the tools come from. */
const CROSS: Partial<Record<CTarget, { arch: string; qemu: string; qemuArgs?: (vlen: number) => string[]; sysroot: string; packages: string }>> = {
  aarch64: { arch: "arm64", qemu: "qemu-aarch64", sysroot: "/usr/aarch64-linux-gnu", packages: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross" },
  riscv64: {
    arch: "riscv64", qemu: "qemu-riscv64", sysroot: "/usr/riscv64-linux-gnu", packages: "clang-16 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross",
    // Agnostic tail and masked-off lanes filled with ones, so code that relies on them fails here.
    qemuArgs: (vlen) => ["-cpu", `rv64,v=true,vext_spec=v1.0,vlen=${vlen},rvv_ta_all_1s=true,rvv_ma_all_1s=true`],
  },
};

/** The VLENs qemu-riscv64 runs at (its range, powers of two). */
export const RVV_VLENS: readonly number[] = [128, 256, 512, 1024];

/** VLEN qemu runs riscv64 code at: `v` (a --vlen value), else EDGEC_RVV_VLEN, else 128. */
export function rvvVlen(v = process.env.EDGEC_RVV_VLEN): number {
  if (v === undefined || v === "") return 128;
  const n = Number(v);
  if (!RVV_VLENS.includes(n)) throw new EdgecError(`the RVV VLEN must be one of ${RVV_VLENS.join(", ")}, not '${v}'`);
  return n;
}

function onPath(cmd: string): boolean {
  if (cmd.includes("/")) return fs.existsSync(cmd);
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/**
 * The compiler (`cc` overrides the target's), link flags and run prefix for target t; a clear
 * error naming the Debian packages when the cross compiler, its C library or qemu is missing.
 */
export function cToolchain(t: CTarget, cc?: string): CToolchain {
  if (isMcuTarget(t)) {
    const want = cc ?? cTargetDesc(t).cc!;
    if (!onPath(want)) throw new EdgecError(`--target ${t} needs the cross compiler ${want}: install the Debian packages ${MCU_PACKAGES} (or give --cc)`);
    if (!fs.existsSync("/usr/lib/arm-none-eabi/lib/librdimon.a") && cc === undefined)
      throw new EdgecError(`--target ${t} needs newlib for ${want}: install the Debian package libnewlib-arm-none-eabi`);
    if (!onPath("qemu-system-arm")) throw new EdgecError(`--target ${t} runs its firmware under qemu-system-arm: install the Debian package qemu-system-arm`);
    return { cc: want, linkFlags: [], runPrefix: [] };
  }
  const x = CROSS[t];
  if (!x || process.arch === x.arch) return { cc: cc ?? "cc", linkFlags: [], runPrefix: [] };
  const want = cc ?? cTargetDesc(t).cc!;
  if (!onPath(want)) throw new EdgecError(`--target ${t} needs the cross compiler ${want}: install the Debian packages ${x.packages} (or give --cc)`);
  if (cc === undefined && !fs.existsSync(path.join(x.sysroot, "lib", "libc.a")))
    throw new EdgecError(`--target ${t} needs the C library of ${x.sysroot}: install the Debian package ${x.packages.split(" ").pop()}`);
  if (!onPath(x.qemu)) throw new EdgecError(`--target ${t} runs under ${x.qemu} on this ${process.arch} machine: install the Debian package qemu-user`);
  const at = x.qemuArgs;
  return { cc: want, linkFlags: ["-static"], runPrefix: [x.qemu, ...(at?.(rvvVlen()) ?? [])], ...(at ? { runPrefixAt: (v: number) => [x.qemu, ...at(v)] } : {}) };
}
