/**
 * @fileoverview The JavaScript evaluator of Tensor IR (used for constant folding) on small
 * hand-built PrimFuncs, and its agreement with the C backend printing the same functions.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { CEmitter, C_TYPES } from "../../backends/c/emit.ts";
import { evaluate } from "../../ir/eval.ts";
import { DType, TypedArray, allocArray, bf16ToF32, f16ToF32 } from "../../ir/dtype.ts";
import { Buffer as TBuffer, Expr, PrimFunc, Stmt, add, bin, c, cast, load, loop, mkVar, mul, select, seq, store, un } from "../../ir/tir.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";

const run = promisify(execFile);
const buf = (name: string, dtype: DType, n: number, scope: TBuffer["scope"]): TBuffer => ({ name, dtype, shape: [n], scope });
const fill = (t: DType, vals: number[]): TypedArray => {
  const a = allocArray(t, vals.length);
  vals.forEach((v, i) => { (a as unknown as (number | bigint)[])[i] = a instanceof BigInt64Array ? BigInt(v) : v; });
  return a;
};

/** out[i,j] = max(a[i,j] * w[j] + 1, 0); rowsum[i] = sum_j a[i,j] through a local accumulator. */
function floatFunc(): PrimFunc {
  const A = buf("a", "f32", 6, "input"), W = buf("w", "f32", 3, "input");
  const O = buf("o", "f32", 6, "output"), S = buf("s", "f32", 2, "output");
  const acc = mkVar("acc", "f32");
  const body = loop(2, (i) => seq(
    { k: "decl", v: acc, init: c(0, "f32") } as Stmt,
    loop(3, (j) => {
      const idx = add(mul(i, c(3)), j);
      const v = bin("add", bin("mul", load(A, idx), load(W, j)), c(1, "f32"));
      return seq(store(O, idx, bin("max", v, c(0, "f32"))), { k: "assign", v: acc, value: bin("add", acc, load(A, idx)) } as Stmt);
    }, "j"),
    store(S, i, acc),
  ), "i");
  return { name: "float_func", params: [A, W, O, S], body };
}

/** Integer semantics: floor division/modulo with negatives, truncating division, i8 wrap-around. */
function intFunc(): PrimFunc {
  const A = buf("a", "i32", 6, "input"), B = buf("b", "i32", 6, "input");
  const X = buf("x", "i8", 6, "input");
  const Q = buf("q", "i32", 6, "output"), R = buf("r", "i32", 6, "output"), D = buf("d", "i32", 6, "output");
  const W = buf("wrap", "i8", 6, "output"), Z = buf("sel", "i32", 6, "output");
  const body = loop(6, (i) => seq(
    store(Q, i, bin("floordiv", load(A, i), load(B, i))),
    store(R, i, bin("floormod", load(A, i), load(B, i))),
    store(D, i, bin("div", load(A, i), load(B, i))),
    store(W, i, bin("add", load(X, i), c(100, "i8"))),
    store(Z, i, select(bin("lt", load(A, i), c(0)), un("neg", load(A, i)), load(B, i))),
  ));
  return { name: "int_func", params: [A, B, X, Q, R, D, W, Z], body };
}

/** f32 -> f16/bf16 -> f32 through casts, and saturating float -> int8 casts. */
function castFunc(): PrimFunc {
  const X = buf("x", "f32", 8, "input");
  const H = buf("h", "f16", 8, "output"), BF = buf("bf", "bf16", 8, "output");
  const Y = buf("y", "f32", 8, "output"), I = buf("i8", "i8", 8, "output");
  const body = loop(8, (i) => {
    const x: Expr = load(X, i);
    return seq(
      store(H, i, cast(x, "f16")),
      store(BF, i, cast(x, "bf16")),
      store(Y, i, cast(cast(x, "f16"), "f32")),
      store(I, i, cast(un("round", x), "i8")),
    );
  });
  return { name: "cast_func", params: [X, H, BF, Y, I], body };
}

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;

/**
 * 64-bit integers where doubles lose them: wrapping arithmetic, guarded and floor division at
 * INT64_MIN / -1, negation and abs of INT64_MIN, shifts, exact rounding to float, narrowing.
 */
