/**
 * @fileoverview Shapes for a model's inputs whose declared dims are symbolic or unknown, taken
 * from the first data set of a model folder: what a user would pass with --input-shape.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fail, q } from "../ir/diagnostics.ts";
import { num, onnx, readTensorFile } from "./onnx/tensor.ts";

export const FIRST_SET = "test_data_set_0";

/** A declared dim as the model names it: its size, its symbol, or "?". */
type Dim = { size?: number; name?: string };

/**
 * The runtime inputs of `dir`/model.onnx that declare a symbolic or unknown dim, with the shapes
 * of their tensors in `dir`/test_data_set_0. Inputs already fixed in `given` are left out, and so
 * is everything when the folder has no data. A tensor that contradicts the declaration is an error.
 */
export function shapesFromData(dir: string, given: ReadonlyMap<string, number[]> = new Map()): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!fs.existsSync(path.join(dir, FIRST_SET))) return out;
  let model;
  try {
    model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, "model.onnx")));
  } catch {
    return out; // the compile reports the model's problem itself
  }
  const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const inputs = (model.graph?.input ?? []).filter((vi) => !inits.has(vi.name));
  inputs.forEach((vi, i) => {
    const name = vi.name ?? "";
    const tt = vi.type?.tensorType;
    if (!tt || !name || given.has(name)) return;
    const dims: Dim[] | undefined = tt.shape?.dim?.map((d) => {
      const v = d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : undefined;
      return v !== undefined && !(v === 0 && d.dimParam) ? { size: v } : { name: d.dimParam || undefined };
    });
    if (dims && dims.every((d) => d.size !== undefined)) return;
    const file = path.join(dir, FIRST_SET, `input_${i}.pb`);
    if (!fs.existsSync(file)) return;
    let shape: number[];
    try {
      shape = readTensorFile(file).shape;
    } catch {
      return; // reading the data set reports it
    }
    const declared = dims ? `[${dims.map((d) => d.size ?? d.name ?? "?").join(", ")}]` : "without a shape";
    const fits = !dims || (dims.length === shape.length && dims.every((d, k) => d.size === undefined || d.size === shape[k]));
    if (!fits) fail(`${FIRST_SET}/input_${i}.pb has shape [${shape.join(", ")}] but input ${q(name)} is declared ${declared}; fix the data or pass --input-shape`);
    out.set(name, shape);
  });
  return out;
}
