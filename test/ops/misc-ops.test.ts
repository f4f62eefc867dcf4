/**
 * @fileoverview Scans, spectral, image-region, text and ai.onnx.ml ops in forms the ONNX node
 * tests leave out: each small model runs in ONNX Runtime and through the generated C (built with
 * sanitizers), and the outputs must agree. Shape-determining inputs are initializers here.
 */
import { expect } from "chai";
import { EdgecError } from "../../ir/diagnostics.ts";
import { compileGraph } from "../../compiler/api.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { F, FS, buildModel } from "../helpers/onnx-builder.ts";
import { Case, ints, itMatchesOrt, one, tensor, x } from "../helpers/ort-cases.ts";

const ML = "ai.onnx.ml";
const scalar = (name: string, v: number, dtype: "i64" | "i32" | "f32" = "i64") => tensor(name, dtype, [], [v]);

const cases: Case[] = [
  { name: "CumProd reverse exclusive on a constant axis", opset: 26, nodes: one("CumProd", ["x", "a"], { reverse: 1, exclusive: 1 }), ins: [{ ...x([3, 4]), lo: 0.5, hi: 1.5 }], inits: [scalar("a", -1)], outs: [["y", "f32"]] },
  { name: "CumProd int32 on a run-time axis", opset: 26, nodes: one("CumProd", ["x", "a"]), ins: [{ ...x([2, 3, 2], "i32"), lo: -3, hi: 3 }, x([], "i64", "a", [1])], outs: [["y", "i32"]] },
  { name: "Dropout-13 mask in inference", opset: 13, nodes: one("Dropout", ["x"], undefined, ["y", "m"]), ins: [x([2, 5])], outs: [["y", "f32"], ["m", "bool"]] },
  { name: "DFT-20 one-sided real input, dft_length padding", opset: 20, nodes: one("DFT", ["x", "n", "a"], { onesided: 1 }), ins: [x([2, 5, 1])], inits: [scalar("n", 8), scalar("a", 1)], outs: [["y", "f32"]] },
  { name: "DFT-20 inverse of complex input along axis 0", opset: 20, nodes: one("DFT", ["x", "", "a"], { inverse: 1 }), ins: [x([6, 3, 2])], inits: [scalar("a", 0)], outs: [["y", "f32"]] },
  { name: "DFT-17 complex input truncated by dft_length", opset: 17, nodes: one("DFT", ["x", "n"], { axis: 1 }), ins: [x([2, 7, 2])], inits: [scalar("n", 5)], outs: [["y", "f32"]] },
  { name: "STFT with a window and a constant step", opset: 17, nodes: one("STFT", ["x", "s", "w"]), ins: [x([1, 40, 1]), x([8], "f32", "w")], inits: [scalar("s", 6)], outs: [["y", "f32"]] },
  { name: "HannWindow and BlackmanWindow symmetric", opset: 17, nodes: [...one("HannWindow", ["n"], undefined, ["h"]), ...one("BlackmanWindow", ["n"], { periodic: 0 }, ["b"]), ...one("Add", ["h", "x"])], ins: [x([9])], inits: [scalar("n", 9)], outs: [["y", "f32"], ["b", "f32"]] },
  { name: "MelWeightMatrix", opset: 17, nodes: [...one("MelWeightMatrix", ["m", "d", "r", "l", "u"], undefined, ["w"]), ...one("Add", ["w", "x"])], ins: [x([17, 6])], inits: [scalar("m", 6), scalar("d", 32), scalar("r", 16000), scalar("l", 100, "f32"), scalar("u", 7000, "f32")], outs: [["y", "f32"]] },
  { name: "Col2Im strides, pads and dilations", opset: 18, nodes: one("Col2Im", ["x", "i", "b"], { strides: [2, 1], pads: [1, 0, 1, 1], dilations: [1, 2] }), ins: [x([2, 12, 6])], inits: [ints("i", [5, 5]), ints("b", [2, 3])], outs: [["y", "f32"]] },
  { name: "AffineGrid 2-D", opset: 20, nodes: one("AffineGrid", ["t", "s"]), ins: [x([2, 2, 3], "f32", "t")], inits: [ints("s", [2, 1, 3, 4])], outs: [["y", "f32"]] },
  { name: "RoiAlign-16 avg, half_pixel, spatial_scale", opset: 16, nodes: one("RoiAlign", ["x", "r", "b"], { output_height: 3, output_width: 2, sampling_ratio: 2, spatial_scale: F(0.5) }), ins: [x([2, 3, 8, 8]), { ...x([4, 4], "f32", "r"), lo: 0, hi: 16 }, x([4], "i64", "b", [1, 0, 1, 0])], outs: [["y", "f32"]] },
  { name: "RoiAlign-16 max, output_half_pixel", opset: 16, nodes: one("RoiAlign", ["x", "r", "b"], { mode: "max", coordinate_transformation_mode: "output_half_pixel", output_height: 2, output_width: 2, sampling_ratio: 3 }), ins: [x([1, 2, 6, 6]), { ...x([3, 4], "f32", "r"), lo: 0, hi: 6 }, x([3], "i64", "b", [0, 0, 0])], outs: [["y", "f32"]] },
  { name: "RoiAlign-16 adaptive grid, avg, ROIs past the map", opset: 16, nodes: one("RoiAlign", ["x", "r", "b"], { output_height: 2, output_width: 3, sampling_ratio: 0, spatial_scale: F(0.25) }), ins: [x([1, 2, 7, 9]), x([4, 4], "f32", "r", [-20, -8, 30, 40, 4, 4, 30, 12, 0, 0, 2, 3, -60, 10, -30, 90])], inits: [ints("b", [0, 0, 0, 0])], outs: [["y", "f32"]] },
  { name: "RoiAlign-16 adaptive grid, max, output_half_pixel", opset: 16, nodes: one("RoiAlign", ["x", "r", "b"], { mode: "max", coordinate_transformation_mode: "output_half_pixel", output_height: 3, output_width: 2, sampling_ratio: 0 }), ins: [x([2, 1, 6, 5]), x([3, 4], "f32", "r", [-3, -2, 9, 14, 1, 1, 3.5, 2, 2, 8, 4, 30])], inits: [ints("b", [1, 0, 1])], outs: [["y", "f32"]] },
  { name: "TfIdfVectorizer TFIDF with weights", opset: 9, nodes: one("TfIdfVectorizer", ["x"], { mode: "TFIDF", min_gram_length: 1, max_gram_length: 2, max_skip_count: 2, ngram_counts: [0, 3], ngram_indexes: [0, 1, 2, 3, 4], pool_int64s: [1, 2, 3, 1, 2, 2, 3], weights: FS([0.5, 1, 2, 3, 4]) }), ins: [x([2, 8], "i64", "x", [1, 2, 3, 1, 2, 2, 3, 1, 3, 3, 2, 1, 1, 2, 0, 2])], outs: [["y", "f32"]] },
  { name: "TfIdfVectorizer IDF on int32 without weights", opset: 9, nodes: one("TfIdfVectorizer", ["x"], { mode: "IDF", min_gram_length: 2, max_gram_length: 2, max_skip_count: 1, ngram_counts: [0, 0], ngram_indexes: [0, 1], pool_int64s: [5, 7, 7, 5] }), ins: [x([2, 3], "i32", "x", [5, 1, 7, 7, 5, 5])], outs: [["y", "f32"]] },
  { name: "ml Binarizer and ArrayFeatureExtractor", opset: 17, opsets: { [ML]: 1 }, nodes: [{ op: "Binarizer", domain: ML, inputs: ["x"], outputs: ["b"], attrs: { threshold: F(0.5) } }, { op: "ArrayFeatureExtractor", domain: ML, inputs: ["x", "i"], outputs: ["y"] }], ins: [x([3, 5]), x([2, 2], "i64", "i", [4, 0, 2, 2])], outs: [["b", "f32"], ["y", "f32"]] },
  { name: "ml LabelEncoder int64 to float", opset: 17, opsets: { [ML]: 2 }, nodes: [{ op: "LabelEncoder", domain: ML, inputs: ["x"], outputs: ["y"], attrs: { keys_int64s: [1, 3, -2], values_floats: FS([0.5, 7, -1]), default_float: F(9) } }], ins: [{ ...x([2, 4], "i64"), lo: -3, hi: 4 }], outs: [["y", "f32"]] },
  { name: "ml LabelEncoder-4 float tensor keys to int64 with a default", opset: 17, opsets: { [ML]: 4 }, nodes: [{ op: "LabelEncoder", domain: ML, inputs: ["x"], outputs: ["y"], attrs: { keys_tensor: { tensor: tensor("k", "f32", [3], [0.5, -1, 2]) }, values_tensor: { tensor: tensor("v", "i64", [3], [7, -3, 12]) }, default_tensor: { tensor: tensor("d", "i64", [1], [99]) } } }], ins: [x([7], "f32", "x", [0.5, 2, 3, -1, 0, 2, 0.5])], outs: [["y", "i64"]] },
  { name: "ml TreeEnsemble average over two trees", opset: 17, opsets: { [ML]: 5 }, nodes: [{
    op: "TreeEnsemble", domain: ML, inputs: ["x"], outputs: ["y"], attrs: {
      n_targets: 2, aggregate_function: 0, tree_roots: [0, 2],
      nodes_featureids: [0, 1, 2], nodes_modes: { tensor: tensor("m", "u8", [3], [0, 2, 1]) }, nodes_splits: { tensor: tensor("s", "f32", [3], [0.5, -1, 2]) },
      nodes_truenodeids: [1, 0, 2], nodes_trueleafs: [0, 1, 1], nodes_falsenodeids: [1, 1, 3], nodes_falseleafs: [1, 1, 1],
      leaf_targetids: [0, 1, 1, 0], leaf_weights: { tensor: tensor("w", "f32", [4], [1.5, -2, 4, 0.25]) },
    },
  }], ins: [x([6, 3])], outs: [["y", "f32"]] },
  // ONNX Runtime reads post_transform 1 and 2 swapped (logistic for 1); only 3 (softmax_zero) agrees with the spec.
  ...[3].map((post): Case => ({ name: `ml TreeEnsemble post_transform ${post}`, opset: 17, opsets: { [ML]: 5 }, nodes: [{
    op: "TreeEnsemble", domain: ML, inputs: ["x"], outputs: ["y"], attrs: {
      n_targets: 3, aggregate_function: 1, post_transform: post, tree_roots: [0],
      nodes_featureids: [0, 1], nodes_modes: { tensor: tensor("m", "u8", [2], [0, 3]) }, nodes_splits: { tensor: tensor("s", "f32", [2], [0, 1]) },
      nodes_truenodeids: [1, 0], nodes_trueleafs: [0, 1], nodes_falsenodeids: [2, 1], nodes_falseleafs: [1, 1],
      leaf_targetids: [0, 2, 1], leaf_weights: { tensor: tensor("w", "f32", [3], [1.5, -2, 0.75]) },
    },
  }], ins: [x([5, 2])], outs: [["y", "f32"]] })),
];

