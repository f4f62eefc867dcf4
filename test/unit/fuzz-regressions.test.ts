/**
 * @fileoverview Cases the fuzzer (npm run fuzz) found, rebuilt in code and kept: each must now be
 * refused with a one-line error naming the node, or compile; the ones that compile are also built
 * with the sanitizers and run on random inputs, which must run clean.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { emitC } from "../../backends/c/artifact.ts";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { runBatch } from "../fuzz/batch.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { ModelSpec, buildModel } from "../helpers/onnx-builder.ts";

interface Regression {
  title: string;
  spec: ModelSpec;
  /** A refusal's message, or "compiles" (and then runs clean). */
  expect: RegExp | "compiles";
}

const f32 = (name: string, dims: number[]) => ({ name, dtype: "f32" as const, dims, data: new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(0.5) });

const CASES: Regression[] = [
  {
    title: "LayerNormalization with a float8 scale, and with a scale of higher rank than the normalized dims",
    spec: {
      opset: 17, inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "LayerNormalization", name: "ln", inputs: ["x", "w"], outputs: ["y"] }],
      initializers: [{ name: "w", dtype: "f8e5m2fnuz", dims: [2, 3], data: new Array<number>(6).fill(1) }],
    },
    expect: /^node "ln" \(LayerNormalization\): scale type f8e5m2fnuz is not supported/,
  },
  {
    title: "LayerNormalization whose scale does not broadcast to the normalized dims",
    spec: {
      opset: 17, inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "LayerNormalization", name: "ln", inputs: ["x", "w"], outputs: ["y"] }],
      initializers: [f32("w", [2, 3])],
    },
    expect: /^node "ln" \(LayerNormalization\): the scale has shape \[2x3\], which does not broadcast to \[3\]/,
  },
  {
    title: "Size (and any op but Constant and Loop) with its first input omitted",
    spec: {
      opset: 17, inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "i64" }, { name: "z", dtype: "f32" }],
      nodes: [{ op: "Size", name: "size", inputs: [""], outputs: ["y"] }, { op: "Relu", inputs: ["x"], outputs: ["z"] }],
    },
    expect: /^node "size" \(Size\): input 0 is required but missing/,
  },
  {
    title: "Gather from a scalar (its C once held undefined constants)",
    spec: {
      opset: 13, inputs: [{ name: "i", dtype: "i64", shape: [2, 2] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "Gather", name: "g", inputs: ["w", "i"], outputs: ["y"] }],
      initializers: [f32("w", [])],
    },
    expect: /^node "g" \(Gather\): the data is a scalar; Gather needs data of rank 1 or more/,
  },
  {
    title: "ReduceMax whose axes input is a float tensor (its C once had a loop bound of undefined)",
    spec: {
      opset: 18, inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "ReduceMax", name: "rmax", inputs: ["x", "a"], outputs: ["y"] }],
      initializers: [{ name: "a", dtype: "f32", dims: [1], data: [0.5] }],
    },
    expect: /^node "rmax" \(ReduceMax\): axes type f32 is not supported; supported: i64/,
  },
];

function compile(spec: ModelSpec, name: string) {
  return emitC(compileGraph(importModel(buildModel(spec), undefined)).program, { name, embedLimit: 1 << 30 });
}

describe("fuzzer findings stay fixed", function () {
  this.timeout(300_000);
  let dir: string | undefined;
  before(() => { dir = tempDir("fuzz-regr"); });
  after(() => cleanup(dir));

  CASES.forEach((cs, k) => {
    it(cs.title, async function () {
      if (cs.expect === "compiles") {
        const art = compile(cs.spec, `m${k}`);
        if (!(await haveCc())) { console.log("  compiled; run skipped: no C compiler 'cc' on PATH"); return; }
        const d = path.join(dir!, `m${k}`);
        fs.mkdirSync(d);
        const files: string[] = [];
        for (const [f, text] of art.files) { fs.writeFileSync(path.join(d, f), text); if (f.endsWith(".c")) files.push(path.join(d, f)); }
        expect(await runBatch([{ id: k, name: `m${k}`, files, inputSeed: 1 }], d)).to.deep.equal([]);
        return;
      }
      let err: unknown;
      try { compile(cs.spec, `m${k}`); } catch (e) { err = e; }
      expect(err, "the model must be refused").to.be.instanceOf(EdgecError);
      const msg = (err as Error).message;
      expect(msg).to.not.include("\n");
      expect(msg).to.match(cs.expect);
    });
  });
});
