/**
 * @fileoverview Reference outputs from ONNX Runtime: writes a model folder in the layout
 * `edgec test` reads, with one data set per feed and the outputs ONNX Runtime computes for it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import ort from "onnxruntime-node";
import { DType } from "../../ir/dtype.ts";
import { ModelSpec, TensorSpec, buildModel, tensorFile, writeModelDir } from "./onnx-builder.ts";

export type Feed = Record<string, { dtype: DType; dims: number[]; data: number[] }>;

const ORT_ARRAY: Partial<Record<DType, (d: number[]) => ort.Tensor["data"]>> = {
  f32: (d) => Float32Array.from(d),
  i32: (d) => Int32Array.from(d),
  i64: (d) => BigInt64Array.from(d.map(BigInt)),
  bool: (d) => Uint8Array.from(d),
};
const ORT_TYPE: Partial<Record<DType, string>> = { f32: "float32", i32: "int32", i64: "int64", bool: "bool" };

/** Writes the model with one data set per feed, outputs computed by ONNX Runtime. */
export async function writeCase(dir: string, spec: ModelSpec, feeds: Feed[]): Promise<void> {
  writeModelDir(dir, spec);
  const sess = await ort.InferenceSession.create(buildModel(spec));
  for (const [k, feed] of feeds.entries()) {
    const ins: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feed)) ins[name] = new ort.Tensor(ORT_TYPE[t.dtype] as "float32", ORT_ARRAY[t.dtype]!(t.data) as Float32Array, t.dims);
    const res = await sess.run(ins);
    const sd = path.join(dir, `test_data_set_${k}`);
    fs.mkdirSync(sd, { recursive: true });
    spec.inputs.forEach((v, i) => {
      const t = feed[v.name]!;
      fs.writeFileSync(path.join(sd, `input_${i}.pb`), tensorFile({ name: v.name, ...t }));
    });
    spec.outputs.forEach((v, i) => {
      const t = res[v.name]!;
      const out: TensorSpec = { name: v.name, dtype: v.dtype as DType, dims: [...t.dims], data: Array.from(t.data as ArrayLike<number | bigint>, Number) };
      fs.writeFileSync(path.join(sd, `output_${i}.pb`), tensorFile(out));
    });
  }
}
