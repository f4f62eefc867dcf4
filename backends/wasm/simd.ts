/**
 * @fileoverview The SIMD128 loop vectorizer, the hook the kernel builder calls on every `for`
 * loop. In order of preference: a loop whose body holds register tiles (simd-region.ts) keeps
 * them in v128 registers; a partial-sum reduction loop (slp-plan.ts) becomes v128
 * accumulators; an innermost loop planned by vectorize-plan.ts runs four iterations at a time
 * plus the scalar remainder. Values of every lane type are held as four 32-bit lanes: f32 as
 * f32x4, integers sign/zero-extended in i32x4, bool as a lane mask.
 */
import { DType, byteSize } from "../../ir/dtype.ts";
import { Buffer, Expr, Var } from "../../ir/tir.ts";
import { Ref, W } from "./binaryen.ts";
import { ForStmt, KernelContext, SimdLoopHook } from "./context.ts";
import { SlpPlan, planSlp } from "./slp-plan.ts";
import { LANES, Reduction, SimdPlan, key, planLoop } from "./vectorize-plan.ts";
import { Pool, VectorExprs, poolOf } from "./simd-exprs.ts";
import { RegionBuilder, countedLoop, isRegion, items, planRegions } from "./simd-region.ts";

/** Remainder loops this file hands back to the scalar builder, which must not vectorize them again. */
const remainders = new WeakSet<ForStmt>();
export const trySimdLoop: SimdLoopHook = (loop, ctx) => {
  if (!ctx.w.simd || remainders.has(loop)) return null;
  const pool = poolOf(ctx), mark = pool.mark();
  try {
    const regions = planRegions(items(loop.body));
    if (regions) {
      const body = regions.map((x) => (isRegion(x) ? new RegionBuilder(x, ctx, pool).build() : ctx.stmt(x)));
      return countedLoop(ctx, loop, body, pool);
    }
    const slp = planSlp(loop);
    if (slp) return new SlpBuilder(slp, ctx, pool).build();
    const r = planLoop(loop);
    if (!r.ok) return null;
    if (!r.plan.loop.lo && !r.plan.loop.hi && r.plan.loop.extent < LANES) return null;
    return new LoopBuilder(r.plan, ctx, pool).build();
  } finally {
    pool.release(mark);
  }
};

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

  /** Hoisted byte address of element `base` (the index at v = 0) plus stride * v elements. */
  private pointer(buf: Buffer, base: Expr, stride = 1): { ptr: Ref; key: string } {
    const w = this.ctx.w, k = `${buf.name}|${key(base)}`;
    let l = this.bases.get(k);
    if (l === undefined) {
      l = this.pool.local(W.i32);
      this.bases.set(k, l);
      this.prologue.push(w.set(l, this.ctx.address(buf, base)));
    }
    const size = byteSize(buf.dtype), v = w.get(this.ctx.local(this.v), W.i32);
    const shift = Math.log2(size * stride);
    const off = shift === 0 ? v : w.op("i32", "shl", v, w.i32(shift));
    return { ptr: w.op("i32", "add", w.get(l, W.i32), off), key: key(base) };
  }

  protected override strideOf(e: Expr): number { return this.plan.stride2.has(e) ? 2 : 1; }

  protected loadAddress(e: Extract<Expr, { k: "load" }>): { ptr: Ref; key: string } {
    return this.pointer(e.buf, this.plan.base.get(e)!, this.strideOf(e));
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
    super(ctx, pool, plan.loop.v, plan.lanes.mode, new Set([plan.loop.v.name]));
  }

  protected localVec(): number | undefined { return undefined; }
  protected override strideOf(e: Expr): number { return this.plan.lanes.stride.get(e) ?? 1; }

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

