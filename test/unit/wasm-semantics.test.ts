/**
 * @fileoverview The WebAssembly kernel builder computes what the JavaScript evaluator (the
 * definition constant folding uses, which matches the C runtime) computes: every cast between
 * stored types (float to integer saturation, half/bfloat16/float8 rounding, integer wrapping),
 * integer arithmetic with wrap-around, floor division and modulo, comparisons and min/max.
 */
import { expect } from "chai";
import { W, WasmModule } from "../../backends/wasm/binaryen.ts";
import { buildKernel } from "../../backends/wasm/emit.ts";
import { Runtime } from "../../backends/wasm/runtime.ts";
import { evaluate } from "../../ir/eval.ts";
import { DType, TypedArray, allocArray, byteSize, getNumber, isFloat, storedToNumber } from "../../ir/dtype.ts";
import { BinOp, Buffer as TBuffer, Expr, PrimFunc, UnOp, bin, cast, isCompare, load, loop, store, un } from "../../ir/tir.ts";

const buf = (name: string, dtype: DType, n: number, scope: TBuffer["scope"]): TBuffer => ({ name, dtype, shape: [n], scope });
const BASE = 1024;

/** Builds `f` alone in a module, runs it on `ins` and returns its output buffers. */
function runWasm(f: PrimFunc, ins: TypedArray[]): TypedArray[] {
  const outs = f.params.slice(ins.length).map((b) => allocArray(b.dtype, b.shape[0]!));
  const all = [...ins, ...outs];
  const offs: number[] = [];
  let top = BASE;
  for (const a of all) { offs.push(top); top += Math.ceil(a.byteLength / 64 + 1) * 64; }
  const w = new WasmModule({ simd: false });
  try {
    w.setMemory(Math.ceil(top / 65536), "memory", []);
    buildKernel(w, new Runtime(w), f, "k");
    w.addFunction("run", [], W.none, [], w.call("k", offs.map((o) => w.i32(o)), W.none));
    w.addExport("run", "run");
    w.validate("test kernel");
    w.optimize();
    const mod = new WebAssembly.Module(new Uint8Array(w.emitBinary()));
    const env: Record<string, unknown> = { edgec_fmod: (a: number, b: number) => a % b, edgec_pow: Math.pow, edgec_exp: Math.exp };
    const inst = new WebAssembly.Instance(mod, { env } as WebAssembly.Imports);
    const mem = (inst.exports.memory as WebAssembly.Memory).buffer;
    ins.forEach((a, i) => new Uint8Array(mem, offs[i]!, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
    (inst.exports.run as () => void)();
    outs.forEach((a, j) => new Uint8Array(a.buffer).set(new Uint8Array(mem, offs[ins.length + j]!, a.byteLength)));
    return outs;
  } finally {
    w.dispose();
  }
}

function fill(t: DType, vals: number[]): TypedArray {
  const a = allocArray(t, vals.length);
  vals.forEach((v, i) => {
    if (a instanceof BigInt64Array || a instanceof BigUint64Array) a[i] = BigInt(v);
    else a[i] = v;
  });
  return a;
}

/** Element i of each output as numbers, NaN-safe and -0-preserving, for deep equality. */
const show = (a: TypedArray) => Array.from({ length: a.length }, (_, i) => Object.is(getNumber(a, i), -0) ? "-0" : String(getNumber(a, i)));

function agree(f: PrimFunc, ins: TypedArray[], what: string): void {
  const outs = f.params.slice(ins.length).map((b) => allocArray(b.dtype, b.shape[0]!));
  evaluate(f, [...ins, ...outs]);
  const got = runWasm(f, ins);
  got.forEach((g, j) => expect(show(g), `${what}: output ${j}`).to.deep.equal(show(outs[j]!)));
}

const FLOATS = [0, -0, 0.25, 0.5, 1.5, 2.5, -2.5, 3.75, 100.4, 127.5, 127.6, 128, -128.5, -129, 255.9, 256.5, 300, 4095.9,
  32767.6, -32769, 65504, 65520, 65535.5, 70000, 1e10, -1e10, 3e9, 4.3e9, -2.2e9, 1e-5, 6.1e-5, 1e-7, 1e-40, 3.4e38, -3.4e38,
  448, 464, 57344, 61440, 240, 0.0009765625, NaN, Infinity, -Infinity];
const INTS: Partial<Record<DType, number[]>> = {
  i8: [0, 1, -1, 127, -128, 100, -100, 64],
  u8: [0, 1, 255, 128, 127, 200],
  i16: [0, 1, -1, 32767, -32768, 300, -300, 1000],
  u16: [0, 1, 65535, 32768, 300, 40000],
  i32: [0, 1, -1, 2147483647, -2147483648, 65536, -70000, 123456789],
  u32: [0, 1, 4294967295, 2147483648, 70000, 3000000000],
  bool: [0, 1, 1, 0],
  i64: [0, 1, -1, 2 ** 40, -(2 ** 40), 9007199254740991, 300, -129],
};
const STORED_FLOATS: DType[] = ["f16", "bf16", "f8e4m3fn", "f8e4m3fnuz", "f8e5m2", "f8e5m2fnuz"];

/** Every value a `from` buffer can hold that the test feeds in. */
function valuesOf(t: DType): number[] {
  if (t === "f32" || t === "f64") return FLOATS;
  if (STORED_FLOATS.includes(t)) {
    const n = byteSize(t) === 1 ? 256 : 65536, step = n === 256 ? 1 : 37;
    return Array.from({ length: Math.ceil(n / step) }, (_, i) => (i * step) & (n - 1));
  }
  return INTS[t]!;
}

function castFunc(from: DType, to: DType, n: number): PrimFunc {
  const X = buf("x", from, n, "input"), Y = buf("y", to, n, "output");
  return { name: "cast", params: [X, Y], body: loop(n, (i) => store(Y, i, cast(load(X, i), to))) };
}

describe("wasm kernels agree with the Tensor IR evaluator", function () {
  this.timeout(120_000);
  const TYPES: DType[] = ["f32", "f64", ...STORED_FLOATS, "i8", "u8", "i16", "u16", "i32", "u32", "bool", "i64"];

  for (const from of TYPES) {
    it(`casts from ${from} to every type`, () => {
      for (const to of TYPES) {
        if (to === from) continue;
        // The evaluator computes int64 with numbers, so its saturation at 2^63 is not exact.
        if (to === "i64" && isFloat(from)) continue;
        let vals = valuesOf(from);
        // A NaN's payload and sign: C and wasm keep them through f32, the evaluator makes it canonical.
        if (STORED_FLOATS.includes(from) && STORED_FLOATS.includes(to)) vals = vals.filter((v) => !Number.isNaN(storedToNumber(from, v)));
        agree(castFunc(from, to, vals.length), [fill(from, vals)], `${from} -> ${to}`);
      }
    });
  }

  it("float to int64 saturates and maps NaN to 0, as edgec_f2i64", () => {
    const vals = [0, 1.5, -1.5, 1e10, -1e10, 2 ** 52, NaN];
    agree(castFunc("f32", "i64", vals.length), [fill("f32", vals)], "f32 -> i64");
    const out = runWasm(castFunc("f64", "i64", 3), [fill("f64", [1e300, -1e300, NaN])]);
    expect(Array.from(out[0] as BigInt64Array)).to.deep.equal([2n ** 63n - 1n, -(2n ** 63n), 0n]);
    const big = runWasm(castFunc("bf16", "i64", 2), [fill("bf16", [0x7f80, 0xff80])]);
    expect(Array.from(big[0] as BigInt64Array)).to.deep.equal([2n ** 63n - 1n, -(2n ** 63n)]);
  });

  it("unsigned 32-bit values widen to int64 without sign extension", () => {
    const out = runWasm(castFunc("u32", "i64", 3), [fill("u32", [4294967295, 3000000000, 7])]);
    expect(Array.from(out[0] as BigInt64Array)).to.deep.equal([4294967295n, 3000000000n, 7n]);
  });

  const INT_OPS: BinOp[] = ["add", "sub", "mul", "div", "mod", "floordiv", "floormod", "min", "max", "and", "or", "xor",
    "eq", "ne", "lt", "le", "gt", "ge"];
  for (const t of ["i8", "u8", "i16", "u16", "i32", "u32"] as DType[]) {
    it(`${t} arithmetic wraps as C does; division, floor division and modulo`, () => {
      const vals = INTS[t]!;
      const a: number[] = [], b: number[] = [];
      for (const x of vals) for (const y of vals) if (y !== 0 && !(t === "i32" && y === -1)) { a.push(x); b.push(y); }
      for (const op of INT_OPS) {
        if ((op === "floordiv" || op === "floormod") && t !== "i32") continue;
        const A = buf("a", t, a.length, "input"), B = buf("b", t, a.length, "input");
        const Y = buf("y", isCompare(op) ? "bool" : t, a.length, "output");
        const f: PrimFunc = { name: op, params: [A, B, Y], body: loop(a.length, (i) => store(Y, i, bin(op, load(A, i), load(B, i)))) };
        agree(f, [fill(t, a), fill(t, b)], `${t} ${op}`);
      }
    });
  }

  it("shifts, negation, abs, not and sign on small integers", () => {
    const vals = [0, 1, 3, 7, 100, 127];
    const A = buf("a", "u8", vals.length, "input"), B = buf("b", "u8", vals.length, "input");
    for (const op of ["shl", "shr"] as BinOp[]) {
      const Y = buf("y", "u8", vals.length, "output");
      agree({ name: op, params: [A, B, Y], body: loop(vals.length, (i) => store(Y, i, bin(op, load(A, i), load(B, i)))) },
        [fill("u8", [1, 2, 255, 128, 7, 200]), fill("u8", [0, 1, 7, 3, 2, 4])], `u8 ${op}`);
    }
    for (const t of ["i8", "i16", "i32"] as DType[]) {
      for (const op of ["neg", "abs", "not", "sign"] as UnOp[]) {
        const X = buf("x", t, INTS[t]!.length, "input"), Y = buf("y", t, INTS[t]!.length, "output");
        agree({ name: op, params: [X, Y], body: loop(INTS[t]!.length, (i) => store(Y, i, un(op, load(X, i) as Expr))) }, [fill(t, INTS[t]!)], `${t} ${op}`);
      }
    }
  });

  it("float rounding, floor, ceil, trunc, sqrt, isnan, isinf and sign", () => {
    const vals = FLOATS;
    for (const t of ["f32", "f64"] as DType[]) {
      for (const op of ["round", "floor", "ceil", "trunc", "sqrt", "abs", "neg"] as UnOp[]) {
        const X = buf("x", t, vals.length, "input"), Y = buf("y", t, vals.length, "output");
        agree({ name: op, params: [X, Y], body: loop(vals.length, (i) => store(Y, i, un(op, load(X, i)))) }, [fill(t, vals)], `${t} ${op}`);
      }
      for (const op of ["isnan", "isinf"] as UnOp[]) {
        const X = buf("x", t, vals.length, "input"), Y = buf("y", "bool", vals.length, "output");
        agree({ name: op, params: [X, Y], body: loop(vals.length, (i) => store(Y, i, un(op, load(X, i)))) }, [fill(t, vals)], `${t} ${op}`);
      }
      // edgec_sign: (x > 0) - (x < 0), so -0 and NaN give 0 (the evaluator's Math.sign differs there).
      const X = buf("x", t, 5, "input"), Y = buf("y", t, 5, "output");
      const out = runWasm({ name: "sign", params: [X, Y], body: loop(5, (i) => store(Y, i, un("sign", load(X, i)))) }, [fill(t, [-0, NaN, 3, -Infinity, 0])]);
      expect(show(out[0]!)).to.deep.equal(["0", "0", "1", "-1", "0"]);
    }
  });
});
