/**
 * @fileoverview 8-bit float conversions (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz): exact round trips of
 * every pattern, rounding to nearest even, saturation and overflow, NaN and zero rules, and
 * bit-for-bit agreement of the C runtime with the JS evaluator on the same Tensor IR.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { CEmitter } from "../../backends/c/emit.ts";
import { evaluate } from "../../ir/eval.ts";
import { F8_TYPES, DType, f32ToF8, f8Max, f8ToF32, fromOnnxCode } from "../../ir/dtype.ts";
import { Graph } from "../../ir/graph.ts";
import { compileGraph } from "../../compiler/api.ts";
import { interpret } from "../../passes/interpret.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { buildModel } from "../helpers/onnx-builder.ts";
import { parseGraph, printGraph } from "../../ir/text/index.ts";
import { Buffer as TBuffer, PrimFunc, cast, load, loop, seq, store } from "../../ir/tir.ts";
import { toF8 } from "../../ops/cast.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";

const run = promisify(execFile);
const isNaNCode = (t: DType, b: number) => Number.isNaN(f8ToF32(t, b));

describe("dtype: float8", () => {
  it("maps ONNX codes 17..20, and 21..26 to the narrow types", () => {
    expect([17, 18, 19, 20].map(fromOnnxCode)).to.deep.equal(F8_TYPES);
    expect([21, 22, 23, 24, 25, 26].map(fromOnnxCode)).to.deep.equal(["u4", "i4", "f4e2m1", "f8e8m0", "u2", "i2"]);
  });

  for (const t of F8_TYPES) {
    it(`${t}: every non-NaN pattern round-trips through f32 exactly`, () => {
      let nans = 0;
      for (let b = 0; b < 256; b++) {
        if (isNaNCode(t, b)) { nans++; continue; }
        expect(f32ToF8(t, f8ToF32(t, b)), `0x${b.toString(16)}`).to.equal(b);
      }
      expect(nans).to.equal(t === "f8e4m3fn" ? 2 : t === "f8e5m2" ? 6 : 1);
    });
  }

  it("decodes the largest finite values and the smallest subnormals", () => {
    expect(F8_TYPES.map(f8Max)).to.deep.equal([448, 240, 57344, 57344]);
    expect(F8_TYPES.map((t) => f8ToF32(t, 1))).to.deep.equal([2 ** -9, 2 ** -10, 2 ** -16, 2 ** -17]);
    expect(f8ToF32("f8e5m2", 0x7c)).to.equal(Infinity);
    expect(f8ToF32("f8e5m2", 0xfc)).to.equal(-Infinity);
    expect(Object.is(f8ToF32("f8e4m3fn", 0x80), -0)).to.equal(true);
  });

  it("rounds halfway cases to even", () => {
    expect(f32ToF8("f8e4m3fn", 1 + 1 / 16)).to.equal(0x38); // 1.0625 -> 1 (even)
    expect(f32ToF8("f8e4m3fn", 1 + 3 / 16)).to.equal(0x3a); // 1.1875 -> 1.25 (even)
    expect(f32ToF8("f8e4m3fn", 1 + 1 / 16 + 2 ** -20)).to.equal(0x39);
    expect(f32ToF8("f8e5m2", 1 + 1 / 8)).to.equal(0x3c);
    expect(f32ToF8("f8e4m3fn", 2 ** -10)).to.equal(0); // half the smallest subnormal -> 0
    expect(f32ToF8("f8e4m3fn", 3 * 2 ** -10)).to.equal(0x02); // 1.5 subnormal units -> 2
    expect(f32ToF8("f8e4m3fn", 7.5 * 2 ** -9)).to.equal(0x08); // rounds up into the first normal
  });

  it("overflows per type without saturation", () => {
    expect(f32ToF8("f8e4m3fn", 464)).to.equal(0x7e); // halfway to 480 rounds down to 448 (even)
    expect(f32ToF8("f8e4m3fn", 465)).to.equal(0x7f); // NaN: e4m3fn has no infinity
    expect(f32ToF8("f8e4m3fn", -Infinity)).to.equal(0xff);
    expect(f32ToF8("f8e5m2", 1e6)).to.equal(0x7c);
    expect(f32ToF8("f8e5m2", -Infinity)).to.equal(0xfc);
    expect(f32ToF8("f8e4m3fnuz", 1e6)).to.equal(0x80);
    expect(f32ToF8("f8e5m2fnuz", -Infinity)).to.equal(0x80);
  });

  it("fnuz types have no negative zero and a single NaN", () => {
    for (const t of ["f8e4m3fnuz", "f8e5m2fnuz"] as DType[]) {
      expect(f32ToF8(t, -0)).to.equal(0);
      expect(f32ToF8(t, -1e-30)).to.equal(0);
      expect(f32ToF8(t, NaN)).to.equal(0x80);
    }
    expect(f32ToF8("f8e4m3fn", -0)).to.equal(0x80);
  });
});

describe("float8 ops through the compiler", () => {
  const run1 = (op: string, inDtype: DType, outDtype: DType, attrs: Record<string, number>, x: Uint8Array | Int32Array | Float32Array) => {
    const bytes = buildModel({ opset: 21, nodes: [{ op, inputs: ["x"], outputs: ["y"], attrs }],
      inputs: [{ name: "x", dtype: inDtype, shape: [x.length] }], outputs: [{ name: "y", dtype: outDtype }] });
    return Array.from(interpret(compileGraph(importModel(bytes, undefined)).program, [x])[0] as Uint8Array);
  };

  it("casts float8 to float8 and integers to float8 through f32", () => {
    const codes = Uint8Array.from([0x38, 0x7e, 0xfe, 0x80, 0x7f, 0x01]);
    const want = Array.from(codes, (b) => {
      const v = f8ToF32("f8e4m3fn", b);
      return f32ToF8("f8e5m2fnuz", Number.isNaN(v) ? v : Math.min(Math.max(v, -57344), 57344));
    });
    expect(run1("Cast", "f8e4m3fn", "f8e5m2fnuz", { to: 20 }, codes)).to.deep.equal(want);
    expect(run1("Cast", "i32", "f8e4m3fn", { to: 17 }, Int32Array.from([3, -17, 1000, 100000]))).to.deep.equal([0x44, 0xd8, 0x7e, 0x7e]); // -17 ties to -16
    expect(run1("Cast", "i32", "f8e4m3fn", { to: 17, saturate: 0 }, Int32Array.from([3, 1000]))).to.deep.equal([0x44, 0x7f]);
  });
});

describe("ir/text: float8 constants", () => {
  it("print and parse back every pattern of every float8 type, bit for bit", () => {
    const g = new Graph();
    for (const t of F8_TYPES) {
      g.constants.set(t, { dtype: t, shape: [256], data: Uint8Array.from([...Array(256).keys()]) });
      g.types.set(t, { dtype: t, shape: [256] });
    }
    const text = printGraph(g, { inlineLimit: 1000 });
    const back = parseGraph(text);
    for (const t of F8_TYPES) expect(Array.from(back.constants.get(t)!.data as Uint8Array), t).to.deep.equal([...Array(256).keys()]);
    expect(printGraph(back, { inlineLimit: 1000 })).to.equal(text);
    expect(printGraph(parseGraph("graph @g opset 21 {\n  const %c = dense<f8e4m3fn[3] [1.5, -448, 0.001953125]>\n}\n"), { inlineLimit: 8 }))
      .to.contain("dense<f8e4m3fn[3] [1.5, -450, 0.002]>"); // the shortest texts that round back
    expect(() => parseGraph("graph @g opset 21 {\n  const %c = dense<f8e4m3fn[1] [1000]>\n}\n")).to.throw(/f8e4m3fn/);
  });
});

/** Inputs: every decoded value, the midpoints between neighbours, one f32 ulp either side, specials. */
function probeValues(t: DType): number[] {
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  const nudge = (v: number, d: number) => { f32[0] = v; u32[0] = u32[0]! + d; return f32[0]!; };
  const vals: number[] = [0, -0, NaN, Infinity, -Infinity, 1e6, -1e6, 1e-30, -1e-30, 3.4e38];
  const pos = [...Array(128).keys()].map((b) => f8ToF32(t, b)).filter((v) => Number.isFinite(v));
  for (let i = 0; i < pos.length; i++) {
    vals.push(pos[i]!, -pos[i]!);
    const next = pos[i + 1] ?? pos[i]! * 1.125;
    const mid = Math.fround((pos[i]! + next) / 2);
    for (const m of [mid, nudge(mid, 1), mid > 0 ? nudge(mid, -1) : mid]) vals.push(m, -m);
  }
  return vals.map(Math.fround);
}

