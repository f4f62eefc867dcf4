/**
 * @fileoverview What the kernel builder (emit.ts) offers the vector builder (vector.ts): scalar
 * expressions and statements with the C backend's semantics, locals, and buffer addresses.
 */
import { DType } from "../../ir/dtype.ts";
import { Buffer, Expr, Var } from "../../ir/tir.ts";
import { Ref, WasmModule, WType } from "./binaryen.ts";

export interface KernelContext {
  /** The module wrapper: every instruction, SIMD ones included (w.op("f32x4", "add", a, b)). */
  readonly w: WasmModule;
  /** The scalar WebAssembly type holding values of `t` (f16/bf16 and 8-bit floats as i32 bits). */
  wtype(t: DType): WType;
  /** Builds a scalar expression, with exactly the C backend's semantics. */
  expr(e: Expr): Ref;
  /** A scalar store of `value` at element `index` of `buf`. */
  store(buf: Buffer, index: Expr, value: Expr): Ref;
  /** The local holding a variable (a v128 one for a vector variable), created on first use. */
  local(v: Var): number;
  /** A fresh local of a WebAssembly type (v128 included). */
  tmp(type: WType): number;
  /** The byte address of element `index` of `buf`, as an i32 expression. */
  address(buf: Buffer, index: Expr): Ref;
  /** The same address as a pointer and a constant byte offset for the access instruction. */
  addressOf(buf: Buffer, index: Expr): { ptr: Ref; offset: number };
}
