/**
 * @fileoverview The vector form of classified Tensor IR expressions, shared by the SIMD
 * builders: uniform values splatted (hoisted before the loop when invariant), vector nodes as
 * v128 operations, lane-by-lane nodes as scalar code per lane; plus a pool of locals reused
 * from loop to loop.
 */
import { DType } from "../../ir/dtype.ts";
import { Buffer, Expr, Var, bin, c, isOrderedConst } from "../../ir/tir.ts";
import { mentions } from "../../ir/affine.ts";
import { Ref, W } from "./binaryen.ts";
import { KernelContext } from "./context.ts";
import { LANES, Mode, key } from "./vectorize-plan.ts";
import { VecOps } from "./simd-ops.ts";

let fresh = 0;

/**
 * Locals of one kernel function reused from loop to loop: every local a vector loop takes is
 * dead once the loop is done, and fewer locals keep binaryen's optimiser fast.
 */
export class Pool {
  private free = new Map<string, (number | Var)[]>();
  private taken: [string, number | Var][] = [];
  constructor(private readonly ctx: KernelContext) {}

  local(type: number): number {
    const k = `w${type}`, l = (this.free.get(k)?.pop() as number | undefined) ?? this.ctx.tmp(type);
    this.taken.push([k, l]);
    return l;
  }

  /** A scalar variable of `dtype` the scalar builder knows, for lane values and bounds. */
  variable(dtype: DType): Var {
    const k = `v${dtype}`, v = (this.free.get(k)?.pop() as Var | undefined) ?? { k: "var", name: `simd~${fresh++}`, dtype };
    this.taken.push([k, v]);
    return v;
  }

  /** How many locals are taken; release(mark) frees those taken since (nested loops release theirs). */
  mark(): number { return this.taken.length; }

  release(mark: number): void {
    for (const [k, x] of this.taken.splice(mark)) {
      const list = this.free.get(k) ?? [];
      list.push(x);
      this.free.set(k, list);
    }
  }
}
const pools = new WeakMap<KernelContext, Pool>();
export function poolOf(ctx: KernelContext): Pool {
  let p = pools.get(ctx);
  if (!p) { p = new Pool(ctx); pools.set(ctx, p); }
  return p;
}

/** Builds the vector form of classified expressions; shared by both plans. */
export abstract class VectorExprs {
  readonly ops: VecOps;
  /** Computed once before the loop. */
  readonly prologue: Ref[] = [];
  /** Computed at the start of the statement being built (loads shared within an iteration). */
  pending: Ref[] = [];
  private hoisted = new Map<string, number>();
  private loads = new Map<string, { local: number; buf: Buffer }>();
  private iota: number | undefined;

  constructor(protected readonly ctx: KernelContext, protected readonly pool: Pool, protected readonly v: Var,
    protected readonly mode: Map<Expr, Mode>, private readonly varying: ReadonlySet<string>) {
    this.ops = new VecOps(ctx.w);
    this.ops.tmp = () => pool.local(W.v128);
  }

  /** The address of lane 0 of a vector load. */
  protected abstract loadAddress(e: Extract<Expr, { k: "load" }>): { ptr: Ref; key: string; offset?: number };
  /** A uniform 32-bit load as v128.load32_splat, when the builder has a cheap address for it. */
  protected splatLoad(_e: Extract<Expr, { k: "load" }>): Ref | undefined { return undefined; }
  /** A v128 local standing for a scalar declared in the body, if any. */
  protected abstract localVec(name: string): number | undefined;
  /** The v128 local of a group of four scalars a variable node stands for, if any. */
  protected groupVec(_e: Expr): number | undefined { return undefined; }
  /** Elements between lanes of a vector load. */
  protected strideOf(_e: Expr): number { return 1; }
  /** Lanes a vector load fills (2 or 3 read only those elements; the rest are zero). */
  protected widthOf(_e: Expr): number { return LANES; }
  /** False while building code that runs after stores of the region (nothing may be hoisted). */
  protected hoist = true;

