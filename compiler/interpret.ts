/**
 * @fileoverview Runs a compiled Program in process through the JS evaluation of its kernels:
 * the reference for pass tests (fused vs unfused outputs) without a C compiler.
 */
import { evaluate } from "../backends/js/eval.ts";
import { DType, TypedArray, byteSize } from "../ir/dtype.ts";
import { numel } from "../ir/graph.ts";
import { Program, Storage } from "./program.ts";

function view(buf: ArrayBuffer, offset: number, dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "f32": return new Float32Array(buf, offset, n);
    case "f64": return new Float64Array(buf, offset, n);
    case "f16": case "bf16": case "u16": return new Uint16Array(buf, offset, n);
    case "i8": return new Int8Array(buf, offset, n);
    case "i16": return new Int16Array(buf, offset, n);
    case "i32": return new Int32Array(buf, offset, n);
    case "i64": return new BigInt64Array(buf, offset, n);
    case "u8": case "bool": case "f8e4m3fn": case "f8e4m3fnuz": case "f8e5m2": case "f8e5m2fnuz": return new Uint8Array(buf, offset, n);
    case "u32": return new Uint32Array(buf, offset, n);
    case "u64": return new BigUint64Array(buf, offset, n);
  }
}

/** Runs the program on `inputs` (in program order); returns the outputs. */
export function interpret(p: Program, inputs: TypedArray[]): TypedArray[] {
  const arena = new ArrayBuffer(Math.max(p.arenaBytes, 8));
  const weights = new ArrayBuffer(Math.max(p.weights.length, 8));
  new Uint8Array(weights).set(p.weights);
  const outputs = p.outputs.map((o) => {
    const n = numel(o.type.shape);
    return view(new ArrayBuffer(Math.max(n * byteSize(o.type.dtype), 8)), 0, o.type.dtype, n);
  });
  const bind = (s: Storage, dtype: DType, n: number): TypedArray => {
    switch (s.kind) {
      case "input": { const a = inputs[s.index]!; return view(a.buffer as ArrayBuffer, a.byteOffset, dtype, n); }
      case "output": { const a = outputs[s.index]!; return view(a.buffer as ArrayBuffer, a.byteOffset, dtype, n); }
      case "weight": return view(weights, s.offset, dtype, n);
      case "arena": return view(arena, s.offset, dtype, n);
    }
  };
  for (const st of p.steps)
    evaluate(st.kernel, st.kernel.params.map((b, i) => bind(st.args[i]!, b.dtype, numel(b.shape))));
  return outputs;
}
