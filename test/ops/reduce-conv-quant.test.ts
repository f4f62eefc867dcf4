/**
 * @fileoverview Reductions, normalisation, convolution, matrix and quantisation ops in the forms
 * the ONNX node tests leave out: each small model runs in ONNX Runtime and through the generated
 * C (built with sanitizers), and the outputs must agree. The node tests pass k, axes and similar
 * shape-determining inputs at run time; here they are initializers, as the compiler requires.
 */
import { expect } from "chai";
import { compileGraph } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { F, buildModel } from "../helpers/onnx-builder.ts";
import { Case, ints, itMatchesOrt, one, tensor, x } from "../helpers/ort-cases.ts";

const cases: Case[] = [
  { name: "TopK largest with ties along axis 0", opset: 11, nodes: one("TopK", ["x", "k"], { axis: 0 }, ["v", "i"]), ins: [x([5, 3], "f32", "x", [1, 2, 3, 4, 2, 3, 1, 2, 3, 4, 2, 0, 1, 5, 3])], inits: [ints("k", [3])], outs: [["v", "f32"], ["i", "i64"]] },
  { name: "TopK smallest int32", opset: 11, nodes: one("TopK", ["x", "k"], { largest: 0 }, ["v", "i"]), ins: [{ ...x([2, 6], "i32"), lo: -4, hi: 4 }], inits: [ints("k", [4])], outs: [["v", "i32"], ["i", "i64"]] },
  { name: "ReduceSum-13 constant negative axes, int64", opset: 13, nodes: one("ReduceSum", ["x", "a"], { keepdims: 0 }), ins: [x([2, 3, 4], "i64")], inits: [ints("a", [-1, 0])], outs: [["y", "i64"]] },
  { name: "ReduceMax-18 keepdims int8", opset: 18, nodes: one("ReduceMax", ["x", "a"]), ins: [x([3, 4, 2], "i8")], inits: [ints("a", [1])], outs: [["y", "i8"]] },
  { name: "ReduceLogSumExp-18 two axes", opset: 18, nodes: one("ReduceLogSumExp", ["x", "a"], { keepdims: 0 }), ins: [x([2, 3, 4])], inits: [ints("a", [0, 2])], outs: [["y", "f32"]] },
  { name: "ReduceL2-11 axes attribute", opset: 11, nodes: one("ReduceL2", ["x"], { axes: [1] }), ins: [x([3, 5])], outs: [["y", "f32"]] },
  { name: "ArgMin select_last_index int32", opset: 13, nodes: one("ArgMin", ["x"], { axis: -1, keepdims: 0, select_last_index: 1 }), ins: [{ ...x([3, 6], "i32"), lo: 0, hi: 3 }], outs: [["y", "i64"]] },
  { name: "CumSum reverse exclusive int32", opset: 14, nodes: one("CumSum", ["x", "a"], { reverse: 1, exclusive: 1 }), ins: [x([3, 4], "i32")], inits: [ints("a", [0], [])], outs: [["y", "i32"]] },
  { name: "Softmax-11 flattens from axis", opset: 11, nodes: one("Softmax", ["x"], { axis: 1 }), ins: [x([2, 3, 4])], outs: [["y", "f32"]] },
  { name: "Hardmax-11 flattens from axis", opset: 11, nodes: one("Hardmax", ["x"], { axis: 1 }), ins: [x([2, 3, 4])], outs: [["y", "f32"]] },
  { name: "LayerNormalization axis 1 with Mean and InvStdDev", opset: 17, nodes: one("LayerNormalization", ["x", "s", "b"], { axis: 1, epsilon: F(1e-3) }, ["y", "m", "r"]), ins: [x([2, 3, 4])], inits: [tensor("s", "f32", [3, 4], Array.from({ length: 12 }, (_, i) => 0.5 + i / 10)), tensor("b", "f32", [4], [0.1, -0.2, 0.3, 0])], outs: [["y", "f32"], ["m", "f32"], ["r", "f32"]] },
  { name: "InstanceNormalization 3-D", opset: 7, nodes: one("InstanceNormalization", ["x", "s", "b"]), ins: [x([2, 3, 2, 2, 3])], inits: [tensor("s", "f32", [3], [1, 0.5, 2]), tensor("b", "f32", [3], [0, 1, -1])], outs: [["y", "f32"]] },
  { name: "Gemm transA with 1-D C and alpha/beta", opset: 13, nodes: one("Gemm", ["a", "b", "c"], { transA: 1, alpha: F(0.5), beta: F(2) }), ins: [x([4, 3], "f32", "a"), x([4, 5], "f32", "b")], inits: [tensor("c", "f32", [5], [1, 2, 3, 4, 5])], outs: [["y", "f32"]] },
  { name: "MatMul 1-D by batched 3-D", opset: 13, nodes: one("MatMul", ["a", "b"]), ins: [x([4], "f32", "a"), x([2, 4, 3], "f32", "b")], outs: [["y", "f32"]] },
  { name: "Einsum broadcasting ellipsis", opset: 12, nodes: one("Einsum", ["a", "b"], { equation: "...ij,...jk->...ik" }), ins: [x([2, 1, 3, 4], "f32", "a"), x([1, 2, 4, 2], "f32", "b")], outs: [["y", "f32"]] },
  { name: "Einsum implicit output", opset: 12, nodes: one("Einsum", ["a", "b"], { equation: "kj,ji" }), ins: [x([3, 4], "f32", "a"), x([4, 2], "f32", "b")], outs: [["y", "f32"]] },
  { name: "Conv 1-D groups, dilations, uneven pads", opset: 11, nodes: one("Conv", ["x", "w", "b"], { group: 2, dilations: [2], strides: [2], pads: [2, 1] }), ins: [x([1, 4, 9]), x([6, 2, 3], "f32", "w")], inits: [tensor("b", "f32", [6], [1, 2, 3, 4, 5, 6])], outs: [["y", "f32"]] },
  { name: "ConvTranspose groups, dilations, output_padding", opset: 11, nodes: one("ConvTranspose", ["x", "w"], { group: 2, dilations: [2, 1], strides: [2, 3], pads: [1, 0, 0, 1], output_padding: [1, 2] }), ins: [x([1, 4, 3, 3]), x([4, 3, 3, 2], "f32", "w")], outs: [["y", "f32"]] },
  { name: "MaxPool uint8 with Indices, column-major", opset: 12, nodes: one("MaxPool", ["x"], { kernel_shape: [2, 2], strides: [1, 2], pads: [1, 0, 0, 1], storage_order: 1 }, ["y", "i"]), ins: [{ ...x([1, 2, 4, 5], "u8"), lo: 0, hi: 255 }], outs: [["y", "u8"], ["i", "i64"]] },
  { name: "AveragePool ceil_mode with count_include_pad", opset: 19, nodes: one("AveragePool", ["x"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }), ins: [x([1, 1, 6, 7])], outs: [["y", "f32"]] },
  { name: "LpPool p=3", opset: 18, nodes: one("LpPool", ["x"], { kernel_shape: [2, 2], p: 3 }), ins: [x([1, 2, 3, 3])], outs: [["y", "f32"]] },
  { name: "QuantizeLinear int16 per axis", opset: 21, nodes: one("QuantizeLinear", ["x", "s", "z"], { axis: 1 }), ins: [{ ...x([2, 3, 2]), lo: -300, hi: 300 }], inits: [tensor("s", "f32", [3], [0.01, 0.5, 2]), tensor("z", "i16", [3], [-3, 0, 100])], outs: [["y", "i16"]] },
  { name: "DequantizeLinear uint16 blocked", opset: 21, nodes: one("DequantizeLinear", ["x", "s", "z"], { axis: 1, block_size: 2 }), ins: [{ ...x([2, 4], "u16"), lo: 0, hi: 65535 }], inits: [tensor("s", "f32", [2, 2], [0.5, 0.25, 2, 1]), tensor("z", "u16", [2, 2], [100, 0, 65535, 7])], outs: [["y", "f32"]] },
  { name: "MatMulInteger uint8 x int8 with zero points", opset: 10, nodes: one("MatMulInteger", ["a", "b", "za", "zb"]), ins: [{ ...x([3, 4], "u8", "a"), lo: 0, hi: 255 }, { ...x([4, 2], "i8", "b"), lo: -128, hi: 127 }], inits: [tensor("za", "u8", [], [12]), tensor("zb", "i8", [], [-5])], outs: [["y", "i32"]] },
];

describe("reduce, norm, conv, matrix and quantisation ops against ONNX Runtime", function () {
  itMatchesOrt(cases, { seed: 23, atol: 1e-5, prefix: "edgec-reduce-conv-quant-" });

  it("rejects a TopK k known only at run time with one clear line", () => {
    const bytes = buildModel({
      opset: 11, nodes: one("TopK", ["x", "k"], {}, ["v", "i"]),
      inputs: [{ name: "x", dtype: "f32", shape: [2, 5] }, { name: "k", dtype: "i64", shape: [1] }],
      outputs: [{ name: "v", dtype: "f32" }, { name: "i", dtype: "i64" }],
    });
    expect(() => compileGraph(importModel(bytes, undefined))).to.throw(EdgecError, /TopK\): k \(input 1\) must be known at compile time/);
  });
});