function int64Func(): PrimFunc {
  const A = buf("a", "i64", 8, "input"), B = buf("b", "i64", 8, "input"), U = buf("u", "u64", 8, "input");
  const outs = ["sum", "prod", "fdiv", "fmod", "neg", "abs", "tdiv"].map((n) => buf(n, "i64", 8, "output"));
  const SH = buf("shr", "u64", 8, "output"), F = buf("f", "f32", 8, "output"), D = buf("d", "f64", 8, "output"), N = buf("n32", "i32", 8, "output");
  const body = loop(8, (i) => {
    const a = load(A, i), b = load(B, i);
    const guarded = select(bin("eq", b, c(0, "i64")), c(0, "i64"), select(bin("eq", b, c(-1, "i64")), un("neg", a), bin("div", a, b)));
    return seq(
      store(outs[0]!, i, bin("add", a, b)), store(outs[1]!, i, bin("mul", a, b)),
      store(outs[2]!, i, bin("floordiv", a, b)), store(outs[3]!, i, bin("floormod", a, b)),
      store(outs[4]!, i, un("neg", a)), store(outs[5]!, i, un("abs", a)), store(outs[6]!, i, guarded),
      store(SH, i, bin("shr", load(U, i), cast(bin("and", b, c(63, "i64")), "u64"))),
      store(F, i, cast(a, "f32")), store(D, i, cast(a, "f64")), store(N, i, cast(a, "i32")),
    );
  });
  return { name: "int64_func", params: [A, B, U, ...outs, SH, F, D, N], body };
}

/** Float to 64-bit integer casts saturate and take NaN to 0, as edgec_f2i64/f2u64. */
function f2i64Func(): PrimFunc {
  const X = buf("x", "f32", 8, "input"), Y = buf("y", "f64", 8, "input");
  const I = buf("i", "i64", 8, "output"), J = buf("j", "i64", 8, "output"), U = buf("u", "u64", 8, "output");
  const body = loop(8, (i) => seq(store(I, i, cast(load(X, i), "i64")), store(J, i, cast(load(Y, i), "i64")), store(U, i, cast(load(Y, i), "u64"))));
  return { name: "f2i64_func", params: [X, Y, I, J, U], body };
}

/** Float min and max propagate NaN from either side, with or without a constant operand. */
function nanFunc(): PrimFunc {
  const A = buf("a", "f32", 6, "input"), B = buf("b", "f32", 6, "input");
  const outs = ["mx", "mn", "relu", "clip", "kmax"].map((n) => buf(n, "f32", 6, "output"));
  const body = loop(6, (i) => {
    const a = load(A, i), b = load(B, i);
    return seq(
      store(outs[0]!, i, bin("max", a, b)), store(outs[1]!, i, bin("min", a, b)),
      store(outs[2]!, i, bin("max", a, c(0, "f32"))), store(outs[3]!, i, bin("min", bin("max", a, c(-1, "f32")), c(1, "f32"))),
      store(outs[4]!, i, bin("max", c(0.5, "f32"), b)),
    );
  });
  return { name: "nan_func", params: [A, B, ...outs], body };
}

const inputsOf = {
  float_func: [fill("f32", [1, -2, 3, 4, 5, -6]), fill("f32", [0.5, 2, -1])],
  int_func: [fill("i32", [-7, 7, -8, 8, -1, 0]), fill("i32", [2, -2, 3, -3, 5, 4]), fill("i8", [27, 28, -100, 127, -128, 0])],
  cast_func: [fill("f32", [1, 1 + 2 ** -11, 65520, -1e-8, 2 ** -24, 300, -300, -2.5])],
  int64_func: [
    BigInt64Array.of(I64_MIN, I64_MAX, 2n ** 53n + 1n, -(2n ** 53n) - 3n, 2n ** 62n + 2n ** 38n + 1n, -7n, 7n, I64_MIN + 1n),
    BigInt64Array.of(-1n, 1n, 3n, -2n, 0n, 2n, -3n, I64_MIN),
    BigUint64Array.of(2n ** 64n - 1n, 2n ** 63n, 12345678901234567n, 1n, 0n, 2n ** 40n, 3n, 2n ** 64n - 2n),
  ],
  f2i64_func: [
    fill("f32", [Infinity, -Infinity, NaN, 2 ** 63, -(2 ** 63), 1e19, 123.75, -123.75]),
    Float64Array.of(2 ** 63 - 1024, -(2 ** 63) - 4096, 2 ** 64, -1, NaN, 9007199254740993, -0.5, 1e300),
  ],
  nan_func: [fill("f32", [NaN, 1, NaN, -2, 3, -0.5]), fill("f32", [1, NaN, NaN, 5, -1, 0.25])],
};

