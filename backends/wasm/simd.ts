/**
 * @fileoverview The SIMD128 loop vectorizer: builds an innermost loop planned by
 * vectorize-plan.ts as a four-lane v128 loop plus the scalar remainder, or a partial-sum
 * reduction planned by slp-plan.ts as v128 accumulators. Values of every lane type are held as
 * four 32-bit lanes: f32 as f32x4, integers sign/zero-extended in i32x4, bool as a lane mask.
 */
import { DType, byteSize } from "../../ir/dtype.ts";
import { Buffer, Expr, Stmt, Var, bin, c } from "../../ir/tir.ts";
import { mentions } from "../../ir/affine.ts";
import { Ref, W } from "./binaryen.ts";
import { ForStmt, KernelContext, SimdLoopHook } from "./context.ts";
import { SlpPlan, planSlp } from "./slp-plan.ts";
import { LANES, Mode, Reduction, SimdPlan, key, planLoop } from "./vectorize-plan.ts";
import { VecOps } from "./simd-ops.ts";

/** Remainder loops this file hands back to the scalar builder, which must not vectorize them again. */
const remainders = new WeakSet<ForStmt>();
let fresh = 0;

/**
 * Locals of one kernel function reused from loop to loop: every local a vector loop takes is
 * dead once the loop is done, and fewer locals keep binaryen's optimiser fast.
 */
class Pool {
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

  release(): void {
    for (const [k, x] of this.taken) {
      const list = this.free.get(k) ?? [];
      list.push(x);
      this.free.set(k, list);
    }
    this.taken = [];
  }
}
const pools = new WeakMap<KernelContext, Pool>();
function poolOf(ctx: KernelContext): Pool {
  let p = pools.get(ctx);
  if (!p) { p = new Pool(ctx); pools.set(ctx, p); }
  return p;
}

export const trySimdLoop: SimdLoopHook = (loop, ctx) => {
  if (!ctx.w.simd || remainders.has(loop)) return null;
  const pool = poolOf(ctx);
  try {
    const slp = planSlp(loop);
    if (slp) return new SlpBuilder(slp, ctx, pool).build();
    const r = planLoop(loop);
    if (!r.ok) return null;
    if (!r.plan.loop.lo && !r.plan.loop.hi && r.plan.loop.extent < LANES) return null;
    return new LoopBuilder(r.plan, ctx, pool).build();
  } finally {
    pool.release();
  }
};

/** Builds the vector form of classified expressions; shared by both plans. */
abstract class VectorExprs {
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
  protected abstract loadAddress(e: Extract<Expr, { k: "load" }>): { ptr: Ref; key: string };
  /** A v128 local standing for a scalar declared in the body, if any. */
  protected abstract localVec(name: string): number | undefined;

