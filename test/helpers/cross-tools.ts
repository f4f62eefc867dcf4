/**
 * @fileoverview Whether this machine can build and run plain (non-edgec) programs for another ISA:
 * the GNU cross compiler, its binutils, its C library and qemu user mode.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export type CrossIsa = "aarch64" | "riscv64";

const DEBIAN: Record<CrossIsa, { gcc: string; libc: string; sysroot: string }> = {
  aarch64: { gcc: "gcc-aarch64-linux-gnu", libc: "libc6-dev-arm64-cross", sysroot: "/usr/aarch64-linux-gnu" },
  riscv64: { gcc: "gcc-riscv64-linux-gnu", libc: "libc6-dev-riscv64-cross", sysroot: "/usr/riscv64-linux-gnu" },
};

export function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/** Why `isa` programs cannot be cross-built and run under qemu here, or undefined when they can. */
export function missingCross(isa: CrossIsa): string | undefined {
  const d = DEBIAN[isa];
  const why: string[] = [];
  if (!onPath(`${isa}-linux-gnu-gcc`) || !onPath(`${isa}-linux-gnu-objdump`)) why.push(`${isa}-linux-gnu-gcc and objdump (Debian ${d.gcc})`);
  if (!fs.existsSync(path.join(d.sysroot, "lib", "libc.a"))) why.push(`the C library of ${d.sysroot} (Debian ${d.libc})`);
  if (!onPath(`qemu-${isa}`)) why.push(`qemu-${isa} (Debian qemu-user)`);
  return why.length ? `needs ${why.join(", ")}` : undefined;
}
