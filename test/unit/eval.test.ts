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
import { evaluate } from "../../backends/js/eval.ts";
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

const inputsOf = {
  float_func: [fill("f32", [1, -2, 3, 4, 5, -6]), fill("f32", [0.5, 2, -1])],
  int_func: [fill("i32", [-7, 7, -8, 8, -1, 0]), fill("i32", [2, -2, 3, -3, 5, 4]), fill("i8", [27, 28, -100, 127, -128, 0])],
  cast_func: [fill("f32", [1, 1 + 2 ** -11, 65520, -1e-8, 2 ** -24, 300, -300, -2.5])],
};

function runJs(f: PrimFunc): TypedArray[] {
  const ins = inputsOf[f.name as keyof typeof inputsOf];
  const bufs = f.params.map((p, i) => (i < ins.length ? ins[i]! : allocArray(p.dtype, p.shape[0]!)));
  evaluate(f, bufs);
  return bufs.slice(ins.length);
}

const num = (a: TypedArray) => Array.from(a as ArrayLike<number | bigint>, Number);

describe("JS evaluator (backends/js/eval.ts)", () => {
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

  for (const make of [floatFunc, intFunc, castFunc]) {
    it(`${make.name}: identical output bits`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const f = make();
      const ins = inputsOf[f.name as keyof typeof inputsOf];
      const lines = ["#include <stdio.h>", "#include <string.h>", '#include "edgec_runtime.h"', new CEmitter().kernel(f, f.name), "int main(void) {"];
      f.params.forEach((p, i) => {
        const init = i < ins.length ? `{ ${num(ins[i]!).map((v) => new CEmitter().constant(v, p.dtype)).join(", ")} }` : "{ 0 }";
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
