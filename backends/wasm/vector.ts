/**
 * @fileoverview Builds the vector forms of Tensor IR (ir/vec.ts) as SIMD128: every vector of the
 * IR has four 32-bit lanes in one v128 (simd-ops.ts). An operation the SIMD table has becomes its
 * instructions; any other is computed lane by lane by the scalar builder (emit.ts), so each op
 * keeps one definition. Contiguous loads and stores are v128 accesses; a masked one reads the
 * whole vector only where that cannot leave memory, and keeps the lanes of the mask.
 */
import { DType, byteSize } from "../../ir/dtype.ts";
import { Expr, Stmt, Var, exprChildren, isOrderedConst } from "../../ir/tir.ts";
import { exprTypeName, isVector, shapeOf } from "../../ir/vec.ts";
import { Ref, W } from "./binaryen.ts";
import { KernelContext } from "./context.ts";
import { TEMP, keyOf } from "./pointers.ts";
import { VecOps, hasBin, hasCast, hasUn } from "./simd-ops.ts";

type Load = Extract<Expr, { k: "load" }>;
type Store = Extract<Stmt, { k: "store" }>;
type Ramp = Extract<Expr, { k: "ramp" }>;

export const LANES = 4;

/** Types whose lanes fill a v128 load or store of 16 bytes exactly. */
const whole = (t: DType) => byteSize(t) === 4 && t !== "bool";

export class VectorBuilder {
  private readonly ops: VecOps;
  /** Loads of the straight-line code being built, each in a local set ahead of its statement. */
  private readonly cache = new Map<string, { local: number; names: Set<string> }>();
  private pending: Ref[] = [];
  /** Above zero while building code the scalar builder evaluates only conditionally: nothing is hoisted. */
  lazy = 0;

  constructor(private readonly k: KernelContext) {
    this.ops = new VecOps(k.w);
    this.ops.tmp = () => k.tmp(W.v128);
  }

