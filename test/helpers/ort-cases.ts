/**
 * @fileoverview Op cases checked against ONNX Runtime: each small model runs in ORT and through
 * the generated C (built with sanitizers at -O0, warnings as errors), and the outputs must agree.
 */
import { expect } from "chai";
import * as path from "node:path";
import ort from "onnxruntime-node";
import { testDir } from "../../compiler/testrun.ts";
import { DType, allocArray, f16ToF32, f32ToF16 } from "../../ir/dtype.ts";
import { cleanup, haveCc, tempDir } from "./cli.ts";
import { ModelSpec, NodeSpec, TensorSpec, buildModel, rng, writeModelDir } from "./onnx-builder.ts";

export const SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];
// Unoptimised builds keep the sanitizer runs quick; warnings still fail the build.
export const SANITIZED_CFLAGS = ["-std=c99", "-O0", "-Wall", "-Wextra", "-Werror"];
const ORT_TYPE: Partial<Record<DType, string>> = {
  f32: "float32", f64: "float64", f16: "float16", i8: "int8", u8: "uint8", i16: "int16", u16: "uint16",
  i32: "int32", i64: "int64", u32: "uint32", u64: "uint64", bool: "bool",
};

/** A model input: fixed data, or uniform random values in [lo, hi) (default [-5, 5)). */
export interface In { name: string; dtype: DType; shape: number[]; data?: number[]; lo?: number; hi?: number }
export interface Case { name: string; opset: number; opsets?: Record<string, number>; nodes: NodeSpec[]; ins: In[]; inits?: TensorSpec[]; outs: [string, DType][] }

export const ints = (name: string, data: number[], dims = [data.length]): TensorSpec => ({ name, dtype: "i64", dims, data });
export const floats = (name: string, data: number[]): TensorSpec => ({ name, dtype: "f32", dims: [data.length], data });
export const tensor = (name: string, dtype: DType, dims: number[], data: number[]): TensorSpec => ({ name, dtype, dims, data });
export const x = (shape: number[], dtype: DType = "f32", name = "x", data?: number[]): In => ({ name, dtype, shape, data });
export const one = (op: string, inputs: string[], attrs?: NodeSpec["attrs"], outputs = ["y"]): NodeSpec[] => [{ op, inputs, outputs, attrs }];

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function values(i: In, r: () => number): number[] {
  if (i.data) return i.data;
  const lo = i.lo ?? -5, hi = i.hi ?? 5;
  return Array.from({ length: numel(i.shape) }, () => {
    const v = lo + (hi - lo) * r();
    if (i.dtype === "bool") return v > 0 ? 1 : 0;
    return i.dtype.startsWith("f") ? Math.fround(v) : Math.floor(v);
  });
}

function ortTensor(i: In, data: number[]): ort.Tensor {
  const a = allocArray(i.dtype, data.length);
  data.forEach((v, k) => {
    (a as unknown as (number | bigint)[])[k] = i.dtype === "i64" || i.dtype === "u64" ? BigInt(v) : i.dtype === "f16" ? f32ToF16(v) : v;
  });
  return new ort.Tensor(ORT_TYPE[i.dtype] as "float32", a as Float32Array, i.shape);
}

export function caseSpec(cs: Case): ModelSpec {
  return {
    opset: cs.opset, opsets: cs.opsets, nodes: cs.nodes, initializers: cs.inits,
    inputs: cs.ins.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })),
    outputs: cs.outs.map(([name, dtype]) => ({ name, dtype })),
  };
}

/** Declares one mocha test per case (inside the caller's describe). */
export function itMatchesOrt(cases: Case[], opts: { seed: number; atol: number; prefix: string }): void {
  let dir: string | undefined;
  let cc = false;
  before(async () => { cc = await haveCc(); dir = tempDir(opts.prefix); });
  after(() => cleanup(dir));
  const r = rng(opts.seed);
  for (const cs of cases) {
    it(cs.name, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const d = path.join(dir!, cs.name.replace(/[^A-Za-z0-9]+/g, "_"));
      const datas = cs.ins.map((i) => values(i, r));
      const sess = await ort.InferenceSession.create(buildModel(caseSpec(cs)));
      const feeds: Record<string, ort.Tensor> = {};
      cs.ins.forEach((i, k) => { feeds[i.name] = ortTensor(i, datas[k]!); });
      const res = await sess.run(feeds);
      const outs: TensorSpec[] = cs.outs.map(([name, dtype]) => {
        const t = res[name]!;
        const raw = Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
        return { name, dtype, dims: [...t.dims], data: dtype === "f16" ? raw.map(f16ToF32) : raw };
      });
      writeModelDir(d, caseSpec(cs), cs.ins.map((i, k) => ({ name: i.name, dtype: i.dtype, dims: i.shape, data: datas[k]! })), outs);
      const got = await testDir(d, { rtol: 1e-3, atol: opts.atol, cflags: SANITIZED_CFLAGS, extraFlags: SANITIZE });
      for (const o of got.results) expect(o.pass, `${o.name}: max abs ${o.maxAbs}, ${o.mismatches} mismatches`).to.equal(true);
    });
  }
}
