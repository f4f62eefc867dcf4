/**
 * @fileoverview Strength reduction of the addresses of an innermost loop: an access whose index
 * moves by a constant per iteration reads through a pointer set before the loop and advanced at
 * the end of each iteration, the index's constant term becoming the instruction's offset. The
 * engines compile wasm with little loop optimisation, so recomputing every address from the
 * loop variables would cost a multiply-add chain per access.
 */
import { byteSize } from "../../ir/dtype.ts";
import { coeffOf, mentions, nonneg } from "../../ir/affine.ts";
import { Buffer, Expr, Stmt, add, c, exprChildren, mul, substExpr, visitStmt } from "../../ir/tir.ts";
import { Ref, W, WasmModule } from "./binaryen.ts";

type ForStmt = Extract<Stmt, { k: "for" }>;

export interface PointerHost {
  readonly w: WasmModule;
  tmp(type: number): number;
  address(buf: Buffer, index: Expr): Ref;
}

/** A canonical text of an expression (buffers by name). */
export const keyOf = (e: Expr): string => JSON.stringify(e, (k, v: unknown) => (k === "buf" ? (v as Buffer).name : v));

/** An index split into a non-negative part and a positive constant that becomes an instruction offset. */
export function splitOffset(index: Expr): { rest: Expr; k: number } {
  if (index.k === "bin" && index.op === "add" && index.b.k === "const" && index.b.v > 0 && nonneg(index.a)) return { rest: index.a, k: index.b.v };
  if (index.k === "const" && index.v > 0) return { rest: c(0), k: index.v };
  return { rest: index, k: 0 };
}

const hasLoad = (e: Expr): boolean => e.k === "load" || exprChildren(e).some(hasLoad);
/** The builder's own locals (a lane's index, vector.ts) are set inside the loop body. */
const mentionsTemp = (e: Expr): boolean => (e.k === "var" && e.name.startsWith(TEMP)) || exprChildren(e).some(mentionsTemp);

/** The prefix of variables the wasm builder makes for itself. */
export const TEMP = "~";

export class LoopPointers {
  /** Set before the loop. */
  readonly init: Ref[] = [];
  /** Run at the end of each iteration. */
  readonly bump: Ref[] = [];
  private readonly ptrs = new Map<string, number>();
  /** Variables the body changes: an address mentioning one is not loop-invariant. */
  private readonly changed = new Set<string>();

  constructor(private readonly host: PointerHost, private readonly loop: ForStmt) {
    visitStmt(loop.body, (s) => { if (s.k === "decl" || s.k === "assign") this.changed.add(s.v.name); });
  }

  /** The address of `index` in `buf` through a loop pointer, or undefined when it moves otherwise. */
  address(buf: Buffer, index: Expr): { ptr: Ref; offset: number } | undefined {
    const v = this.loop.v.name, step = coeffOf(index, v);
    if (step === undefined) return undefined;
    const at0 = substExpr(index, new Map([[v, c(0)]]));
    if (mentions(at0, v) || hasLoad(at0) || [...this.changed].some((n) => mentions(at0, n)) || mentionsTemp(at0)) return undefined;
    // With a negative step the pointer falls below the part split off, so nothing is split.
    const { rest, k } = step >= 0 ? splitOffset(at0) : { rest: at0, k: 0 };
    const w = this.host.w, size = byteSize(buf.dtype), key = `${buf.name}|${keyOf(rest)}|${step}`;
    let p = this.ptrs.get(key);
    if (p === undefined) {
      p = this.host.tmp(W.i32);
      this.ptrs.set(key, p);
      const start = this.loop.lo && step ? add(rest, mul(this.loop.lo, c(step))) : rest;
      this.init.push(w.set(p, this.host.address(buf, start)));
      if (step) this.bump.push(w.set(p, w.op("i32", "add", w.get(p, W.i32), w.i32(step * size))));
    }
    return { ptr: w.get(p, W.i32), offset: k * size };
  }
}
