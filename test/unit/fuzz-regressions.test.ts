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
import { compileCase } from "../fuzz/compile-case.ts";
import { nestedLoopModel } from "../helpers/stress-models.ts";
import { cleanup, haveCc, tempDir } from "../helpers/cli.ts";
import { F, ModelSpec, buildModel } from "../helpers/onnx-builder.ts";

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
  {
    title: "PRelu on u64 (its C once compared an unsigned value with 0: -Wtype-limits)",
    spec: {
      opset: 16, inputs: [{ name: "x", dtype: "u64", shape: [3, 4, 5] }, { name: "s", dtype: "u64", shape: [5] }],
      outputs: [{ name: "y", dtype: "u64" }],
      nodes: [{ op: "PRelu", name: "prelu", inputs: ["x", "s"], outputs: ["y"] }],
    },
    expect: "compiles",
  },
  {
    title: "TopK whose node names only the values output (the indices once went missing in lowering)",
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [2, 6] }], outputs: [{ name: "v", dtype: "f32" }],
      nodes: [{ op: "TopK", name: "topk", inputs: ["x", "k"], outputs: ["v"] }],
      initializers: [{ name: "k", dtype: "i64", dims: [1], data: [3] }],
    },
    expect: "compiles",
  },
  {
    title: "DFT whose run-time axis input is u16 (its C once compared a u16 with a negative bound)",
    spec: {
      opset: 20, inputs: [{ name: "x", dtype: "f32", shape: [1, 8, 1] }, { name: "axis", dtype: "u16", shape: [] }],
      outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "DFT", name: "dft", inputs: ["x", "", "axis"], outputs: ["y"] }],
    },
    expect: /^node "dft" \(DFT\): .*axis/,
  },
  {
    title: "DFT whose axis input is empty (its C once read past the axis buffer)",
    spec: {
      opset: 20, inputs: [{ name: "x", dtype: "f32", shape: [1, 8, 1] }, { name: "axis", dtype: "i64", shape: [0] }],
      outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "DFT", name: "dft", inputs: ["x", "", "axis"], outputs: ["y"] }],
    },
    expect: /^node "dft" \(DFT\): .*axis/,
  },
  {
    title: "Gemm on u32 with alpha 0.5 (constant folding once threw converting 0.5 to a BigInt)",
    spec: {
      opset: 6, inputs: [{ name: "a", dtype: "u32", shape: [3, 5] }, { name: "b", dtype: "u32", shape: [5, 4] }, { name: "c", dtype: "u32", shape: [1, 4] }],
      outputs: [{ name: "y", dtype: "u32" }],
      nodes: [{ op: "Gemm", name: "gemm", inputs: ["a", "b", "c"], outputs: ["y"], attrs: { alpha: F(0.5), beta: F(1) } }],
    },
    expect: /^node "gemm" \(Gemm\): .*alpha/,
  },
  {
    title: "A model output of rank 30 (the C artifact once stopped on an internal rank check)",
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: new Array<number>(30).fill(1) }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "Relu", name: "relu", inputs: ["x"], outputs: ["y"] }],
    },
    expect: /rank 30.*8/,
  },
  {
    title: "LpNormalization of a scalar (its C once had a loop of undefined extent)",
    spec: {
      opset: 21, inputs: [{ name: "x", dtype: "f32", shape: [] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "LpNormalization", name: "lpn", inputs: ["x"], outputs: ["y"], attrs: { axis: 0, p: 1 } }],
    },
    expect: /^node "lpn" \(LpNormalization\): .*scalar/,
  },
  {
    title: "CumSum of an empty tensor along a run-time axis (its C once kept locals nothing read: -Wunused-variable)",
    spec: {
      opset: 14, inputs: [{ name: "x", dtype: "f64", shape: [0] }, { name: "axis", dtype: "i32", shape: [] }],
      outputs: [{ name: "y", dtype: "f64" }],
      nodes: [{ op: "CumSum", name: "cumsum", inputs: ["x", "axis"], outputs: ["y"], attrs: { exclusive: 1, reverse: 1 } }],
    },
    expect: "compiles",
  },
  {
    title: "SoftmaxCrossEntropyLoss over 0 classes (its C once read the empty scores)",
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [3, 0] }, { name: "t", dtype: "i64", shape: [3] }],
      outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "SoftmaxCrossEntropyLoss", name: "sce", inputs: ["x", "t"], outputs: ["y"], attrs: { ignore_index: 2 } }],
    },
    expect: /^node "sce" \(SoftmaxCrossEntropyLoss\): the input has 0 classes/,
  },
  {
    title: "DeformConv whose kernel_shape disagrees with its weight (its C once read past the offsets)",
    spec: {
      opset: 19, inputs: [{ name: "x", dtype: "f32", shape: [1, 2, 3, 3] }, { name: "off", dtype: "f32", shape: [1, 16, 2, 2] }],
      outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "DeformConv", name: "dc", inputs: ["x", "x", "off"], outputs: ["y"], attrs: { kernel_shape: [2, 2], offset_group: 2 } }],
    },
    expect: /^node "dc" \(DeformConv\): kernel_shape \[2,2\] does not match the weight's \[3,3\]/,
  },
  {
    title: "Conv whose kernel_shape disagrees with its weight",
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 2, 5, 5] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "Conv", name: "conv", inputs: ["x", "w"], outputs: ["y"], attrs: { kernel_shape: [2, 2] } }],
      initializers: [f32("w", [4, 2, 3, 3])],
    },
    expect: /^node "conv" \(Conv\): kernel_shape \[2,2\] differs from the weight shape/,
  },
  {
    title: "ArgMax of a scalar (its C once had a loop of undefined extent)",
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "i32", shape: [] }], outputs: [{ name: "y", dtype: "i64" }],
      nodes: [{ op: "ArgMax", name: "am", inputs: ["x"], outputs: ["y"] }],
    },
    expect: /^node "am" \(ArgMax\): the input is a scalar; ArgMax needs a tensor of rank 1 or more/,
  },
  {
    title: "ReduceMean of an empty i64 tensor (its C once divided by a constant 0)",
    spec: {
      opset: 18, inputs: [{ name: "x", dtype: "i64", shape: [0] }], outputs: [{ name: "y", dtype: "i64" }],
      nodes: [{ op: "ReduceMean", name: "rm", inputs: ["x"], outputs: ["y"], attrs: { keepdims: 0 } }],
    },
    expect: /^node "rm" \(ReduceMean\): the reduced axes hold no elements, and the mean of no i64 values is undefined/,
  },
  {
    title: "LRN with size 2^40 (its C once indexed beyond 32 bits): the window clamps to the channels",
    spec: {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 5, 2, 2] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "LRN", name: "lrn", inputs: ["x"], outputs: ["y"], attrs: { size: 1099511627776 } }],
    },
    expect: "compiles",
  },
  {
    title: "RoiAlign over an empty feature map (its C once read the empty X)",
    spec: {
      opset: 16, inputs: [{ name: "x", dtype: "f32", shape: [1, 1, 0, 10] }, { name: "rois", dtype: "f32", shape: [3, 4] }, { name: "bi", dtype: "i64", shape: [3] }],
      outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "RoiAlign", name: "roi", inputs: ["x", "rois", "bi"], outputs: ["y"], attrs: { output_height: 5, output_width: 5 } }],
    },
    expect: /^node "roi" \(RoiAlign\): X has shape \[1,1,0,10\]: an empty batch or feature map leaves nothing to sample/,
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

