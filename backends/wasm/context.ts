/**
 * @fileoverview What the kernel builder (emit.ts) offers a loop vectorizer. The SIMD vectorizer,
 * backends/wasm/simd.ts, exports `trySimdLoop: SimdLoopHook`; the builder calls it first on
 * every `for` loop of a module built with SIMD, and builds the loop as scalar code when it
 * returns null. With --no-simd it is never called.
 */
import { DType } from "../../ir/dtype.ts";
import { Buffer, Expr, Stmt, Var } from "../../ir/tir.ts";
import { Ref, WasmModule, WType } from "./binaryen.ts";

export type ForStmt = Extract<Stmt, { k: "for" }>;

export interface KernelContext {
  /** The module wrapper: every instruction, SIMD ones included (w.op("f32x4", "add", a, b)). */
  readonly w: WasmModule;
  /** The scalar WebAssembly type holding values of `t` (f16/bf16 and 8-bit floats as i32 bits). */
  wtype(t: DType): WType;
  /** Builds a scalar expression, with exactly the C backend's semantics. */
  expr(e: Expr): Ref;
  /** Builds a statement as scalar code (e.g. the remainder loop after a vector body). */
  stmt(s: Stmt): Ref;
  /** The local holding a loop or declared variable (created on first use). */
  local(v: Var): number;
  /** A fresh local of a WebAssembly type (v128 included). */
  tmp(type: WType): number;
  /** A label unique within the function, for blocks and loops. */
  label(hint: string): string;
  /** The byte address of element `index` of `buf`, as an i32 expression. */
  address(buf: Buffer, index: Expr): Ref;
  /** The local holding the base byte address of a kernel buffer parameter. */
  base(buf: Buffer): number;
}

/**
 * Builds `loop` with vector instructions, or returns null to leave it to the scalar builder.
 * The result must do exactly what the scalar loop does (including any remainder iterations) and
 * leave the loop variable's local unspecified afterwards.
 */
export type SimdLoopHook = (loop: ForStmt, ctx: KernelContext) => Ref | null;
