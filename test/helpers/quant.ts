/**
 * @fileoverview Helpers for the quantization tests and bench: ONNX Runtime reference outputs for a
 * model given as bytes, and the scale of the DequantizeLinear that produces a graph output.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ort from "onnxruntime-node";
import { importModel } from "../../compiler/onnx/import.ts";
import { getNumber } from "../../ir/dtype.ts";
import { tensorFile } from "./onnx-builder.ts";
import { readTensorFile } from "../../compiler/onnx/tensor.ts";

/** Writes DIR/model.onnx and one test_data_set per feed with ONNX Runtime's outputs; returns them. */
export async function writeOrtCase(dir: string, model: Uint8Array, input: string, dims: number[], feeds: Float32Array[]): Promise<Float32Array[][]> {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), model);
  const sess = await ort.InferenceSession.create(model);
  const all: Float32Array[][] = [];
  for (const [k, x] of feeds.entries()) {
    const res = await sess.run({ [input]: new ort.Tensor("float32", x, dims) });
    const sd = path.join(dir, `test_data_set_${k}`);
    fs.mkdirSync(sd, { recursive: true });
    fs.writeFileSync(path.join(sd, "input_0.pb"), tensorFile({ name: input, dtype: "f32", dims, data: x }));
    const outs = sess.outputNames.map((o, i) => {
      const t = res[o]!;
      fs.writeFileSync(path.join(sd, `output_${i}.pb`), tensorFile({ name: o, dtype: "f32", dims: [...t.dims], data: t.data as Float32Array }));
      return t.data as Float32Array;
    });
    all.push(outs);
  }
  return all;
}

/** The scale of the DequantizeLinear writing graph output `name` (one quantization step of it). */
export function outputStep(model: Uint8Array, name: string): number {
  const g = importModel(model, undefined);
  const dq = g.nodes.find((n) => n.outputs.includes(name));
  if (!dq || dq.op !== "DequantizeLinear") throw new Error(`output ${name} is not written by a DequantizeLinear`);
  return getNumber(g.constants.get(dq.inputs[1]!)!.data, 0);
}

/** Writes DIR/model.onnx and test_data_set_0 with the inputs of `src`'s test_data_set_0 and ONNX Runtime's outputs. */
export async function writeOrtCaseFrom(dir: string, model: Uint8Array, src: string, opts: ort.InferenceSession.SessionOptions = {}): Promise<void> {
  const sd = path.join(dir, "test_data_set_0");
  fs.mkdirSync(sd, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), model);
  const sess = await ort.InferenceSession.create(model, opts);
  const feeds: Record<string, ort.Tensor> = {};
  for (let k = 0; ; k++) {
    const f = path.join(src, "test_data_set_0", `input_${k}.pb`);
    if (!fs.existsSync(f)) break;
    fs.copyFileSync(f, path.join(sd, `input_${k}.pb`));
    const t = readTensorFile(f);
    feeds[sess.inputNames[k]!] = new ort.Tensor(ORT_TYPES[t.dtype] ?? "float32", t.data as Float32Array, t.shape);
  }
  const res = await sess.run(feeds);
  sess.outputNames.forEach((o, i) => {
    const t = res[o]!;
    fs.writeFileSync(path.join(sd, `output_${i}.pb`), tensorFile({ name: o, dtype: "f32", dims: [...t.dims], data: t.data as Float32Array }));
  });
}

const ORT_TYPES: Record<string, "float32" | "int64" | "int32"> = { f32: "float32", i64: "int64", i32: "int32" };
