/**
 * @fileoverview Builds the demo model (a tiny image classifier with fixed pseudo-random weights)
 * and its reference data set, computed with ONNX Runtime. Run once: npx tsx examples/demo/make-model.ts
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { ModelSpec, buildModel, rng, uniform, writeModelDir } from "../../test/helpers/onnx-builder.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const r = rng(2024);

// image [1,1,8,8] -> Conv 4x3x3 (pad 1) -> Relu -> MaxPool 2x2 -> Flatten [1,64] -> Gemm [1,10] -> Softmax
const spec: ModelSpec = {
  name: "demo_classifier",
  opset: 13,
  inputs: [{ name: "image", dtype: "f32", shape: [1, 1, 8, 8] }],
  outputs: [{ name: "probabilities", dtype: "f32", shape: [1, 10] }],
  initializers: [
    { name: "conv.weight", dtype: "f32", dims: [4, 1, 3, 3], data: uniform(r, 36, -0.5, 0.5) },
    { name: "conv.bias", dtype: "f32", dims: [4], data: uniform(r, 4, -0.1, 0.1) },
    { name: "fc.weight", dtype: "f32", dims: [10, 64], data: uniform(r, 640, -0.3, 0.3) },
    { name: "fc.bias", dtype: "f32", dims: [10], data: uniform(r, 10, -0.1, 0.1) },
  ],
  nodes: [
    { name: "conv", op: "Conv", inputs: ["image", "conv.weight", "conv.bias"], outputs: ["conv_out"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { name: "relu", op: "Relu", inputs: ["conv_out"], outputs: ["relu_out"] },
    { name: "pool", op: "MaxPool", inputs: ["relu_out"], outputs: ["pool_out"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { name: "flatten", op: "Flatten", inputs: ["pool_out"], outputs: ["features"], attrs: { axis: 1 } },
    { name: "fc", op: "Gemm", inputs: ["features", "fc.weight", "fc.bias"], outputs: ["logits"], attrs: { transB: 1 } },
    { name: "softmax", op: "Softmax", inputs: ["logits"], outputs: ["probabilities"], attrs: { axis: -1 } },
  ],
};

// A bright diagonal stroke on a noisy background.
const image = uniform(r, 64, 0, 0.2);
for (let i = 0; i < 8; i++) image[i * 8 + i] = 1;

const session = await ort.InferenceSession.create(buildModel(spec));
const result = await session.run({ image: new ort.Tensor("float32", image, [1, 1, 8, 8]) });
const probs = result.probabilities!.data as Float32Array;
writeModelDir(here, spec,
  [{ name: "image", dtype: "f32", dims: [1, 1, 8, 8], data: image }],
  [{ name: "probabilities", dtype: "f32", dims: [1, 10], data: probs }]);
console.log(`wrote ${path.join(here, "model.onnx")} and test_data_set_0 (reference from onnxruntime-node ${ort.env.versions.common})`);