function runJs(f: PrimFunc): TypedArray[] {
  const ins = inputsOf[f.name as keyof typeof inputsOf];
  const bufs = f.params.map((p, i) => (i < ins.length ? ins[i]! : allocArray(p.dtype, p.shape[0]!)));
  evaluate(f, bufs);
  return bufs.slice(ins.length);
}

const num = (a: TypedArray) => Array.from(a as ArrayLike<number | bigint>, Number);

/** C initialisers for the elements of `a`, exact for 64-bit integers and special floats. */
function cValues(a: TypedArray, t: DType): string[] {
  return Array.from(a as ArrayLike<number | bigint>, (v) => {
    if (typeof v === "bigint") return t === "u64" ? `UINT64_C(${v})` : v === I64_MIN ? "INT64_MIN" : `INT64_C(${v})`;
    if (Number.isNaN(v)) return "NAN";
    if (!Number.isFinite(v)) return v > 0 ? "INFINITY" : "-INFINITY";
    return new CEmitter().constant(v, t);
  });
}

describe("JS evaluator (ir/eval.ts)", () => {
  it("runs loops, loads, stores and a local accumulator", () => {
    const [o, s] = runJs(floatFunc());
    expect(num(o!)).to.deep.equal([1.5, 0, 0, 3, 11, 7]);
    expect(num(s!)).to.deep.equal([2, 3]);
  });

  it("follows the C integer semantics: floor div/mod, truncating div, narrow wrap-around", () => {
    const [q, r, d, w, sel] = runJs(intFunc());
    expect(num(q!)).to.deep.equal([-4, -4, -3, -3, -1, 0]);
    expect(num(r!)).to.deep.equal([1, -1, 1, -1, 4, 0]);
    expect(num(d!)).to.deep.equal([-3, -3, -2, -2, 0, 0]);
    expect(num(w!)).to.deep.equal([127, -128, 0, -29, -28, 100]);
    expect(num(sel!)).to.deep.equal([7, -2, 8, -3, 1, 4]);
  });

  it("computes 64-bit integers exactly, wrapping as C does", () => {
    const [sum, prod, fdiv, fmod, neg, abs, tdiv, shr, f, d, n32] = runJs(int64Func());
    const big = (a: TypedArray) => Array.from(a as BigInt64Array);
    expect(big(sum!)).to.deep.equal([I64_MAX, I64_MIN, 2n ** 53n + 4n, -(2n ** 53n) - 5n, 2n ** 62n + 2n ** 38n + 1n, -5n, 4n, 1n]);
    expect(big(prod!)[0]).to.equal(I64_MIN); // INT64_MIN * -1 wraps
    expect(big(prod!)[2]).to.equal(3n * (2n ** 53n + 1n));
    expect(big(fdiv!)).to.deep.equal([I64_MIN, I64_MAX, 3002399751580331n, 4503599627370497n, 0n, -4n, -3n, 0n]);
    expect(big(fmod!)).to.deep.equal([0n, 0n, 0n, -1n, 0n, 1n, -2n, I64_MIN + 1n]);
    expect(big(neg!)[0]).to.equal(I64_MIN);
    expect(big(abs!)[0]).to.equal(I64_MIN);
    expect(big(tdiv!).slice(0, 5)).to.deep.equal([I64_MIN, I64_MAX, 3002399751580331n, 4503599627370497n, 0n]);
    expect(big(shr!).slice(0, 3)).to.deep.equal([1n, 2n ** 62n, 12345678901234567n >> 3n]);
    // 2^62 + 2^38 + 1 rounds to 2^62 + 2^39 in f32 (ties to even after exact rounding).
    expect(num(f!).slice(0, 5)).to.deep.equal([-(2 ** 63), 2 ** 63, 2 ** 53, -(2 ** 53), 2 ** 62 + 2 ** 39]);
    expect(num(d!)[2]).to.equal(2 ** 53);
    expect(num(n32!).slice(0, 3)).to.deep.equal([0, -1, 1]);
  });

  it("casts ±Inf, NaN and values beyond 2^63 to 64-bit integers as edgec_f2i64/f2u64 do", () => {
    const [i, j, u] = runJs(f2i64Func());
    expect(Array.from(i as BigInt64Array)).to.deep.equal([I64_MAX, I64_MIN, 0n, I64_MAX, I64_MIN, I64_MAX, 123n, -123n]);
    expect(Array.from(j as BigInt64Array)).to.deep.equal([2n ** 63n - 1024n, I64_MIN, I64_MAX, -1n, 0n, 9007199254740992n, 0n, I64_MAX]);
    expect(Array.from(u as BigUint64Array)).to.deep.equal([2n ** 63n - 1024n, 0n, 2n ** 64n - 1n, 0n, 0n, 9007199254740992n, 0n, 2n ** 64n - 1n]);
  });

  it("propagates NaN through min and max on either side, and against constants", () => {
    const [mx, mn, relu, clip, kmax] = runJs(nanFunc());
    expect(num(mx!)).to.deep.equal([NaN, NaN, NaN, 5, 3, 0.25]);
    expect(num(mn!)).to.deep.equal([NaN, NaN, NaN, -2, -1, -0.5]);
    expect(num(relu!)).to.deep.equal([NaN, 1, NaN, 0, 3, 0]);
    expect(num(clip!)).to.deep.equal([NaN, 1, NaN, -1, 1, -0.5]);
    expect(num(kmax!)).to.deep.equal([1, NaN, NaN, 5, 0.5, 0.5]);
  });

  it("converts through f16 and bf16 with rounding to nearest even", () => {
    const [h, bf, y] = runJs(castFunc());
    expect(num(h!).slice(0, 3)).to.deep.equal([0x3c00, 0x3c00, 0x7c00]);
    expect(f16ToF32(h![4] as number)).to.equal(2 ** -24);
    expect(bf16ToF32(bf![0] as number)).to.equal(1);
    expect(num(y!).slice(0, 3)).to.deep.equal([1, 1, Infinity]);
  });
});

