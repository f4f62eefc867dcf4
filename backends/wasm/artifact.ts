/**
 * @fileoverview The WebAssembly artifact of a Program: model.wasm built through binaryen, the
 * model.mjs loader and model.d.ts types.
 */
import { Program } from "../../compiler/program.ts";
import { SimdLoopHook } from "./context.ts";
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

let simdHook: Promise<SimdLoopHook | undefined> | undefined;

/** The vectorizer's loop hook from simd.ts, or undefined while that file is absent. */
export function loadSimdHook(): Promise<SimdLoopHook | undefined> {
  const file = "./simd.ts";
  simdHook ??= import(file).then(
    (m: { trySimdLoop?: SimdLoopHook }) => m.trySimdLoop,
    (e: { code?: string }) => {
      if (e?.code === "ERR_MODULE_NOT_FOUND") return undefined;
      throw e;
    });
  return simdHook;
}

export async function emitWasm(p: Program, opts: WasmArtifactOptions = {}): Promise<WasmArtifact> {
  const simd = opts.simd ?? true;
  const simdLoop = simd ? await loadSimdHook() : undefined;
  const b = buildWasm(p, { simd, simdLoop });
  const io = (list: Program["inputs"]) => list.map((t) => ({ name: t.name, dtype: t.type.dtype, shape: t.type.shape }));
  const { mjs, dts } = emitLoader({ inputs: io(p.inputs), outputs: io(p.outputs), wasmFile: "model.wasm" });
  const files = new Map<string, string | Uint8Array>([["model.wasm", b.wasm], ["model.mjs", mjs], ["model.d.ts", dts]]);
  return { files, wasmBytes: b.wasm.length, memoryBytes: b.memoryBytes, kernels: b.kernels };
}