  /** The loads the statement being built reads first (see cached()). */
  flush(): Ref[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  /** Forgets the loads that mention `name` (all loads: after a store, or across control flow). */
  forget(name?: string): void {
    if (name === undefined) this.cache.clear();
    else for (const [k, x] of this.cache) if (x.names.has(name)) this.cache.delete(k);
  }

  /**
   * A load read once by the statement being built and reused by later statements of the same
   * straight-line code until a store or a change of a variable its index reads. The engines do
   * not merge repeated wasm loads, and a register tile reads each loaded row once per row of it.
   */
  private cached(kind: string, e: Expr, build: () => Ref): Ref {
    const w = this.k.w;
    if (this.lazy) return build();
    const key = kind + keyOf(e);
    let hit = this.cache.get(key);
    if (!hit) {
      const x = build(), local = this.k.tmp(W.v128);
      this.pending.push(w.set(local, x));
      hit = { local, names: varsOf(e) };
      this.cache.set(key, hit);
    }
    return w.get(hit.local, W.v128);
  }

  /** A vector expression as a v128 value. */
  expr(e: Expr): Ref {
    if (!isVector(e)) throw new Error(`internal error: ${exprTypeName(e)} where a vector is expected`);
    const shape = shapeOf(e);
    if (shape.lanes !== LANES || shape.scalable) throw new Error(`internal error: WebAssembly builds vectors of ${LANES} lanes, not ${exprTypeName(e)}`);
    const w = this.k.w, o = this.ops;
    switch (e.k) {
      case "var": return w.get(this.k.local(e), W.v128);
      case "bcast": {
        const a = e.a;
        if (a.k === "const") return o.constVec([a.v, a.v, a.v, a.v], e.dtype);
        if (a.k === "load" && !a.mask && whole(a.dtype))
          return this.cached("splat", a, () => {
            const { ptr, offset } = this.k.addressOf(a.buf, a.index);
            return w.op("v128", "load32_splat", offset, 4, ptr);
          });
        return o.splat(this.k.expr(a), e.dtype);
      }
      case "ramp": return w.op("i32x4", "add", o.splat(this.k.expr(e.base), "i32"), o.constVec([0, 1, 2, 3].map((l) => l * e.stride), "i32"));
      case "load": return this.cached("load", e, () => this.load(e));
      case "bin": {
        const t = e.a.dtype;
        if ((e.op === "shl" || e.op === "shr") && e.b.k === "bcast" && t !== "f32" && t !== "bool")
          return o.shift(e.op, this.expr(e.a), this.k.expr(e.b.a), t);
        if (!hasBin(e.op, t)) return this.lanes(e);
        const ordered = (x: Expr) => x.k === "bcast" && isOrderedConst(x.a);
        return o.bin(e.op, this.expr(e.a), this.expr(e.b), t, ordered(e.b) ? "b" : ordered(e.a) ? "a" : undefined);
      }
      case "un": return hasUn(e.op, e.a.dtype) ? o.un(e.op, this.expr(e.a), e.a.dtype) : this.lanes(e);
      case "cast": return hasCast(e.a.dtype, e.dtype) ? o.cast(this.expr(e.a), e.a.dtype, e.dtype) : this.lanes(e);
      case "bitcast": return hasCast(e.a.dtype, e.dtype) && e.dtype !== "bool" && e.a.dtype !== "bool" ? o.bitcast(this.expr(e.a), e.a.dtype, e.dtype) : this.lanes(e);
      case "select": {
        const a = this.expr(e.a), b = this.expr(e.b);
        return w.op("v128", "bitselect", a, b, e.c.dtype === "bool" ? this.expr(e.c) : o.cast(this.expr(e.c), e.c.dtype, "bool"));
      }
      // No fma in SIMD128: a multiply and an add, as the scalar code rounds them.
      case "fma": return e.dtype === "f32" ? o.bin("add", o.bin("mul", this.expr(e.a), this.expr(e.b), "f32"), this.expr(e.c), "f32") : this.lanes(e);
      case "shuffle": {
        const a = this.expr(e.a), b = e.b ? this.expr(e.b) : o.constVec([0, 0, 0, 0], "i32");
        const bytes = e.idx.flatMap((i) => [0, 1, 2, 3].map((j) => i * 4 + j));
        return w.op("i8x16", "shuffle", a, b, bytes);
      }
      default: throw new Error(`internal error: ${e.k} is not a vector form`);
    }
  }

  /** A scalar form over vectors: a horizontal reduction or a one-lane shuffle. */
  scalar(e: Extract<Expr, { k: "hreduce" | "shuffle" }>): Ref {
    if (e.k === "shuffle") {
      const i = e.idx[0]!;
      return this.ops.extract(this.expr(i < LANES ? e.a : e.b!), i % LANES, e.dtype);
    }
    // ((l0 op l1) op l2) op l3, by the scalar op.
    const w = this.k.w, t = e.dtype, x = this.k.tmp(W.v128);
    const vars = [0, 1, 2, 3].map((l) => this.temp(t, l));
    const sets = vars.map((v, l) => w.set(this.k.local(v), this.ops.extract(w.get(x, W.v128), l, t)));
    const sum = vars.slice(1).reduce<Expr>((acc, v) => ({ k: "bin", op: e.op, a: acc, b: v, dtype: t }), vars[0]!);
    return w.block(null, [w.set(x, this.expr(e.a)), ...sets, this.k.expr(sum)], this.k.wtype(t));
  }

  /** A store whose index is a vector. */
  store(s: Store): Ref {
    const w = this.k.w, t = s.buf.dtype, ix = s.index;
    const value = s.value.dtype === t ? this.expr(s.value) : this.ops.cast(this.expr(s.value), s.value.dtype, t);
    if (ix.k === "ramp" && ix.stride === 1 && !s.mask) {
      const { ptr, offset } = this.k.addressOf(s.buf, ix.base);
      return this.ops.store(t, ptr, value, offset);
    }
    if (ix.k === "ramp" && ix.stride === 1 && whole(t)) {
      // Only the mask's lanes change: the others are written back as they were.
      const p = this.k.tmp(W.i32), m = this.k.tmp(W.v128);
      const at = () => w.get(p, W.i32);
      return w.block(null, [
        w.set(p, this.k.address(s.buf, ix.base)), w.set(m, this.expr(s.mask!)),
        w.if(w.op("v128", "any_true", w.get(m, W.v128)),
          w.op("v128", "store", 0, 4, at(), w.op("v128", "bitselect", value, w.op("v128", "load", 0, 4, at()), w.get(m, W.v128)))),
      ]);
    }
    if (ix.k === "ramp" && ix.stride > 0 && !s.mask && whole(t)) {
      const { ptr, offset } = this.k.addressOf(s.buf, ix.base);
      const p = this.k.tmp(W.i32), v = this.k.tmp(W.v128), step = ix.stride * 4;
      return w.block(null, [w.set(p, ptr), w.set(v, value), ...[0, 1, 2, 3].map((l) =>
        w.op("v128", "store32_lane", offset + l * step, 4, l, w.get(p, W.i32), w.get(v, W.v128)))]);
    }
    // Lane by lane, as scalar stores (masked lanes write nothing).
    const vi = this.k.tmp(W.v128), vv = this.k.tmp(W.v128), vm = s.mask ? this.k.tmp(W.v128) : undefined;
    const body: Ref[] = [w.set(vi, this.expr(ix)), w.set(vv, value), ...(vm !== undefined ? [w.set(vm, this.expr(s.mask!))] : [])];
    for (let l = 0; l < LANES; l++) {
      const i = this.temp("i32", 0), x = this.temp(t, 1);
      body.push(w.set(this.k.local(i), this.ops.extract(w.get(vi, W.v128), l, "i32")), w.set(this.k.local(x), this.ops.extract(w.get(vv, W.v128), l, t)));
      const st = this.k.store(s.buf, i, x);
      body.push(vm === undefined ? st : w.if(this.ops.extract(w.get(vm, W.v128), l, "bool"), st));
    }
    return w.block(null, body);
  }

  private load(e: Load): Ref {
    const w = this.k.w, o = this.ops, t = e.dtype, ix = e.index;
    if (ix.k === "ramp" && ix.stride === 1) {
      if (!e.mask) {
        const { ptr, offset } = this.k.addressOf(e.buf, ix.base);
        return o.load(t, ptr, offset);
      }
      return this.maskedLoad(e, ix);
    }
    if (ix.k === "ramp" && !e.mask && whole(t) && ix.stride === 2) {
      // Elements 0, 2, 4, 6: from [0..3] and [3..6], so nothing past element 6 is read.
      const { ptr, offset } = this.k.addressOf(e.buf, ix.base);
      const p = this.k.tmp(W.i32);
      const lo = o.load(t, w.tee(p, ptr, W.i32), offset), hi = o.load(t, w.get(p, W.i32), offset + 12);
      return w.op("i8x16", "shuffle", lo, hi, [0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23, 28, 29, 30, 31]);
    }
    if (ix.k === "ramp" && !e.mask && whole(t) && ix.stride > 2) {
      const { ptr, offset } = this.k.addressOf(e.buf, ix.base);
      const p = this.k.tmp(W.i32), step = ix.stride * 4;
      // A lane load reads its address before its vector operand: the pointer is set first.
      let x = w.op("v128", "load32_zero", offset, 4, w.get(p, W.i32));
      for (let l = 1; l < LANES; l++) x = w.op("v128", "load32_lane", offset + l * step, 4, l, w.get(p, W.i32), x);
      return w.block(null, [w.set(p, ptr), x], W.v128);
    }
    // A gather: lane by lane, masked lanes reading nothing.
    const vi = this.k.tmp(W.v128), vm = e.mask ? this.k.tmp(W.v128) : undefined;
    const head = [w.set(vi, this.expr(ix)), ...(vm !== undefined ? [w.set(vm, this.expr(e.mask!))] : [])];
    const lanes: Ref[] = [];
    for (let l = 0; l < LANES; l++) {
      const i = this.temp("i32", 0);
      const set = w.set(this.k.local(i), o.extract(w.get(vi, W.v128), l, "i32"));
      let x: Expr = { k: "load", buf: e.buf, index: i, dtype: t };
      const sets = [set];
      if (vm !== undefined) {
        const m = this.temp("bool", 1);
        sets.push(w.set(this.k.local(m), o.extract(w.get(vm, W.v128), l, "bool")));
        x = { k: "select", c: m, a: x, b: { k: "const", v: 0, dtype: t }, dtype: t };
      }
      lanes.push(w.block(null, [...sets, this.k.expr(x)], this.k.wtype(t)));
    }
    return w.block(null, [...head, o.build(lanes, t)], W.v128);
  }

  /**
   * A contiguous load of the mask's lanes. A lane the mask keeps lies in its buffer, so the 16
   * bytes around it lie in memory (the module ends 16 bytes past its last buffer); a load no
   * lane keeps may lie anywhere, so it reads address 0 instead. The mask then zeroes the rest.
   */
  private maskedLoad(e: Load, ix: Ramp): Ref {
    const w = this.k.w, o = this.ops, m = this.k.tmp(W.v128);
    const addr = this.k.address(e.buf, ix.base);
    const safe = w.select(addr, w.i32(0), w.op("v128", "any_true", w.tee(m, this.expr(e.mask!), W.v128)));
    return w.op("v128", "and", o.load(e.dtype, safe), w.get(m, W.v128));
  }

  /** Lane by lane: each lane's operands in scalar locals, the scalar builder computing the op. */
  private lanes(e: Expr): Ref {
    const w = this.k.w, kids = childrenOf(e);
    const vecs = kids.map(() => this.k.tmp(W.v128));
    const head = kids.map((x, i) => w.set(vecs[i]!, this.expr(x)));
    const lanes: Ref[] = [];
    for (let l = 0; l < LANES; l++) {
      const vars = kids.map((x, i) => this.temp(x.dtype, i));
      const sets = vars.map((v, i) => w.set(this.k.local(v), this.ops.extract(w.get(vecs[i]!, W.v128), l, kids[i]!.dtype)));
      lanes.push(w.block(null, [...sets, this.k.expr(scalarOf(e, vars))], this.k.wtype(e.dtype)));
    }
    return w.block(null, [...head, this.ops.build(lanes, e.dtype)], W.v128);
  }

  /**
   * Scalar local `slot` of a lane's computation. A lane's operands are set and used in one block
   * with no vector code between, so every lane computation reuses the same few.
   */
  private temp(dtype: DType, slot: number): Var {
    return { k: "var", name: `${TEMP}lane${slot}.${dtype}`, dtype };
  }
}

function varsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.k === "var") out.add(e.name);
  for (const x of exprChildren(e)) varsOf(x, out);
  return out;
}

