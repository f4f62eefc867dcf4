/**
 * @fileoverview Runs a compiled Program in process through the JS evaluation of its kernels:
 * the reference for pass tests (fused vs unfused outputs) without a C compiler.
 */
import { evaluate } from "../ir/eval.ts";
import { DType, TypedArray, byteSize } from "../ir/dtype.ts";
import { numel } from "../ir/graph.ts";
import { Program, Step, Storage } from "../ir/program.ts";

function view(buf: ArrayBuffer, offset: number, dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case "f32": return new Float32Array(buf, offset, n);
    case "f64": return new Float64Array(buf, offset, n);
    case "f16": case "bf16": case "u16": return new Uint16Array(buf, offset, n);
    case "i8": case "i4": case "i2": return new Int8Array(buf, offset, n);
    case "i16": return new Int16Array(buf, offset, n);
    case "i32": return new Int32Array(buf, offset, n);
    case "i64": return new BigInt64Array(buf, offset, n);
    case "u8": case "bool": case "f8e4m3fn": case "f8e4m3fnuz": case "f8e5m2": case "f8e5m2fnuz": return new Uint8Array(buf, offset, n);
    case "u4": case "u2": case "f4e2m1": case "f8e8m0": return new Uint8Array(buf, offset, n);
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
  // Iteration of each running loop, by loop id, for sliced storage.
  const iter = new Map<number, number>();
  const bind = (s: Storage, dtype: DType, n: number): TypedArray => {
    const off = s.slice ? s.slice.offset + s.slice.per.reduce((a, p) => a + iter.get(p.loop)! * p.stride, 0) : 0;
    switch (s.kind) {
      case "input": { const a = inputs[s.index]!; return view(a.buffer as ArrayBuffer, a.byteOffset + off, dtype, n); }
      case "output": { const a = outputs[s.index]!; return view(a.buffer as ArrayBuffer, a.byteOffset + off, dtype, n); }
      case "weight": return view(weights, s.offset + off, dtype, n);
      case "arena": return view(arena, s.offset + off, dtype, n);
    }
  };
  const run = (steps: readonly Step[]): void => {
    for (const st of steps) {
      if (st.kind === "kernel") evaluate(st.kernel, st.kernel.params.map((b, i) => bind(st.args[i]!, b.dtype, numel(b.shape))));
      else if (st.kind === "if") run(bind(st.cond, "bool", 1)[0] ? st.then : st.else);
      else {
        const n = typeof st.trip === "number" ? st.trip : st.trip ? Number(bind(st.trip, "i64", 1)[0]) : Infinity;
        for (let i = 0; i < n; i++) {
          if (st.cond && !bind(st.cond, "bool", 1)[0]) break;
          iter.set(st.id, i);
          if (st.counter) bind(st.counter, "i64", 1)[0] = BigInt(i);
          run(st.body);
        }
      }
    }
  };
  run(p.steps);
  return outputs;
}
