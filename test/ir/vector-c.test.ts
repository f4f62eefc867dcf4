/**
 * @fileoverview Vector IR printed as intrinsics computes what the scalar kernel computes: each
 * function of fixtures/vector-c.tir is vectorized for x86-64-v3, x86-64-v4(-vnni) and aarch64, printed
 * with that target's table, built warning-free (the x86 levels under UBSan and ASan; aarch64 by
 * its cross compiler, run under qemu-aarch64) and run on inputs with NaN, infinities and extreme
 * integers; its outputs must match the evaluator's on the scalar kernel (integers exactly; floats
 * exactly but for a reassociated float sum, NaN where NaN).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { C_TYPES } from "../../backends/c/emit.ts";
import { CTarget, CToolchain, cToolchain, emitterFor, resolveCTarget } from "../../compiler/c-targets.ts";
import { TypedArray, allocArray, isFloat, setNumber, toNumbers } from "../../ir/dtype.ts";
import { evaluate } from "../../ir/eval.ts";
import { numel } from "../../ir/graph.ts";
import { TARGETS } from "../../ir/target.ts";
import { parseFuncs } from "../../ir/text/index.ts";
import { vectorize } from "../../passes/vectorize.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { rng } from "../helpers/onnx-builder.ts";
import { ROOT } from "../shared.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const RANK: Record<CTarget, number> = { c: 0, "x86-64-v3": 1, "x86-64-v4": 2, "x86-64-v4-vnni": 3, aarch64: 0, riscv64: 0, "cortex-m4": 0, "cortex-m55": 0 };
const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1e30, -1e-30];

function inputs(f: ReturnType<typeof parseFuncs>[number]): TypedArray[] {
  const r = rng(11);
  return f.params.map((p) => {
    const n = numel(p.shape), a = allocArray(p.dtype, n);
    if (p.scope !== "input") return a;
    for (let i = 0; i < n; i++) {
      let v: number;
      if (p.name === "ix") v = Math.floor(r() * 64);
      else if (isFloat(p.dtype)) v = i % 9 === 4 ? SPECIAL[(i / 9) % SPECIAL.length | 0]! : r() * 8 - 4;
      else if (p.dtype === "i32") v = i % 7 === 3 ? [2147483647, -2147483648, 5][i % 3]! : Math.floor(r() * 200 - 100);
      else if (p.dtype === "u32") v = Math.floor(r() * 4294967295);
      else v = Math.floor(r() * 250) - (p.dtype === "u8" ? 0 : 120);
      setNumber(a, i, v);
    }
    return a;
  });
}

const literal = (a: TypedArray, t: string): string =>
  Array.from(toNumbers(a), (v) => (t === "f32" ? (Number.isNaN(v) ? "NAN" : !Number.isFinite(v) ? (v > 0 ? "INFINITY" : "-INFINITY") : Object.is(v, -0) ? "-0.0f" : `${/[.e]/.test(String(v)) ? v : `${v}.0`}f`) : t === "u32" ? `${v}u` : `${v}`)).join(", ");

/** How to build and run `target` here, or why not. */
async function toolchain(target: CTarget, host: CTarget): Promise<CToolchain | string> {
  if (target === "aarch64") {
    try {
      return cToolchain(target);
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (RANK[host] < RANK[target]) return `this machine does not run ${target}`;
  if (!(await haveCc())) return "no C compiler 'cc' on PATH";
  return { cc: "cc", linkFlags: ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"], runPrefix: [] };
}

describe("vector IR as x86-64 and NEON intrinsics", function () {
  this.timeout(300_000);
  const funcs = parseFuncs(fs.readFileSync(path.join(HERE, "fixtures", "vector-c.tir"), "utf8"));
  const host = resolveCTarget("native");
  for (const target of ["x86-64-v3", "x86-64-v4", "x86-64-v4-vnni", "aarch64"] as const) {
    for (const f of funcs) {
      it(`${f.name} on ${target}`, async function () {
        const tools = await toolchain(target, host);
        if (typeof tools === "string") { console.log(`  skipped: ${tools}`); this.skip(); }
        const v = vectorize(f, TARGETS[target]);
        expect(v.loops.every((d) => d.lanes), JSON.stringify(v.loops)).to.equal(true);
        const want = inputs(f);
        evaluate(f, want);
        const emitter = emitterFor(target);
        const kernel = emitter.kernel(v.f, f.name);
        const lines = ["#include <stdio.h>", '#include "edgec_runtime.h"', emitter.prelude(), kernel, "int main(void) {"];
        f.params.forEach((p, i) => lines.push(`  static ${C_TYPES[p.dtype]} b${i}[${numel(p.shape)}] = { ${p.scope === "input" ? literal(want[i]!, p.dtype) : "0"} };`));
        lines.push(`  ${f.name}(${f.params.map((_, i) => `b${i}`).join(", ")});`);
        f.params.forEach((p, i) => { if (p.scope !== "input") lines.push(`  fwrite(b${i}, sizeof b${i}, 1, stdout);`); });
        lines.push("  return 0;", "}", "");
        const dir = tempDir("vector-c");
        try {
          const src = path.join(dir, "k.c"), exe = path.join(dir, "k");
          fs.writeFileSync(src, lines.join("\n"));
          const rt = path.join(ROOT, "runtime-c");
          await run(tools.cc, ["-std=c99", "-O2", ...TARGETS[target].cflags, "-Wall", "-Wextra", "-Werror", ...tools.linkFlags,
            `-I${rt}/include`, src, `${rt}/src/edgec_runtime.c`, "-o", exe, "-lm"]);
          const [file, ...pre] = [...tools.runPrefix, exe];
          const { stdout } = await run(file!, pre, { encoding: "buffer" });
          let at = 0;
          f.params.forEach((p, i) => {
            if (p.scope === "input") return;
            const w = want[i]!, bytes = w.byteLength;
            const got = allocArray(p.dtype, numel(p.shape));
            new Uint8Array(got.buffer).set(stdout.subarray(at, at + bytes));
            at += bytes;
            const x = toNumbers(w), y = toNumbers(got);
            x.forEach((e, j) => {
              const g = y[j]!;
              if (p.dtype === "f32" && Number.isFinite(e)) expect(g, `${p.name}[${j}]`).to.be.closeTo(e, 1e-5 * (1 + Math.abs(e)));
              else expect(Object.is(g, e) || (Number.isNaN(g) && Number.isNaN(e)) || g === e, `${p.name}[${j}]: ${g} vs ${e}`).to.equal(true);
            });
          });
        } finally {
          cleanup(dir);
        }
      });
    }
  }
});