/** For type t: sat[i] = toF8(x[i], saturate), raw[i] = toF8(x[i], no saturate), dec[b] = f32 of code b. */
function convFunc(t: DType, n: number): PrimFunc {
  const b = (name: string, dtype: DType, len: number, scope: TBuffer["scope"]): TBuffer => ({ name, dtype, shape: [len], scope });
  const X = b("x", "f32", n, "input"), C = b("codes", t, 256, "input");
  const S = b("sat", t, n, "output"), R = b("raw", t, n, "output"), D = b("dec", "f32", 256, "output");
  const body = seq(
    loop(n, (i) => seq(store(S, i, toF8(load(X, i), t, true)), store(R, i, toF8(load(X, i), t, false)))),
    loop(256, (i) => store(D, i, cast(load(C, i), "f32"))),
  );
  return { name: `conv_${t}`, params: [X, C, S, R, D], body };
}

describe("float8: C runtime and JS evaluator agree", function () {
  this.timeout(120_000);
  let dir: string;
  let cc = false;
  before(async () => { dir = tempDir("float8"); cc = await haveCc(); });
  after(() => cleanup(dir));

  for (const t of F8_TYPES) {
    it(`${t}: saturating and plain conversions and decoding, bit for bit`, async function () {
      const xs = probeValues(t), n = xs.length;
      const f = convFunc(t, n);
      const x = Float32Array.from(xs), codes = Uint8Array.from([...Array(256).keys()]);
      const sat = new Uint8Array(n), raw = new Uint8Array(n), dec = new Float32Array(256);
      evaluate(f, [x, codes, sat, raw, dec]);
      // The JS evaluator agrees with the reference conversion and clamps only when saturating.
      xs.forEach((v, i) => {
        expect(raw[i], `raw ${v}`).to.equal(f32ToF8(t, v));
        const clamped = Number.isNaN(v) ? v : Math.min(Math.max(v, -f8Max(t)), f8Max(t));
        expect(sat[i], `sat ${v}`).to.equal(f32ToF8(t, clamped));
      });
      for (let c = 0; c < 256; c++) expect(Object.is(dec[c], Math.fround(f8ToF32(t, c))), `dec 0x${c.toString(16)}`).to.equal(true);
      if (!cc) { console.log("  skipped C: no C compiler 'cc' on PATH"); this.skip(); }
      const xbits = new Uint32Array(x.buffer);
      const lines = ["#include <stdio.h>", "#include <string.h>", '#include "edgec_runtime.h"', new CEmitter().kernel(f, f.name),
        "int main(void) {",
        `  static const uint32_t xb[${n}] = { ${Array.from(xbits, (v) => `0x${v.toString(16)}u`).join(", ")} };`,
        `  static float x[${n}]; static uint8_t codes[256], sat[${n}], raw[${n}]; static float dec[256];`,
        "  int i;", "  memcpy(x, xb, sizeof x);", "  for (i = 0; i < 256; i++) codes[i] = (uint8_t)i;",
        `  ${f.name}(x, codes, sat, raw, dec);`,
        "  fwrite(sat, sizeof sat, 1, stdout); fwrite(raw, sizeof raw, 1, stdout); fwrite(dec, sizeof dec, 1, stdout);",
        "  return 0;", "}", ""];
      const src = path.join(dir, `${f.name}.c`), exe = path.join(dir, f.name);
      fs.writeFileSync(src, lines.join("\n"));
      const rt = path.resolve("runtime-c");
      await run("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined", "-fno-sanitize-recover=all",
        `-I${rt}/include`, src, `${rt}/src/edgec_runtime.c`, "-o", exe, "-lm"]);
      const { stdout } = await run(exe, [], { encoding: "buffer" });
      const js = Buffer.concat([sat, raw, new Uint8Array(dec.buffer)].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      expect(stdout.toString("hex")).to.equal(js.toString("hex"));
    });
  }
});