describe("JS evaluator agrees with the C backend", function () {
  this.timeout(120_000);
  let dir: string;
  let cc = false;
  before(async () => { dir = tempDir("eval"); cc = await haveCc(); });
  after(() => cleanup(dir));

  for (const make of [floatFunc, intFunc, castFunc, int64Func, f2i64Func, nanFunc]) {
    it(`${make.name}: identical output bits`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const f = make();
      const ins = inputsOf[f.name as keyof typeof inputsOf];
      const lines = ["#include <stdio.h>", "#include <string.h>", '#include "edgec_runtime.h"', new CEmitter().kernel(f, f.name), "int main(void) {"];
      f.params.forEach((p, i) => {
        const init = i < ins.length ? `{ ${cValues(ins[i]!, p.dtype).join(", ")} }` : "{ 0 }";
        lines.push(`  static ${C_TYPES[p.dtype]} ${p.name}[${p.shape[0]}] = ${init};`);
      });
      lines.push(`  ${f.name}(${f.params.map((p) => p.name).join(", ")});`);
      for (const p of f.params.slice(ins.length))
        lines.push(`  fwrite(${p.name}, sizeof ${p.name}, 1, stdout);`);
      lines.push("  return 0;", "}", "");
      const src = path.join(dir, `${f.name}.c`), exe = path.join(dir, f.name);
      fs.writeFileSync(src, lines.join("\n"));
      const rt = path.resolve("runtime-c");
      await run("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined", "-fno-sanitize-recover=all",
        `-I${rt}/include`, src, `${rt}/src/edgec_runtime.c`, "-o", exe, "-lm"]);
      const { stdout } = await run(exe, [], { encoding: "buffer" });
      const js = Buffer.concat(runJs(f).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      expect(stdout.toString("hex")).to.equal(js.toString("hex"));
    });
  }
});
