/**
 * @fileoverview The WebAssembly artifact of a Program: model.wasm built through binaryen, the
 * model.mjs loader and model.d.ts types.
 */
import { Program } from "../../ir/program.ts";
import { emitLoader } from "./loader.ts";
import { buildWasm } from "./module.ts";

export interface WasmArtifactOptions {
  /** SIMD128 (default) or a scalar module. */
  simd?: boolean;
}

export interface WasmArtifact {
  files: Map<string, string | Uint8Array>;
  wasmBytes: number;
  memoryBytes: number;
  kernels: number;
}

export async function emitWasm(p: Program, opts: WasmArtifactOptions = {}): Promise<WasmArtifact> {
  const simd = opts.simd ?? true;
  const b = buildWasm(p, { simd });
  const io = (list: Program["inputs"]) => list.map((t) => ({ name: t.name, dtype: t.type.dtype, shape: t.type.shape }));
  const { mjs, dts } = emitLoader({ inputs: io(p.inputs), outputs: io(p.outputs), wasmFile: "model.wasm", derive: b.derive });
  const files = new Map<string, string | Uint8Array>([["model.wasm", b.wasm], ["model.mjs", mjs], ["model.d.ts", dts]]);
  return { files, wasmBytes: b.wasm.length, memoryBytes: b.memoryBytes, kernels: b.kernels };
}