  vec(e: Expr): Ref {
    const m = this.mode.get(e) ?? "uniform";
    if (m === "uniform") return this.uniform(e);
    if (m === "lanes") return this.lanes(e);
    const o = this.ops, w = this.ctx.w;
    switch (e.k) {
      case "var": {
        const lv = this.localVec(e.name);
        if (lv !== undefined) return w.get(lv, W.v128);
        if (this.iota === undefined) {
          this.iota = this.pool.local(W.v128);
          this.pending.push(w.set(this.iota, w.op("i32x4", "add", w.op("i32x4", "splat", w.get(this.ctx.local(this.v), W.i32)), o.constVec([0, 1, 2, 3], "i32"))));
        }
        return w.get(this.iota, W.v128);
      }
      case "load": {
        const { ptr, key: k } = this.loadAddress(e);
        const id = `${e.buf.name}|${e.buf.dtype}|${k}`;
        let hit = this.loads.get(id);
        if (!hit) {
          hit = { local: this.pool.local(W.v128), buf: e.buf };
          this.loads.set(id, hit);
          this.pending.push(w.set(hit.local, o.load(e.buf.dtype, ptr)));
        }
        return w.get(hit.local, W.v128);
      }
      case "bin":
        if (e.op === "shl" || e.op === "shr") return o.shift(e.op, this.vec(e.a), this.ctx.expr(e.b), e.a.dtype);
        return o.bin(e.op, this.vec(e.a), this.vec(e.b), e.a.dtype);
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
    const invariant = ![...this.varying].some((n) => mentions(e, n));
    if (!invariant) return this.ops.splat(this.ctx.expr(e), e.dtype);
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

/** Identity element (lanes 1-3 of a fresh accumulator). */
function identity(op: Reduction["op"], t: DType): number {
  switch (op) {
    case "add": case "or": case "xor": return 0;
    case "mul": return 1;
    case "and": return -1;
    default: return t === "f32" ? NaN : 0; // min/max start every lane at the accumulator
  }
}

class LoopBuilder extends VectorExprs {
  private locals = new Map<string, number>();
  private bases = new Map<string, number>();
  private readonly distinctSet: Set<string>;

  constructor(private readonly plan: SimdPlan, ctx: KernelContext, pool: Pool) {
    super(ctx, pool, plan.loop.v, plan.mode, new Set([plan.loop.v.name, ...plan.locals.keys()]));
    this.distinctSet = new Set(plan.distinct.map(([a, b]) => pairKey(a, b)));
  }

  protected localVec(name: string): number | undefined {
    if (!this.plan.locals.has(name)) return undefined;
    let l = this.locals.get(name);
    if (l === undefined) { l = this.pool.local(W.v128); this.locals.set(name, l); }
    return l;
  }

  /** Hoisted byte address of element `base` (the index at v = 0) plus v elements. */
  private pointer(buf: Buffer, base: Expr): { ptr: Ref; key: string } {
    const w = this.ctx.w, k = `${buf.name}|${key(base)}`;
    let l = this.bases.get(k);
    if (l === undefined) {
      l = this.pool.local(W.i32);
      this.bases.set(k, l);
      this.prologue.push(w.set(l, this.ctx.address(buf, base)));
    }
    const size = byteSize(buf.dtype), v = w.get(this.ctx.local(this.v), W.i32);
    const off = size === 1 ? v : w.op("i32", "shl", v, w.i32(Math.log2(size)));
    return { ptr: w.op("i32", "add", w.get(l, W.i32), off), key: key(base) };
  }

  protected loadAddress(e: Extract<Expr, { k: "load" }>): { ptr: Ref; key: string } {
    return this.pointer(e.buf, this.plan.base.get(e)!);
  }

  build(): Ref {
    const { ctx, plan } = this, w = ctx.w, loop = plan.loop;
    const i = (n: string, ...a: Ref[]) => w.op("i32", n, ...a);
    const v = ctx.local(loop.v);
    const hiVar = this.pool.variable("i32"), hi = ctx.local(hiVar);
    const distinct = (a: Buffer, b: Buffer) => a.name !== b.name && this.distinctSet.has(pairKey(a, b));

    // ---- one vector iteration ----
    const accs = new Map<string, number>();
    for (const r of plan.reductions.values()) accs.set(r.v.name, this.pool.local(W.v128));
    const body: Ref[] = [];
    for (const s of plan.body) {
      let r: Ref;
      switch (s.k) {
        case "store": {
          const val = this.ops.cast(this.vec(s.value), s.value.dtype, s.buf.dtype);
          const { ptr } = this.pointer(s.buf, plan.base.get(s)!);
          r = this.ops.store(s.buf.dtype, ptr, val);
          body.push(...this.flush(), r);
          this.stored(s.buf, distinct);
          continue;
        }
        case "decl": r = w.set(this.localVec(s.v.name)!, this.ops.cast(this.vec(s.init), s.init.dtype, s.v.dtype)); break;
        case "assign": {
          const red = plan.reductions.get(s.v.name);
          if (red) {
            const acc = w.get(accs.get(s.v.name)!, W.v128), x = this.vec(red.operand);
            const left = s.value.k === "bin" && s.value.a.k === "var" && s.value.a.name === s.v.name;
            r = w.set(accs.get(s.v.name)!, left ? this.ops.bin(red.op, acc, x, s.v.dtype) : this.ops.bin(red.op, x, acc, s.v.dtype));
          } else r = w.set(this.localVec(s.v.name)!, this.ops.cast(this.vec(s.value), s.value.dtype, s.v.dtype));
          break;
        }
        default: throw new Error(`internal error: ${s.k} in a vector loop body`);
      }
      body.push(...this.flush(), r);
    }
    body.push(w.set(v, i("add", w.get(v, W.i32), w.i32(LANES))));

    // ---- accumulators in and out ----
    const init: Ref[] = [], fini: Ref[] = [];
    for (const red of plan.reductions.values()) {
      const t = red.v.dtype, acc = accs.get(red.v.name)!, sc = w.get(ctx.local(red.v), ctx.wtype(t));
      const id = identity(red.op, t);
      init.push(w.set(acc, Number.isNaN(id) || red.op === "min" || red.op === "max" ? this.ops.splat(sc, t)
        : this.ops.replace(this.ops.constVec([id, id, id, id], t), 0, sc, t)));
      fini.push(...this.horizontal(red, acc));
    }

    // ---- run-time checks: enough iterations, and buffers that must not share storage ----
    let go = i("le_s", i("add", w.get(v, W.i32), w.i32(LANES)), w.get(hi, W.i32));
    for (const [a, b] of plan.distinct) go = i("and", go, i("ne", w.get(ctx.base(a), W.i32), w.get(ctx.base(b), W.i32)));
    const cont = ctx.label("simd");
    const vectorPart = w.if(go, w.block(null, [
      ...this.prologue, ...init,
      w.loop(cont, w.block(null, [...body, w.br(cont, i("le_s", i("add", w.get(v, W.i32), w.i32(LANES)), w.get(hi, W.i32)))])),
      ...fini,
    ]));
    // The scalar loop finishes from wherever the vector loop stopped.
    const rest: ForStmt = { ...loop, lo: loop.v, hi: hiVar };
    remainders.add(rest);
    return w.block(null, [
      w.set(v, loop.lo ? ctx.expr(loop.lo) : w.i32(0)),
      w.set(hi, loop.hi ? ctx.expr(loop.hi) : w.i32(loop.extent)),
      vectorPart,
      ctx.stmt(rest),
    ]);
  }

  /** acc = ((l0 op l1) op l2) op l3, with the scalar builder's semantics for op. */
  private horizontal(red: Reduction, acc: number): Ref[] {
    const w = this.ctx.w, t = red.v.dtype, out: Ref[] = [];
    const lanes = [0, 1, 2, 3].map(() => this.pool.variable(t));
    lanes.forEach((x, l) => out.push(w.set(this.ctx.local(x), this.ops.extract(w.get(acc, W.v128), l, t))));
    let e: Expr = lanes[0]!;
    for (let l = 1; l < LANES; l++) e = { k: "bin", op: red.op, a: e, b: lanes[l]!, dtype: t };
    out.push(w.set(this.ctx.local(red.v), this.ctx.expr(e)));
    return out;
  }
}

const pairKey = (a: Buffer, b: Buffer) => (a.name < b.name ? `${a.name}|${b.name}` : `${b.name}|${a.name}`);

class SlpBuilder extends VectorExprs {
  constructor(private readonly plan: SlpPlan, ctx: KernelContext, pool: Pool) {
    super(ctx, pool, plan.loop.v, plan.mode, new Set([plan.loop.v.name]));
  }

  protected localVec(): number | undefined { return undefined; }

  protected loadAddress(e: Extract<Expr, { k: "load" }>): { ptr: Ref; key: string } {
    return { ptr: this.ctx.address(e.buf, e.index), key: key(e.index) };
  }

  build(): Ref {
    const { ctx, plan } = this, w = ctx.w, loop = plan.loop;
    const i = (n: string, ...a: Ref[]) => w.op("i32", n, ...a);
    const v = ctx.local(loop.v), hi = this.pool.local(W.i32);
    const accs = plan.groups.map(() => this.pool.local(W.v128));
    const body: Ref[] = [];
    plan.groups.forEach((g, gi) => {
      const x = this.vec(g.operand);
      const acc = w.get(accs[gi]!, W.v128), t = g.vars[0]!.dtype;
      const stmt = w.set(accs[gi]!, this.ops.bin(g.op, acc, x, t));
      body.push(...this.flush(), stmt);
    });
    this.nextIteration();
    body.push(w.set(v, i("add", w.get(v, W.i32), w.i32(1))));
    const init: Ref[] = [], fini: Ref[] = [];
    plan.groups.forEach((g, gi) => {
      const t = g.vars[0]!.dtype;
      init.push(w.set(accs[gi]!, this.ops.build(g.vars.map((x) => w.get(ctx.local(x), ctx.wtype(t))), t)));
      g.vars.forEach((x, l) => fini.push(w.set(ctx.local(x), this.ops.extract(w.get(accs[gi]!, W.v128), l, t))));
    });
    const cont = ctx.label("slp");
    return w.block(null, [
      w.set(v, loop.lo ? ctx.expr(loop.lo) : w.i32(0)),
      w.set(hi, loop.hi ? ctx.expr(loop.hi) : w.i32(loop.extent)),
      w.if(i("lt_s", w.get(v, W.i32), w.get(hi, W.i32)), w.block(null, [
        ...this.prologue, ...init,
        w.loop(cont, w.block(null, [...body, w.br(cont, i("lt_s", w.get(v, W.i32), w.get(hi, W.i32)))])),
        ...fini,
      ])),
    ]);
  }
}

