/**
 * @fileoverview The narrow element types (int4, uint4, int2, uint2, float4e2m1, float8e8m0) and
 * bit casts: ONNX packing round trips, TensorProto decoding and encoding, the reference
 * conversions, the Tensor IR conversions run by the JS evaluator and by C (bit for bit), and
 * Cast/QuantizeLinear/BitCast through the compiler.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { CEmitter } from "../../backends/c/emit.ts";
import { evaluate } from "../../ir/eval.ts";
import {
  DType, E8m0Rounding, NARROW_TYPES, TypedArray, allocArray, e8m0ToF32, f32ToE8m0, f32ToF4e2m1, f4e2m1ToF32,
  packSubByte, unpackSubByte,
} from "../../ir/dtype.ts";
import { toE8m0 } from "../../ir/narrow-cast.ts";
import { Buffer as TBuffer, PrimFunc, bitcast, cast, load, loop, seq, store } from "../../ir/tir.ts";
import { Graph } from "../../ir/graph.ts";
import { parseFunc, parseGraph, printFunc, printGraph } from "../../ir/text/index.ts";
import { compileGraph } from "../../compiler/api.ts";
import { interpret } from "../../passes/interpret.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { decodeTensor, encodeTensor, onnx } from "../../compiler/onnx/tensor.ts";
import { buildModel } from "../helpers/onnx-builder.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";

const run = promisify(execFile);
const nums = (a: TypedArray): number[] => Array.from(a as ArrayLike<number>);
const arr = (t: DType, vals: number[]): TypedArray => { const a = allocArray(t, vals.length); vals.forEach((v, i) => { a[i] = v; }); return a; };

describe("narrow types: ONNX packing", () => {
  it("packs two 4-bit values a byte, low nibble first, and unpacks with sign extension", () => {
    // Cast(-9..3) to int4 in ONNX's node tests: 7, -8, -7, ... stored as 0x87 0xa9 ...
    const i4 = arr("i4", [7, -8, -7, -6, -5, -4, -3]);
    expect(Array.from(packSubByte("i4", i4))).to.deep.equal([0x87, 0xa9, 0xcb, 0x0d]);
    expect(nums(unpackSubByte("i4", Uint8Array.from([0x87, 0xa9, 0xcb, 0x0d]), 7))).to.deep.equal([7, -8, -7, -6, -5, -4, -3]);
    expect(nums(unpackSubByte("u4", Uint8Array.from([0x87]), 2))).to.deep.equal([7, 8]);
  });

  it("packs four 2-bit values a byte", () => {
    expect(Array.from(packSubByte("u2", arr("u2", [1, 2, 3, 0, 1, 2, 3])))).to.deep.equal([0x39, 0x39]);
    expect(nums(unpackSubByte("i2", Uint8Array.from([0x39]), 4))).to.deep.equal([1, -2, -1, 0]);
  });

  for (const t of ["i4", "u4", "i2", "u2", "f4e2m1"] as DType[]) {
    it(`${t}: every value round-trips at every length, through raw data and int32_data`, () => {
      const bits = t.endsWith("2") ? 2 : 4, lo = t.startsWith("i") ? -(1 << (bits - 1)) : 0;
      for (let n = 0; n <= 9; n++) {
        const vals = [...Array(n).keys()].map((i) => lo + ((i * 5) % (1 << bits)));
        const a = arr(t, vals);
        const proto = onnx.TensorProto.decode(onnx.TensorProto.encode(encodeTensor({ dtype: t, shape: [n], data: a })).finish());
        expect(proto.rawData.length).to.equal(Math.ceil((n * bits) / 8));
        expect(nums(decodeTensor(proto, { what: "t" }).data)).to.deep.equal(vals);
        const fields = onnx.TensorProto.create({ dataType: proto.dataType, dims: [n], int32Data: Array.from(proto.rawData) });
        expect(nums(decodeTensor(fields, { what: "t" }).data)).to.deep.equal(vals);
      }
    });
  }

  it("rejects packed data of the wrong length with one line", () => {
    const p = onnx.TensorProto.create({ dataType: 22, dims: [5], rawData: Uint8Array.from([1, 2]) });
    expect(() => decodeTensor(p, { what: "initializer \"w\"" })).to.throw(/initializer "w": holds 2 bytes of packed i4 but its dims \[5\] need 3/);
  });
});

describe("narrow types: reference conversions", () => {
  it("float4e2m1: 16 codes decode, re-encode, and round to nearest even with saturation", () => {
    expect([...Array(8).keys()].map(f4e2m1ToF32)).to.deep.equal([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    for (let b = 0; b < 16; b++) expect(f32ToF4e2m1(f4e2m1ToF32(b)), `0x${b.toString(16)}`).to.equal(b);
    // ONNX's test_cast_FLOAT_to_FLOAT4E2M1 inputs and outputs.
    const x = [0.48, 0.25, 1.05, -3.5, -8, 9, 1e6, 1e-7, NaN, Infinity, Infinity, -Infinity, -4, 0.01, -0];
    expect(x.map(f32ToF4e2m1)).to.deep.equal([1, 0, 2, 0xe, 0xf, 7, 7, 0, 8, 7, 7, 0xf, 0xe, 0, 8]);
  });

  it("float8e8m0: rounds up, down or to nearest, and saturates below NaN", () => {
    expect([0, 0.124, 0.25, 0.5, 1.1, 2, 4, 8].map((v) => f32ToE8m0(v))).to.deep.equal([0, 0x7c, 0x7d, 0x7e, 0x80, 0x80, 0x81, 0x82]);
    expect(f32ToE8m0(1.1, "down")).to.equal(0x7f);
    expect(f32ToE8m0(1.5, "nearest")).to.equal(0x80);
    expect(f32ToE8m0(1.4, "nearest")).to.equal(0x7f);
    expect(f32ToE8m0(3e38, "up", true)).to.equal(0xfe);
    expect(f32ToE8m0(3e38, "up", false)).to.equal(0xff);
    expect(f32ToE8m0(-4)).to.equal(0x81); // the sign is dropped
    expect(f32ToE8m0(NaN)).to.equal(0xff);
    expect(e8m0ToF32(0)).to.equal(2 ** -127);
    expect(e8m0ToF32(0xff)).to.be.NaN;
  });
});

/** Inputs that probe every rounding boundary of the narrow types. */
function probes(): number[] {
  const v = [0, -0, NaN, Infinity, -Infinity, 1e-7, -1e-7, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, 6, 7, 100, 3e38, 2 ** -127, 2 ** -130];
  for (let i = -20; i <= 20; i++) v.push(i, i + 0.5, i * 0.37);
  v.push(1 + 2 ** -23, 1.5, 1.5 + 2 ** -23, 1.5 - 2 ** -23, 3 * 2 ** 126, 2 ** 127 + 2 ** 104);
  return [...v, ...v.map((x) => -x)].map(Math.fround);
}