  vec(e: Expr): Ref {
    const m = this.mode.get(e) ?? "uniform";
    if (m === "uniform") return this.uniform(e);
    if (m === "lanes") return this.lanes(e);
    const o = this.ops, w = this.ctx.w;
    switch (e.k) {
      case "var": {
        const lv = this.groupVec(e) ?? this.localVec(e.name);
        if (lv !== undefined) return w.get(lv, W.v128);
        if (this.iota === undefined) {
          this.iota = this.pool.local(W.v128);
          this.pending.push(w.set(this.iota, w.op("i32x4", "add", w.op("i32x4", "splat", w.get(this.ctx.local(this.v), W.i32)), o.constVec([0, 1, 2, 3], "i32"))));
        }
        return w.get(this.iota, W.v128);
      }
      case "load": {
        const { ptr, key: k, offset = 0 } = this.loadAddress(e);
        const n = this.widthOf(e), id = `${e.buf.name}|${e.buf.dtype}|${k}|${this.strideOf(e)}|${n}`;
        let hit = this.loads.get(id);
        if (!hit) {
          hit = { local: this.pool.local(W.v128), buf: e.buf };
          this.loads.set(id, hit);
          if (n < LANES) {
            const p = this.pool.local(W.i32);
            const two = w.op("v128", "load64_zero", offset, 4, n === 3 ? w.get(p, W.i32) : ptr);
            this.pending.push(w.set(hit.local, n === 3 ? w.op("v128", "load32_lane", offset + 8, 4, 2, w.tee(p, ptr, W.i32), two) : two));
          } else if (this.strideOf(e) === 2) {
            // Elements 0, 2, 4, 6: from [0..3] and [3..6], so nothing past element 6 is read.
            const p = this.pool.local(W.i32);
            const lo = o.load(e.buf.dtype, w.tee(p, ptr, W.i32), offset), hi = o.load(e.buf.dtype, w.get(p, W.i32), offset + 12);
            this.pending.push(w.set(hit.local, w.op("i8x16", "shuffle", lo, hi, [0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23, 28, 29, 30, 31])));
          } else this.pending.push(w.set(hit.local, o.load(e.buf.dtype, ptr, offset)));
        }
        return w.get(hit.local, W.v128);
      }
      case "bin":
        if (e.op === "shl" || e.op === "shr") return o.shift(e.op, this.vec(e.a), this.ctx.expr(e.b), e.a.dtype);
        return o.bin(e.op, this.vec(e.a), this.vec(e.b), e.a.dtype, isOrderedConst(e.b) ? "b" : isOrderedConst(e.a) ? "a" : undefined);
      case "un": return o.un(e.op, this.vec(e.a), e.a.dtype);
      case "cast": return o.cast(this.vec(e.a), e.a.dtype, e.dtype);
      case "select": {
        const cnd = this.vec(e.c), a = this.vec(e.a), b = this.vec(e.b);
        return w.op("v128", "bitselect", a, b, e.c.dtype === "bool" ? cnd : o.cast(cnd, e.c.dtype, "bool"));
      }
      default: throw new Error(`internal error: no vector form for ${e.k}`);
    }
  }

  /** Forgets loaded vectors a store to `buf` may change. */
  stored(buf: Buffer, distinct: (a: Buffer, b: Buffer) => boolean): void {
    for (const [k, l] of this.loads) if (l.buf.name === buf.name || !distinct(l.buf, buf)) this.loads.delete(k);
  }

  /** Starts a new iteration: loads and the lane index are computed again. */
  nextIteration(): void {
    this.loads.clear();
    this.iota = undefined;
  }

  /** Takes the statements computed ahead of the current one. */
  flush(): Ref[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  /** A lane-independent value: splatted once before the loop when it does not change inside it. */
  private uniform(e: Expr): Ref {
    const w = this.ctx.w;
    if (e.k === "const") return this.ops.constVec([e.v, e.v, e.v, e.v], e.dtype);
    const invariant = this.hoist && ![...this.varying].some((n) => mentions(e, n));
    if (!invariant) return (e.k === "load" ? this.splatLoad(e) : undefined) ?? this.ops.splat(this.ctx.expr(e), e.dtype);
    const k = key(e);
    let l = this.hoisted.get(k);
    if (l === undefined) {
      l = this.pool.local(W.v128);
      this.hoisted.set(k, l);
      this.prologue.push(w.set(l, this.ops.splat(this.ctx.expr(e), e.dtype)));
    }
    return w.get(l, W.v128);
  }

  /** Lane by lane in scalar code: lane l substitutes v + l and extracts body-local vectors. */
  private lanes(e: Expr): Ref {
    const w = this.ctx.w;
    const names = [...this.varying].filter((n) => n !== this.v.name && mentions(e, n));
    const vals: Ref[] = [];
    for (let l = 0; l < LANES; l++) {
      const sets: Ref[] = [];
      const m = new Map<string, Expr>([[this.v.name, l ? bin("add", this.v, c(l)) : this.v]]);
      for (const n of names) {
        const lv = this.localVec(n)!;
        const dt = localType(e, n);
        const t = this.pool.variable(dt);
        sets.push(w.set(this.ctx.local(t), this.ops.extract(w.get(lv, W.v128), l, dt)));
        m.set(n, t);
      }
      const x = this.ctx.expr(substAll(e, m));
      vals.push(sets.length ? w.block(null, [...sets, x], this.ctx.wtype(e.dtype)) : x);
    }
    return this.ops.build(vals, e.dtype);
  }
}

/** Substitutes variables without re-simplifying (so every node keeps its dtype). */
function substAll(e: Expr, m: Map<string, Expr>): Expr {
  switch (e.k) {
    case "var": return m.get(e.name) ?? e;
    case "const": return e;
    case "load": return { ...e, index: substAll(e.index, m) };
    case "bin": return { ...e, a: substAll(e.a, m), b: substAll(e.b, m) };
    case "un": case "cast": return { ...e, a: substAll(e.a, m) };
    case "select": return { ...e, c: substAll(e.c, m), a: substAll(e.a, m), b: substAll(e.b, m) };
    default: {
      const x = e as Expr & { a?: Expr };
      return x.a ? { ...x, a: substAll(x.a, m) } as Expr : e;
    }
  }
}

function localType(e: Expr, name: string): DType {
  let t: DType | undefined;
  const walk = (x: Expr): void => {
    if (x.k === "var" && x.name === name) t = x.dtype;
    else if (x.k === "load") walk(x.index);
    else if (x.k === "bin") { walk(x.a); walk(x.b); }
    else if (x.k === "un" || x.k === "cast") walk(x.a);
    else if (x.k === "select") { walk(x.c); walk(x.a); walk(x.b); }
  };
  walk(e);
  return t!;
}