describe("ops: scans, spectral, image-region, text and ai.onnx.ml against ONNX Runtime", function () {
  this.timeout(180_000);
  itMatchesOrt(cases, { seed: 29, atol: 1e-4, prefix: "edgec-misc-" });

  it("rejects training-only ops with a one-line message naming the domain", () => {
    const bytes = buildModel({
      inputs: [{ name: "r", dtype: "f32", shape: [] }, { name: "t", dtype: "i64", shape: [] }, { name: "x", dtype: "f32", shape: [2] }, { name: "g", dtype: "f32", shape: [2] }, { name: "h", dtype: "f32", shape: [2] }],
      outputs: [{ name: "y", dtype: "f32", shape: [2] }, { name: "h2", dtype: "f32", shape: [2] }],
      nodes: [{ op: "Adagrad", domain: "ai.onnx.preview.training", inputs: ["r", "t", "x", "g", "h"], outputs: ["y", "h2"] }],
    });
    expect(() => importModel(bytes, undefined)).to.throw(EdgecError, /node "Adagrad_0" \(Adagrad\): domain ai\.onnx\.preview\.training holds training-only ops, which are not supported/);
  });

  it("names an unsupported ai.onnx.ml op by its domain", () => {
    const bytes = buildModel({
      opsets: { [ML]: 1 }, inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 3] }],
      nodes: [{ op: "Normalizer", domain: ML, inputs: ["x"], outputs: ["y"] }],
    });
    expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, /\(ai\.onnx\.ml\.Normalizer\): this op is not supported/);
  });

  it("asks for a constant window size", () => {
    const bytes = buildModel({
      inputs: [{ name: "n", dtype: "i64", shape: [] }], outputs: [{ name: "y", dtype: "f32", shape: [4] }],
      nodes: [{ op: "HannWindow", inputs: ["n"], outputs: ["y"] }],
    });
    expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, /size \(input 0\) must be known at compile time/);
  });
});