const OUTS: DType[] = ["i4", "u4", "i2", "u2", "f4e2m1", "f8e8m0"];
const MODES: [E8m0Rounding, boolean][] = [["up", true], ["up", false], ["down", true], ["nearest", true], ["nearest", false]];

/** Casts f32 -> each narrow type, e8m0 in every mode, every code back to f32, and f32 <-> u32 bits. */
function convFunc(n: number): PrimFunc {
  const b = (name: string, dtype: DType, len: number, scope: TBuffer["scope"]): TBuffer => ({ name, dtype, shape: [len], scope });
  const X = b("x", "f32", n, "input"), C = b("codes", "u8", 256, "input");
  const outs = OUTS.map((t) => b(`to_${t}`, t, n, "output"));
  const modes = MODES.map(([m, s], i) => b(`e8m0_${i}`, "f8e8m0", n, "output"));
  const decs = ["f4e2m1", "f8e8m0"].map((t) => b(`from_${t}`, "f32", 256, "output"));
  const ints = (["i4", "u4", "i2", "u2"] as DType[]).map((t) => b(`wrap_${t}`, t, 256, "output"));
  const bits = b("bits", "u32", n, "output"), f4d = b("f64_to_f4e2m1", "f4e2m1", n, "output");
  const body = seq(
    loop(n, (i) => seq(
      ...outs.map((o) => store(o, i, cast(load(X, i), o.dtype))),
      ...modes.map((o, k) => store(o, i, toE8m0(load(X, i), MODES[k]![0], MODES[k]![1]))),
      store(bits, i, bitcast(load(X, i), "u32")),
      store(f4d, i, cast(cast(load(X, i), "f64"), "f4e2m1")),
    )),
    loop(256, (i) => seq(
      // Codes above 15 are not float4e2m1 values; only the low nibble is decoded.
      store(decs[0]!, i, cast(bitcast(cast(cast(load(C, i), "i32"), "u8"), "f4e2m1"), "f32")),
      store(decs[1]!, i, cast(bitcast(load(C, i), "f8e8m0"), "f32")),
      ...ints.map((o) => store(o, i, cast(cast(load(C, i), "i32"), o.dtype))),
    )),
  );
  return { name: "narrow_conv", params: [X, C, ...outs, ...modes, ...decs, ...ints, bits, f4d], body };
}