function childrenOf(e: Expr): Expr[] {
  switch (e.k) {
    case "bin": return [e.a, e.b];
    case "un": case "cast": case "bitcast": return [e.a];
    case "select": return [e.c, e.a, e.b];
    case "fma": return [e.a, e.b, e.c];
    default: throw new Error(`internal error: no lane-by-lane form of ${e.k}`);
  }
}

/** The scalar operation of an element-wise vector form over one lane's operands. */
function scalarOf(e: Expr, x: Var[]): Expr {
  const t = e.dtype;
  switch (e.k) {
    case "bin": return { k: "bin", op: e.op, a: x[0]!, b: x[1]!, dtype: t };
    case "un": return { k: "un", op: e.op, a: x[0]!, dtype: t };
    case "cast": return { k: "cast", a: x[0]!, dtype: t };
    case "bitcast": return { k: "bitcast", a: x[0]!, dtype: t };
    case "select": return { k: "select", c: x[0]!, a: x[1]!, b: x[2]!, dtype: t };
    case "fma": return { k: "bin", op: "add", a: { k: "bin", op: "mul", a: x[0]!, b: x[1]!, dtype: t }, b: x[2]!, dtype: t };
    default: throw new Error(`internal error: no lane-by-lane form of ${e.k}`);
  }
}
