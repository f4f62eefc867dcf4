/**
 * @fileoverview The Tensor IR's vector forms: the fixture prints back as written, builds the same
 * PrimFunc as the ir/vec.ts constructors, computes what it says in the evaluator (through
 * scalarize, at vscale 1 and 2), and, scalarized and printed as C, computes the same bytes.
 * Malformed vectors are refused with a one-line error at their position.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CEmitter, C_TYPES } from "../../backends/c/emit.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { allocArray, toNumbers } from "../../ir/dtype.ts";
import { evaluate } from "../../ir/eval.ts";
import { numel } from "../../ir/graph.ts";
import { hasVectorForms, scalarize } from "../../ir/scalarize.ts";
import { parseFunc, parseFuncs, printFuncs } from "../../ir/text/index.ts";
import { Buffer as Buf, PrimFunc, Var, add, c, mul, seq } from "../../ir/tir.ts";
import { bcast, fma, hreduce, ramp, vbin, vload, vstore, vvar } from "../../ir/vec.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../shared.ts";
import { irDiff } from "./ir-equal.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const text = fs.readFileSync(path.join(HERE, "fixtures", "vector-forms.tir"), "utf8");
const funcs = () => new Map(parseFuncs(text).map((f) => [f.name, f]));
const f32 = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

describe("ir: vector forms of the Tensor IR", () => {
  it("the fixture is in printed form", () => {
    expect(printFuncs(parseFuncs(text))).to.equal(text.split("\n").filter((l) => !l.startsWith("//")).join("\n"));
  });

  it("the constructors build what the text says", () => {
    const a: Buf = { name: "a", dtype: "f32", shape: [19], scope: "input" };
    const b: Buf = { ...a, name: "b" };
    const o: Buf = { name: "o", dtype: "f32", shape: [1], scope: "output" };
    const L = { lanes: 4 };
    const acc = vvar({ k: "var", name: "acc", dtype: "f32" }, L);
    const i: Var = { k: "var", name: "i", dtype: "i32" };
    const tail = vvar({ k: "var", name: "tail", dtype: "bool" }, L);
    const at = (base: number | Var) => ramp(typeof base === "number" ? c(base) : mul(base, c(4)), 1, L);
    const built: PrimFunc = {
      name: "vdot", params: [a, b, o], body: seq(
        { k: "decl", v: acc, init: bcast(c(0, "f32"), L) },
        { k: "for", v: i, extent: 4, kind: "serial", body: { k: "assign", v: acc, value: fma(vload(a, at(i)), vload(b, at(i)), acc) } },
        { k: "decl", v: tail, init: vbin("lt", at(16), bcast(c(19), L)) },
        { k: "assign", v: acc, value: fma(vload(a, at(16), tail), vload(b, at(16), tail), acc) },
        vstore(o, c(0), hreduce("add", acc)),
      ),
    };
    expect(irDiff(built, funcs().get("vdot"))).to.equal(undefined);
    expect(() => vbin("add", at(16), c(1))).to.throw(/lane counts differ/);
    expect(() => add(c(0), c(0)) && bcast(at(0), L)).to.throw(/bcast of a vector/);
  });

  it("computes a masked-tail dot product, shuffles, gathers, masked stores and horizontal max", () => {
    const fs_ = funcs();
    const a = f32(19, (i) => i * 0.25 - 2), b = f32(19, (i) => 1 + (i % 5)), o = new Float32Array(1);
    evaluate(fs_.get("vdot")!, [a, b, o]);
    const dot = Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
    expect(o[0]).to.be.closeTo(dot, 1e-4);

    const x = f32(16, (i) => (i % 3 === 0 ? -i - 0.5 : i * 1.5)), ix = Int32Array.from([15, 0, 3, 3, 9, 1, 14, 2]);
    const y = new Float32Array(16), z = new Float32Array(8), w = new Int32Array(8).fill(-7);
    evaluate(fs_.get("mix")!, [x, ix, y, z, w]);
    expect(toNumbers(y)).to.deep.equal(Array.from(x, (_, i) => x[i ^ 1]!));
    const hi = Array.from(x.slice(8));
    expect(toNumbers(z)).to.deep.equal([Math.max(...hi), ...Array.from(ix.slice(1), (j) => x[j]!)]);
    expect(toNumbers(w)).to.deep.equal(hi.map((v) => (v > 0 ? Math.trunc(Math.min(v, 10)) : -7)));
  });

  it("sizes scalable vectors by vscale", () => {
    const f = funcs().get("scale")!;
    const x = f32(8, (i) => i - 2);
    for (const vscale of [1, 2]) {
      const y = new Float32Array(8).fill(-1);
      evaluate(f, [x, y], vscale);
      expect(toNumbers(y)).to.deep.equal(Array.from(x, (v, i) => (i < 4 * vscale ? Math.max(2 * v, 0) : -1)));
    }
  });

  it("strip-mines a loop by the run-time lane count (vscale()), its tail masked", () => {
    const f = funcs().get("strip")!;
    const x = f32(10, (i) => (i % 4) - 5 + i * 0.5);
    for (const vscale of [1, 2, 4]) {
      const y = new Float32Array(10), s = new Float32Array(1);
      evaluate(f, [x, y, s], vscale);
      expect(toNumbers(y)).to.deep.equal(Array.from(x, (v) => 2 * v));
      expect(s[0]).to.equal(Math.max(0, ...x));
    }
  });

  it("scalarizes to plain Tensor IR that prints as C computing the same bytes", async function () {
    this.timeout(120_000);
    const f = funcs().get("mix")!;
    const s = scalarize(f);
    expect(hasVectorForms(f)).to.equal(true);
    expect(hasVectorForms(s)).to.equal(false);
    if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const x = Array.from(f32(16, (i) => (i % 3 === 0 ? -i - 0.5 : i * 1.5))), ix = [15, 0, 3, 3, 9, 1, 14, 2];
    const inputs = [x, ix];
    const bufs = f.params.map((p, i) => (i < 2 ? (p.dtype === "f32" ? Float32Array.from(inputs[i]!) : Int32Array.from(inputs[i]!)) : allocArray(p.dtype, numel(p.shape))));
    evaluate(f, bufs);
    const lines = ["#include <stdio.h>", '#include "edgec_runtime.h"', new CEmitter().kernel(s, s.name), "int main(void) {"];
    f.params.forEach((p, i) => lines.push(`  static ${C_TYPES[p.dtype]} b${i}[${numel(p.shape)}] = { ${i < 2 ? inputs[i]!.join(", ") : "0"} };`));
    lines.push(`  ${f.name}(${f.params.map((_, i) => `b${i}`).join(", ")});`);
    for (let i = 2; i < f.params.length; i++) lines.push(`  fwrite(b${i}, sizeof b${i}, 1, stdout);`);
    lines.push("  return 0;", "}", "");
    const dir = tempDir("vector-ir");
    try {
      const src = path.join(dir, "mix.c"), exe = path.join(dir, "mix");
      fs.writeFileSync(src, lines.join("\n"));
      const rt = path.join(ROOT, "runtime-c");
      await run("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
        `-I${rt}/include`, src, `${rt}/src/edgec_runtime.c`, "-o", exe, "-lm"]);
      const { stdout } = await run(exe, [], { encoding: "buffer" });
      const js = Buffer.concat(bufs.slice(2).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      expect(stdout.toString("hex")).to.equal(js.toString("hex"));
    } finally {
      cleanup(dir);
    }
  });

  const fn = (body: string) => `func @f(%a: f32[8] input, %o: f32[8] output) {\n${body}\n}`;
  const errors: [string, string][] = [
    [fn("  store %o[ramp<1>(0, 1)] = %a[0]"), "2:17: expected ramp<N> with N lanes (2 or more) or <vN> (N × vscale), got '1'"],
    [fn("  store %o[ramp<4>(0, %i:i32)] = %a[0]"), "2:23: expected an integer stride for ramp"],
    [fn("  store %o[ramp<4>(0, 1)] = %a[ramp<8>(0, 1)]"), "2:9: expected operands of a store (index, value and mask) with one lane count, got i32x4 and f32x8"],
    [fn("  let %v : f32x4 = (%a[ramp<4>(0, 1)] + %a[0])"), "2:39: expected operands of '+' with one lane count, got f32x4 and f32"],
    [fn("  let %v : f32x4 = bcast<4>(%a[ramp<4>(0, 1)])"), "2:20: expected a scalar operand for bcast, got f32x4"],
    [fn("  store %o[0] = hreduce<sum>(%a[ramp<4>(0, 1)])"), "2:25: expected hreduce<add|mul|min|max>, got 'sum'"],
    [fn("  store %o[0] = shuffle<8>(%a[ramp<4>(0, 1)])"), "2:25: expected a lane below 4, got 8"],
    [fn("  let %v : f32x1 = %a[0]"), "2:12: expected a dtype (f32, f16, bf16, f64, f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, f4e2m1, f8e8m0, i8..i64, u8..u64, i4, u4, i2, u2, bool), got 'f32x1'"],
    [fn("  store %o[0] = 1:f32x4"), "2:19: expected a scalar type for a number (broadcast it with bcast<N>)"],
    [fn("  for %i:f32x4 in 0..2 serial {\n  }"), "2:10: expected a scalar type, got 'f32x4'"],
  ];
  for (const [src, msg] of errors)
    it(`refuses: ${msg.slice(msg.indexOf("expected"))}`, () => {
      let err: unknown;
      try { parseFunc(src); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(EdgecError);
      expect((err as Error).message).to.equal(msg);
    });
});