describe("narrow types: Graph IR text", () => {
  it("prints and parses back every value of every narrow type, and rejects values out of range", () => {
    const g = new Graph();
    const vals: Record<string, number[]> = {
      i4: [...Array(16).keys()].map((v) => v - 8), u4: [...Array(16).keys()], i2: [-2, -1, 0, 1], u2: [0, 1, 2, 3],
      f4e2m1: [...Array(16).keys()], f8e8m0: [...Array(256).keys()],
    };
    for (const t of NARROW_TYPES) {
      g.constants.set(t, { dtype: t, shape: [vals[t]!.length], data: arr(t, vals[t]!) });
      g.types.set(t, { dtype: t, shape: [vals[t]!.length] });
    }
    const text = printGraph(g, { inlineLimit: 1000 });
    const back = parseGraph(text);
    for (const t of NARROW_TYPES) expect(nums(back.constants.get(t)!.data), t).to.deep.equal(vals[t]);
    expect(printGraph(back, { inlineLimit: 1000 })).to.equal(text);
    expect(text).to.contain("dense<f4e2m1[16] [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5,");
    for (const bad of ["i4[1] [8]", "u2[1] [4]", "f4e2m1[1] [2.5]", "f8e8m0[1] [0]"])
      expect(() => parseGraph(`graph @g opset 25 {\n  const %c = dense<${bad}>\n}\n`), bad).to.throw(/to be a value of type/);
  });
});

describe("narrow types: Tensor IR conversions in JS and C", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = tempDir("narrow"); });
  after(() => cleanup(dir));

  it("agree with the reference conversions in the evaluator and bit for bit in C", async function () {
    const xs = probes(), n = xs.length;
    const f = convFunc(n);
    expect(parseFunc(printFunc(f))).to.deep.equal(f);
    const x = Float32Array.from(xs), codes = Uint8Array.from([...Array(256).keys()]).map((c) => c);
    const bufs = f.params.map((p) => allocArray(p.dtype, p.shape[0]!));
    bufs[0] = x; bufs[1] = codes;
    evaluate(f, bufs);
    const get = (name: string) => bufs[f.params.findIndex((p) => p.name === name)]!;
    xs.forEach((v, i) => {
      const t = Number.isNaN(v) ? 0 : Math.trunc(Math.max(Math.min(v, 2 ** 31 - 1), -(2 ** 31)));
      expect(get("to_i4")[i], `i4 ${v}`).to.equal((((t & 15) ^ 8) - 8));
      expect(get("to_u4")[i], `u4 ${v}`).to.equal(t & 15);
      expect(get("to_i2")[i], `i2 ${v}`).to.equal((((t & 3) ^ 2) - 2));
      expect(get("to_u2")[i], `u2 ${v}`).to.equal(t & 3);
      expect(get("to_f4e2m1")[i], `f4e2m1 ${v}`).to.equal(f32ToF4e2m1(v));
      expect(get("f64_to_f4e2m1")[i], `f4e2m1 from f64 ${v}`).to.equal(f32ToF4e2m1(v));
      expect(get("to_f8e8m0")[i], `e8m0 ${v}`).to.equal(f32ToE8m0(v));
      MODES.forEach(([m, s], k) => expect(get(`e8m0_${k}`)[i], `e8m0 ${m} ${s} ${v}`).to.equal(f32ToE8m0(v, m, s)));
      expect(get("bits")[i]).to.equal(new Uint32Array(Float32Array.of(v).buffer)[0]);
    });
    for (let c = 0; c < 256; c++) {
      expect(Object.is(get("from_f4e2m1")[c], f4e2m1ToF32(c & 15)), `f4 0x${c.toString(16)}`).to.equal(true);
      expect(Object.is(get("from_f8e8m0")[c], Math.fround(e8m0ToF32(c))), `e8m0 0x${c.toString(16)}`).to.equal(true);
    }
    if (!(await haveCc())) { console.log("  skipped C: no C compiler 'cc' on PATH"); this.skip(); }
    const names = f.params.map((p) => p.name);
    const decl = f.params.map((p) => `static ${p.dtype === "f32" ? "float" : p.dtype === "u32" ? "uint32_t" : p.dtype.startsWith("i") ? "int8_t" : "uint8_t"} ${p.name}[${p.shape[0]}];`);
    const lines = ["#include <stdio.h>", "#include <string.h>", '#include "edgec_runtime.h"', new CEmitter().kernel(f, f.name),
      ...decl, "int main(void) {",
      `  static const uint32_t xb[${n}] = { ${Array.from(new Uint32Array(x.buffer), (v) => `0x${v.toString(16)}u`).join(", ")} };`,
      "  int i;", "  memcpy(x, xb, sizeof x);", "  for (i = 0; i < 256; i++) codes[i] = (uint8_t)i;",
      `  ${f.name}(${names.join(", ")});`,
      ...names.slice(2).map((p) => `  fwrite(${p}, sizeof ${p}, 1, stdout);`),
      "  return 0;", "}", ""];
    const src = path.join(dir, "narrow.c"), exe = path.join(dir, "narrow");
    fs.writeFileSync(src, lines.join("\n"));
    const rt = path.resolve("runtime-c");
    await run("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined", "-fno-sanitize-recover=all",
      `-I${rt}/include`, src, `${rt}/src/edgec_runtime.c`, "-o", exe, "-lm"]);
    const { stdout } = await run(exe, [], { encoding: "buffer", maxBuffer: 1 << 24 });
    const js = Buffer.concat(bufs.slice(2).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
    expect(stdout.toString("hex")).to.equal(js.toString("hex"));
  });
});