describe("TfIdfVectorizer with max_skip_count 2^31-1 (its compile once walked every skip distance)", function () {
  this.timeout(60_000);
  it("emits one loop per distance that fits the row", () => {
    const spec: ModelSpec = {
      opset: 9, inputs: [{ name: "x", dtype: "i32", shape: [12] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{
        op: "TfIdfVectorizer", name: "tfidf", inputs: ["x"], outputs: ["y"], attrs: {
          mode: "TF", min_gram_length: 2, max_gram_length: 2, max_skip_count: 2147483647,
          pool_int64s: [2, 3, 5, 4, 5, 6, 7, 8, 6, 7], ngram_counts: [0, 4], ngram_indexes: [0, 1, 2, 3, 4, 5, 6],
        },
      }],
    };
    const text = compile(spec, "tfidf").files.get("tfidf.c") as string;
    // Three bigrams at distances 1..11 (a bigram spans at most the 12-token row); distance 11
    // has a single start, which prints without a loop.
    expect(text.match(/for \(int32_t p/g)?.length).to.equal(3 * 10);
  });
});

describe("Hardmax over a long row (fuzz seed 15: ran > 20 s on [1, 65536])", function () {
  it("computes the row max once, not inside the first-index reduction: no loop nests in another", () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: "x", dtype: "f32", shape: [1, 64] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "Hardmax", name: "hm", inputs: ["x"], outputs: ["y"] }],
    };
    const text = compile(spec, "hm").files.get("hm.c") as string;
    expect(text.match(/^ {2}for \(/gm)?.length, "loops at depth 1").to.equal(3);
    expect(text).to.not.match(/^ {4,}for \(/m);
  });
});

describe("the fuzzer tells a model's own long loops from hangs", function () {
  this.timeout(60_000);
  const withTrips = (n: number): ModelSpec => {
    const m = nestedLoopModel();
    return { ...m, initializers: m.initializers!.map((t) => (t.name === "trips0" ? { ...t, data: [n] } : t)) };
  };
  it("a Loop mutated to 3.6e16 trips is marked as running long; the unmutated one is not", async function () {
    const long = await compileCase({ bytes: buildModel(withTrips(3.6e16)), name: "long" });
    const short = await compileCase({ bytes: buildModel(withTrips(3)), name: "short" });
    expect(long.kind).to.equal("compiled");
    expect(short.kind).to.equal("compiled");
    expect(long.kind === "compiled" && long.heavy).to.equal(true);
    expect(short.kind === "compiled" && short.heavy).to.equal(false);
  });

  it("a naive DFT of 65,536 points (4.3e9 steps) is marked as running long; one of 16 points is not", async function () {
    const dft = (n: number): ModelSpec => ({
      opset: 17, inputs: [{ name: "x", dtype: "f32", shape: [1, n, 2] }], outputs: [{ name: "y", dtype: "f32" }],
      nodes: [{ op: "DFT", inputs: ["x"], outputs: ["y"], attrs: { axis: 1, inverse: 1 } }],
    });
    const big = await compileCase({ bytes: buildModel(dft(65536)), name: "big" });
    const small = await compileCase({ bytes: buildModel(dft(16)), name: "small" });
    expect(big.kind === "compiled" && big.heavy, JSON.stringify(big).slice(0, 200)).to.equal(true);
    expect(small.kind === "compiled" && small.heavy, JSON.stringify(small).slice(0, 200)).to.equal(false);
  });
});
