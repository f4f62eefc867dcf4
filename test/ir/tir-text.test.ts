/**
 * @fileoverview Tensor IR text: every kernel of the shared models prints, parses back to an equal
 * PrimFunc and prints identically; a handwritten fixture parses and runs in the JS evaluator
 * and, printed as C, computes the same bytes.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CEmitter, C_TYPES } from "../../backends/c/emit.ts";
import { evaluate } from "../../ir/eval.ts";
import { compileFile } from "../../compiler/api.ts";
import { kernelSteps } from "../../ir/program.ts";
import { allocArray, toNumbers } from "../../ir/dtype.ts";
import { numel } from "../../ir/graph.ts";
import { parseFunc, parseFuncs, printFunc, printFuncs } from "../../ir/text/index.ts";
import type { Buffer as Buf, Expr, PrimFunc, Stmt } from "../../ir/tir.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { ROOT, sharedDir } from "../shared.ts";
import { irDiff } from "./ir-equal.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

function roundTrip(f: PrimFunc): string {
  const text = printFunc(f);
  const back = parseFunc(text);
  expect(irDiff(f, back), `${f.name}\n${text}`).to.equal(undefined);
  expect(printFunc(back)).to.equal(text);
  return text;
}

describe("ir/text: Tensor IR round trip of the shared models' kernels", () => {
  const dir = sharedDir("models");
  const models = dir ? fs.readdirSync(dir).filter((m) => fs.existsSync(path.join(dir, m, "model.onnx"))).sort() : [];
  for (const m of models) {
    it(m, () => {
      const kernels = kernelSteps(compileFile(path.join(dir!, m, "model.onnx")).program.steps).map((s) => s.kernel);
      expect(kernels.length).to.be.greaterThan(0);
      for (const k of kernels) roundTrip(k);
      // All kernels as one file.
      const text = printFuncs(kernels);
      const back = parseFuncs(text);
      expect(irDiff(kernels, back)).to.equal(undefined);
      expect(printFuncs(back)).to.equal(text);
    });
  }
});

describe("ir/text: Tensor IR forms", () => {
  const a: Buf = { name: "a b", dtype: "f32", shape: [4], scope: "input" };
  const o: Buf = { name: "out", dtype: "f16", shape: [2, 2], scope: "output" };
  const t: Buf = { name: "tmp", dtype: "i64", shape: [], scope: "scratch" };
  const i = { k: "var", name: "i.0", dtype: "i32" } as const;
  const acc = { k: "var", name: "acc", dtype: "f32" } as const;
  const ld: Expr = { k: "load", buf: a, index: i, dtype: "f32" };

  it("keeps dtypes that differ from the implied ones, special floats, nested and single seqs", () => {
    const body: Stmt = {
      k: "seq", body: [
        { k: "decl", v: acc, init: { k: "const", dtype: "f32", v: NaN } },
        {
          k: "for", v: i, extent: 4, kind: "vectorize", lo: { k: "const", dtype: "i32", v: 1 },
          body: { k: "seq", body: [{ k: "assign", v: acc, value: { k: "bin", op: "atan2", a: acc, b: ld, dtype: "f32" } }] },
        },
        { k: "seq", body: [{ k: "seq", body: [] }] },
        { k: "store", buf: o, index: { k: "const", dtype: "i32", v: 0 }, value: { k: "cast", a: acc, dtype: "f16" } },
        { k: "store", buf: t, index: { k: "const", dtype: "i32", v: 0 }, value: { k: "const", dtype: "i64", v: -(2 ** 60) } },
        { k: "if", c: { k: "un", op: "isnan", a: acc, dtype: "bool" }, then: { k: "store", buf: o, index: { k: "const", dtype: "i32", v: -0 }, value: { k: "const", dtype: "f16", v: -Infinity } } },
        // A free variable and a load read as another dtype keep their suffixes.
        { k: "store", buf: o, index: { k: "var", name: "free", dtype: "i64" }, value: { k: "load", buf: a, index: { k: "const", dtype: "i32", v: 2 }, dtype: "f16" } },
        { k: "store", buf: o, index: { k: "bin", op: "lt", a: i, b: i, dtype: "i32" }, value: { k: "select", c: { k: "un", op: "lnot", a: { k: "const", dtype: "bool", v: 1 }, dtype: "bool" }, a: { k: "const", dtype: "f16", v: 1e-7 }, b: { k: "un", op: "neg", a: { k: "const", dtype: "f16", v: 5e-324 }, dtype: "f16" }, dtype: "f16" } },
      ],
    };
    const text = roundTrip({ name: "forms", params: [a, o, t], body });
    expect(text).to.contain("let %acc : f32 = nan:f32");
    expect(text).to.contain("for %i.0 in 0..4 vectorize from 1 {");
    expect(text).to.contain("seq {\n    seq {\n    }\n  }");
    expect(text).to.contain("store %tmp[0] = -1152921504606847000:i64");
    expect(text).to.contain("store %out[-0] = -inf:f16");
    expect(text).to.contain("store %out[%free:i64] = %\"a b\"[2]:f16");
    expect(text).to.contain("store %out[(%i.0:i32 < %i.0:i32):i32]");
  });

  it("prints a one-statement body as a block and a one-statement seq as seq { }", () => {
    const st: Stmt = { k: "store", buf: o, index: i, value: { k: "const", dtype: "f16", v: 0.5 } };
    roundTrip({ name: "one", params: [o], body: { k: "for", v: i, extent: 2, kind: "parallel", body: st } });
    const text = roundTrip({ name: "one", params: [o], body: { k: "for", v: i, extent: 2, kind: "parallel", body: { k: "seq", body: [st] } } });
    expect(text).to.contain("parallel {\n    seq {\n");
  });
});

describe("ir/text: handwritten Tensor IR fixture", () => {
  const file = path.join(HERE, "fixtures", "row-stats.tir");
  const text = fs.readFileSync(file, "utf8");

  it("is in printed form", () => {
    const canonical = text.split("\n").filter((l) => !l.startsWith("//")).join("\n");
    expect(printFunc(parseFunc(text))).to.equal(canonical);
  });

  it("runs in the JS evaluator with the expected results", () => {
    const f = parseFunc(text);
    expect(f.params.map((p) => p.name)).to.deep.equal(["x", "clamped", "rowmax", "negs", "others", "mid"]);
    const x = Float32Array.from([0.5, -2, 3, 1, -1, -0.25, 0.75, 2]);
    const clamped = new Float32Array(8), rowmax = new Float32Array(2);
    const negs = new Int32Array(2), others = new Int32Array(2), mid = new Float64Array(1);
    evaluate(f, [x, clamped, rowmax, negs, others, mid]);
    expect(toNumbers(clamped)).to.deep.equal([0.5, 0, 1, 1, 0, 0, 0.75, 1]);
    expect(toNumbers(rowmax)).to.deep.equal([3, 2]);
    expect(toNumbers(negs)).to.deep.equal([1, 2]);
    expect(toNumbers(others)).to.deep.equal([3, 2]);
    expect(toNumbers(mid)).to.deep.equal([1]);
  });

  it("prints as C that builds warning-free and computes the same bytes", async function () {
    this.timeout(120_000);
    if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const f = parseFunc(text);
    const x = [0.5, -2, 3, 1, -1, -0.25, 0.75, 2];
    const bufs = f.params.map((p, i) => (i === 0 ? Float32Array.from(x) : allocArray(p.dtype, numel(p.shape))));
    evaluate(f, bufs);
    const lines = ["#include <stdio.h>", '#include "edgec_runtime.h"', new CEmitter().kernel(f, f.name), "int main(void) {"];
    f.params.forEach((p, i) => lines.push(`  static ${C_TYPES[p.dtype]} b${i}[${numel(p.shape)}] = { ${i === 0 ? x.join(", ") : "0"} };`));
    lines.push(`  ${f.name}(${f.params.map((_, i) => `b${i}`).join(", ")});`);
    for (let i = 1; i < f.params.length; i++) lines.push(`  fwrite(b${i}, sizeof b${i}, 1, stdout);`);
    lines.push("  return 0;", "}", "");
    const dir = tempDir("tir-text");
    try {
      const src = path.join(dir, "fixture.c"), exe = path.join(dir, "fixture");
      fs.writeFileSync(src, lines.join("\n"));
      const rt = path.join(ROOT, "runtime-c");
      await run("cc", ["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fsanitize=undefined", "-fno-sanitize-recover=all",
        `-I${rt}/include`, src, `${rt}/src/edgec_runtime.c`, "-o", exe, "-lm"]);
      const { stdout } = await run(exe, [], { encoding: "buffer" });
      const js = Buffer.concat(bufs.slice(1).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      expect(stdout.toString("hex")).to.equal(js.toString("hex"));
    } finally {
      cleanup(dir);
    }
  });
});