describe("narrow types and BitCast through the compiler", () => {
  const run1 = (op: string, inDtype: DType, outDtype: DType, attrs: Record<string, number | string>, x: TypedArray) => {
    const bytes = buildModel({ opset: 25, nodes: [{ op, inputs: ["x"], outputs: ["y"], attrs }],
      inputs: [{ name: "x", dtype: inDtype, shape: [x.length] }], outputs: [{ name: "y", dtype: outDtype }] });
    return nums(interpret(compileGraph(importModel(bytes, undefined)).program, [x])[0]!);
  };

  it("casts between the narrow types and the standard ones", () => {
    expect(run1("Cast", "f32", "i4", { to: 22 }, Float32Array.from([-9, 7.9, -8.5, 8, NaN]))).to.deep.equal([7, 7, -8, -8, 0]);
    expect(run1("Cast", "i4", "u2", { to: 25 }, Int8Array.from([-8, -1, 5, 7]))).to.deep.equal([0, 3, 1, 3]);
    expect(run1("Cast", "f4e2m1", "f8e8m0", { to: 24 }, Uint8Array.from([1, 3, 7, 0xf]))).to.deep.equal([0x7e, 0x80, 0x82, 0x82]);
    expect(run1("Cast", "f32", "f8e8m0", { to: 24, round_mode: "down" }, Float32Array.from([1.9, 0.3]))).to.deep.equal([0x7f, 0x7d]);
  });

  it("quantizes to int4 with saturation and dequantizes exactly", () => {
    const bytes = buildModel({ opset: 25, nodes: [
      { op: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["q"] }, { op: "DequantizeLinear", inputs: ["q", "s", "z"], outputs: ["y"] }],
      inputs: [{ name: "x", dtype: "f32", shape: [6] }], outputs: [{ name: "q", dtype: "i4" }, { name: "y", dtype: "f32" }],
      initializers: [{ name: "s", dtype: "f32", dims: [], data: [0.5] }, { name: "z", dtype: "i4", dims: [], data: [1] }] });
    const [q, y] = interpret(compileGraph(importModel(bytes, undefined)).program, [Float32Array.from([0, 1.25, -1.25, 100, -100, 2.75])]);
    expect(nums(q!)).to.deep.equal([1, 3, -1, 7, -8, 7]); // 1.25/0.5 = 2.5 rounds to 2 (even)
    expect(nums(y!)).to.deep.equal([0, 1, -1, 3, -4.5, 3]);
  });

  it("bit casts floats to integers of their size and back", () => {
    expect(run1("BitCast", "f32", "i32", { to: 6 }, Float32Array.from([1, -2, 0]))).to.deep.equal([0x3f800000, -0x40000000, 0]);
    expect(run1("BitCast", "i32", "f32", { to: 1 }, Int32Array.from([0x3f800000, -0x40000000]))).to.deep.equal([1, -2]);
    expect(run1("BitCast", "f16", "u16", { to: 4 }, Uint16Array.from([0x3c00]))).to.deep.equal([0x3c00]);
    expect(() => run1("BitCast", "f32", "i4", { to: 22 }, Float32Array.from([1]))).to.throw(/bit casts from f32 to i4 are not supported/);
  });

  it("lists every narrow type", () => expect(NARROW_TYPES).to.have.length(6));
});
