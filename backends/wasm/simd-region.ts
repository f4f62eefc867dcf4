/**
 * @fileoverview Register tiles in v128 registers. In a loop body, a run of scalar declarations
 * followed by a loop nest whose innermost body only accumulates into them (the register-tile
 * schedule of Conv/MatMul/Gemm, or partial sums) keeps each group of four accumulators that
 * match lane by lane in one v128 local from declaration to store; four stores of consecutive
 * outputs become one v128 store. Each lane computes exactly its scalar's sequence of operations.
 */
import { byteSize } from "../../ir/dtype.ts";
import { Buffer, Expr, Stmt, c, substExpr } from "../../ir/tir.ts";
import { coeffOf, mentions } from "../../ir/affine.ts";
import { Ref, W } from "./binaryen.ts";
import { ForStmt, KernelContext } from "./context.ts";
import { GroupOf, LaneMatch, SlpGroup, matchLanes, newLaneMatch, reductionGroup } from "./slp-plan.ts";
import { LANES, Reduction, asReduction, key, laneType, linear, combine, loadsOf, varsIn } from "./vectorize-plan.ts";
import { Pool, VectorExprs } from "./simd-exprs.ts";

type Decl = Extract<Stmt, { k: "decl" }>;
type Store = Extract<Stmt, { k: "store" }>;

interface StoreGroup { k: "store4"; buf: Buffer; index: Expr; value: Expr; valueType: Expr["dtype"]; width: number }

interface Region {
  k: "region";
  decls: Decl[];
  /** Outermost first; the last one's body is `inner`. */
  nest: ForStmt[];
  inner: (SlpGroup | Stmt)[];
  groups: SlpGroup[];
  /** Lane 0's declaration value of each group when the four match, else undefined (built from scalars). */
  inits: (Expr | undefined)[];
  after: (StoreGroup | Stmt)[];
  lanes: LaneMatch;
  /** Statements after the region read group variables: their scalars must be written back. */
  writeBack: boolean;
}

const isGroup = (x: SlpGroup | Stmt): x is SlpGroup => "vars" in x;
const isStore4 = (x: StoreGroup | Stmt): x is StoreGroup => x.k === "store4";

/** The statements of a body with nested seqs flattened. */
export function items(s: Stmt): Stmt[] {
  return s.k === "seq" ? s.body.flatMap(items) : [s];
}

/** The body with tile regions found, or undefined when there is none worth vectorizing. */
export function planRegions(body: Stmt[]): (Region | Stmt)[] | undefined {
  const out: (Region | Stmt)[] = [];
  let found = false;
  for (let i = 0; i < body.length;) {
    if (body[i]!.k !== "decl") { out.push(body[i++]!); continue; }
    let j = i;
    while (j < body.length && body[j]!.k === "decl") j++;
    let end = j + 1;
    while (end < body.length && body[end]!.k !== "decl") end++;
    const r = region(body.slice(i, j) as Decl[], body[j], body.slice(j + 1, end));
    if (!r) { out.push(...body.slice(i, j)); i = j; continue; }
    r.writeBack = body.slice(end).some((s) => r.groups.some((g) => g.vars.some((v) => stmtMentions(s, v.name))));
    out.push(r);
    found = true;
    i = end;
  }
  return found ? out : undefined;
}

function region(decls: Decl[], nestStmt: Stmt | undefined, rest: Stmt[]): Region | undefined {
  if (!nestStmt || nestStmt.k !== "for") return undefined;
  const nest: ForStmt[] = [nestStmt];
  let inner = items(nestStmt.body);
  while (inner.length === 1 && inner[0]!.k === "for") { nest.push(inner[0]); inner = items(inner[0].body); }
  const declared = new Set(decls.map((d) => d.v.name));
  const reds: Reduction[] = [];
  for (const s of inner) {
    if (s.k !== "assign") return undefined;
    const r = asReduction(s);
    if (!r || !declared.has(r.v.name) || varsIn(r.operand).some((n) => declared.has(n))) return undefined;
    reds.push(r);
  }
  const lanes = newLaneMatch();
  const groups: SlpGroup[] = [];
  const innerItems: (SlpGroup | Stmt)[] = [];
  const used = new Set<string>();
  for (let p = 0; p < reds.length;) {
    let g: SlpGroup | undefined;
    // Four lanes, else the two or three left at the end of a row.
    for (let n = LANES; n >= 2 && !g; n--) {
      const some = reds.slice(p, p + n);
      const names = new Set(some.map((r) => r.v.name));
      if (some.length === n && names.size === n && ![...names].some((x) => used.has(x))) g = reductionGroup(some, () => undefined, lanes);
    }
    if (g) { groups.push(g); innerItems.push(g); g.vars.forEach((v) => used.add(v.name)); p += g.vars.length; }
    else { innerItems.push(reds[p]!.stmt); p++; }
  }
  if (!groups.length) return undefined;
  // A scalar update of a grouped accumulator would need its lane: leave such tiles scalar.
  for (const x of innerItems) if (!isGroup(x) && x.k === "assign" && used.has(x.v.name)) return undefined;
  const groupOf: GroupOf = (name) => {
    for (let id = 0; id < groups.length; id++) {
      const lane = groups[id]!.vars.findIndex((v) => v.name === name);
      if (lane >= 0) return { id, lane };
    }
    return undefined;
  };
  const declOf = new Map(decls.map((d) => [d.v.name, d]));
  if (decls.some((d) => varsIn(d.init).some((n) => used.has(n)))) return undefined;
  const inits = groups.map((g) => {
    const es = g.vars.map((v) => declOf.get(v.name)!.init);
    return es.every((e) => e.dtype === g.vars[0]!.dtype) && matchLanes(es, () => undefined, lanes) ? es[0] : undefined;
  });
  // After the nest: stores of four consecutive outputs from one group, else scalar statements.
  const after: (StoreGroup | Stmt)[] = [];
  let scalar = false;
  for (let q = 0; q < rest.length;) {
    let g: StoreGroup | undefined;
    for (let n = LANES; n >= 2 && !g && !scalar; n--) g = storeGroup(rest.slice(q, q + n), n, groupOf, (id) => groups[id]!.vars.length, lanes);
    if (g) { after.push(g); q += g.width; continue; }
    const s = rest[q++]!;
    if ([...used].some((n) => stmtMentions(s, n))) scalar = true;
    after.push(s);
  }
  return { k: "region", decls, nest, inner: innerItems, groups, inits, after, lanes, writeBack: false };
}

function storeGroup(four: Stmt[], n: number, groupOf: GroupOf, widthOf: (g: number) => number, lanes: LaneMatch): StoreGroup | undefined {
  if (four.length !== n || four.some((s) => s.k !== "store")) return undefined;
  const st = four as Store[], buf = st[0]!.buf;
  if (!laneType(buf.dtype) || st.some((s) => s.buf.name !== buf.name || s.value.dtype !== st[0]!.value.dtype)) return undefined;
  if (n < LANES && byteSize(buf.dtype) !== 4) return undefined;
  const l0 = linear(st[0]!.index);
  if (!l0) return undefined;
  for (let l = 1; l < n; l++) {
    const li = linear(st[l]!.index);
    const d = li && combine(li, l0, -1);
    if (!d || d.terms.size || d.k !== l) return undefined;
  }
  const trial = newLaneMatch();
  if (!laneType(st[0]!.value.dtype) || !matchLanes(st.map((s) => s.value), groupOf, trial)) return undefined;
  // Lane l's value may read memory only where lane l stores (or weights): all four are read first.
  // A buffer of another size is never the stored one (only same-shape values share storage).
  for (const ld of loadsOf(st[0]!.value)) {
    if (ld.buf.scope === "param" || numelOf(ld.buf) !== numelOf(buf)) continue;
    const li = linear(ld.index), d = li && combine(li, l0, -1);
    if (trial.mode.get(ld) !== "vector" || trial.stride.get(ld) !== 1 || !d || d.terms.size || d.k !== 0) return undefined;
  }
  // A group of fewer lanes must be stored by a group of the same width.
  if ([...trial.group.values()].some((g) => widthOf(g) !== n)) return undefined;
  for (const [k, v] of trial.mode) lanes.mode.set(k, v);
  for (const [k, v] of trial.stride) lanes.stride.set(k, v);
  for (const [k, v] of trial.group) lanes.group.set(k, v);
  for (const [k, v] of trial.width) lanes.width.set(k, v);
  return { k: "store4", buf, index: st[0]!.index, value: st[0]!.value, valueType: st[0]!.value.dtype, width: n };
}

const numelOf = (b: Buffer) => b.shape.reduce((a, d) => a * d, 1);

function stmtMentions(s: Stmt, name: string): boolean {
  switch (s.k) {
    case "for": return (!!s.lo && mentions(s.lo, name)) || (!!s.hi && mentions(s.hi, name)) || stmtMentions(s.body, name);
    case "store": return mentions(s.index, name) || mentions(s.value, name);
    case "seq": return s.body.some((x) => stmtMentions(x, name));
    case "if": return mentions(s.c, name) || stmtMentions(s.then, name) || (!!s.else && stmtMentions(s.else, name));
    case "decl": return s.v.name === name || mentions(s.init, name);
    case "assign": return s.v.name === name || mentions(s.value, name);
  }
}

export const isRegion = (x: Region | Stmt): x is Region => x.k === "region";

/** `for` as the scalar builder runs it, around a prepared body. */
export function countedLoop(ctx: KernelContext, f: ForStmt, body: Ref[], pool: Pool): Ref {
  const w = ctx.w, i = (n: string, ...a: Ref[]) => w.op("i32", n, ...a);
  const v = ctx.local(f.v), cont = ctx.label("tile");
  if (!f.lo && !f.hi) {
    if (f.extent <= 0) return w.nop();
    return w.block(null, [
      w.set(v, w.i32(0)),
      w.loop(cont, w.block(null, [...body, w.br(cont, i("lt_s", w.tee(v, i("add", w.get(v, W.i32), w.i32(1)), W.i32), w.i32(f.extent)))])),
    ]);
  }
  const hi = pool.local(W.i32), brk = ctx.label("tiled");
  return w.block(brk, [
    w.set(v, f.lo ? ctx.expr(f.lo) : w.i32(0)),
    w.set(hi, f.hi ? ctx.expr(f.hi) : w.i32(f.extent)),
    w.br(brk, i("ge_s", w.get(v, W.i32), w.get(hi, W.i32))),
    w.loop(cont, w.block(null, [...body, w.br(cont, i("lt_s", w.tee(v, i("add", w.get(v, W.i32), w.i32(1)), W.i32), w.get(hi, W.i32)))])),
  ]);
}

export class RegionBuilder extends VectorExprs {
  private readonly locals: number[];
  private readonly pointers = new Map<string, number>();
  private readonly preheader: Ref[] = [];
  private readonly bumps: Ref[] = [];
  private inInner = false;
  /** Which unrolled copy of the innermost body is being built. */
  private copy = 0;
  /** The innermost loop is unrolled: `copy` is its variable's value. */
  private unrolled = false;

  constructor(private readonly r: Region, ctx: KernelContext, pool: Pool) {
    super(ctx, pool, r.nest[r.nest.length - 1]!.v, r.lanes.mode, new Set([...r.nest.map((f) => f.v.name), ...r.decls.map((d) => d.v.name)]));
    this.locals = r.groups.map(() => pool.local(W.v128));
  }

  protected localVec(): number | undefined { return undefined; }
  protected override groupVec(e: Expr): number | undefined {
    const g = this.r.lanes.group.get(e);
    return g === undefined ? undefined : this.locals[g];
  }
  protected override strideOf(e: Expr): number { return this.r.lanes.stride.get(e) ?? 1; }
  protected override widthOf(e: Expr): number { return this.r.lanes.width.get(e) ?? LANES; }
  protected loadAddress(e: Extract<Expr, { k: "load" }>): { ptr: Ref; key: string; offset?: number } {
    return this.innerPointer(e.buf, e.index) ?? { ptr: this.ctx.address(e.buf, e.index), key: key(e.index) };
  }

  protected override splatLoad(e: Extract<Expr, { k: "load" }>): Ref | undefined {
    if (byteSize(e.dtype) !== 4 || !laneType(e.dtype)) return undefined;
    const p = this.innerPointer(e.buf, e.index);
    return p && this.ctx.w.op("v128", "load32_splat", p.offset, 4, p.ptr);
  }

  /**
   * In the innermost loop, an address is a pointer set before the loop and advanced by a
   * constant each iteration, with the index's constant term as the instruction's offset.
   */
  private innerPointer(buf: Buffer, index: Expr): { ptr: Ref; key: string; offset: number } | undefined {
    const inner = this.r.nest[this.r.nest.length - 1]!, v = inner.v.name;
    if (!this.inInner || inner.lo || inner.hi) return undefined;
    // The step must be the same every iteration: an index like x[r / 2] is not a bumped pointer,
    // except in an unrolled copy, where r is a constant and the index folds.
    let step = coeffOf(index, v);
    if (step === undefined && this.unrolled) {
      index = substExpr(index, new Map([[v, c(this.copy)]]));
      step = 0;
    }
    if (step === undefined) return undefined;
    let rest = substExpr(index, new Map([[v, c(0)]]));
    if (mentions(rest, v)) return undefined;
    let off = 0;
    if (rest.k === "bin" && rest.op === "add" && rest.b.k === "const" && rest.b.v >= 0) { off = rest.b.v; rest = rest.a; }
    const size = byteSize(buf.dtype), k = `${buf.name}|${key(rest)}|${step}`;
    // Unrolled copy j reads j steps further through the same pointer.
    const offset = (off + this.copy * step) * size;
    if (offset < 0) return undefined;
    let p = this.pointers.get(k);
    if (p === undefined) {
      p = this.pool.local(W.i32);
      this.pointers.set(k, p);
      const w = this.ctx.w;
      this.preheader.push(w.set(p, this.ctx.address(buf, rest)));
      if (step) this.bumps.push(w.set(p, w.op("i32", "add", w.get(p, W.i32), w.i32(step * size))));
    }
    return { ptr: this.ctx.w.get(p, W.i32), key: `${k}|${offset}`, offset };
  }

  build(): Ref {
    const { ctx, r } = this, w = ctx.w;
    const grouped = new Set(r.groups.flatMap((g) => g.vars.map((v) => v.name)));
    const head: Ref[] = [];
    for (const d of r.decls) if (!grouped.has(d.v.name)) head.push(ctx.stmt(d));
    // Declarations: nothing hoisted above them.
    this.hoist = false;
    r.groups.forEach((g, gi) => {
      const t = g.vars[0]!.dtype, init = r.inits[gi];
      const x = init ? this.vec(init)
        : this.ops.build(g.vars.map((v) => ctx.expr(r.decls.find((d) => d.v.name === v.name)!.init)), t);
      head.push(...this.flush(), w.set(this.locals[gi]!, x));
    });
    this.hoist = true;
    const nests: Ref[] = [];
    const innerLoop = r.nest[r.nest.length - 1]!;
    // A short innermost loop (a 3x3 window's row) is unrolled: the copies differ only in offsets.
    const unroll = !innerLoop.lo && !innerLoop.hi && innerLoop.extent <= MAX_UNROLL ? innerLoop.extent : 0;
    this.unrolled = unroll > 0;
    for (const part of passes(r.inner)) {
      this.pointers.clear();
      this.preheader.length = 0;
      this.bumps.length = 0;
      this.inInner = true;
      const body: Ref[] = [];
      for (let copy = 0; copy < Math.max(1, unroll); copy++) {
        this.copy = copy;
        this.nextIteration();
        if (unroll) body.push(w.set(ctx.local(innerLoop.v), w.i32(copy)));
        for (const x of part) {
          if (!isGroup(x)) { body.push(...this.flush(), ctx.stmt(x)); continue; }
          const gi = r.groups.indexOf(x), t = x.vars[0]!.dtype, acc = w.get(this.locals[gi]!, W.v128);
          const red = asReduction(findAssign(r, x))!;
          const left = red.stmt.value.k === "bin" && red.stmt.value.a.k === "var" && red.stmt.value.a.name === red.v.name;
          const v = this.vec(x.operand);
          body.push(...this.flush(), w.set(this.locals[gi]!, left ? this.ops.bin(x.op, acc, v, t) : this.ops.bin(x.op, v, acc, t)));
        }
      }
      this.inInner = false;
      this.copy = 0;
      let nest: Ref = unroll ? w.block(null, [...this.preheader, ...body])
        : w.block(null, [...this.preheader, countedLoop(ctx, innerLoop, [...body, ...this.bumps], this.pool)]);
      for (let k = r.nest.length - 2; k >= 0; k--) nest = countedLoop(ctx, r.nest[k]!, [nest], this.pool);
      nests.push(nest);
    }
    const prologue = this.prologue.splice(0);
    // After the nest: stores may have changed memory, so values are computed in place.
    this.hoist = false;
    this.nextIteration();
    const tail: Ref[] = [];
    let written = false;
    const writeBack = () => {
      if (written) return;
      written = true;
      r.groups.forEach((g, gi) => g.vars.forEach((v, l) =>
        tail.push(w.set(ctx.local(v), this.ops.extract(w.get(this.locals[gi]!, W.v128), l, v.dtype)))));
    };
    for (const x of r.after) {
      if (isStore4(x)) {
        const val = this.ops.cast(this.vec(x.value), x.valueType, x.buf.dtype);
        const pending = this.flush();
        if (x.width === LANES) tail.push(...pending, this.ops.store(x.buf.dtype, ctx.address(x.buf, x.index), val));
        else {
          // Lanes 0-1 as one 64-bit store, lane 2 as a 32-bit one.
          const p = this.pool.local(W.i32), t = this.pool.local(W.v128);
          tail.push(...pending, w.set(p, ctx.address(x.buf, x.index)), w.set(t, val),
            w.op("v128", "store64_lane", 0, 4, 0, w.get(p, W.i32), w.get(t, W.v128)));
          if (x.width === 3) tail.push(w.op("v128", "store32_lane", 8, 4, 2, w.get(p, W.i32), w.get(t, W.v128)));
        }
        this.nextIteration();
        continue;
      }
      if (r.groups.some((g) => g.vars.some((v) => stmtMentions(x, v.name)))) writeBack();
      tail.push(ctx.stmt(x));
    }
    if (r.writeBack) writeBack();
    return w.block(null, [...head, ...prologue, ...nests, ...tail]);
  }
}

/**
 * Accumulators live in one pass of the nest. x86-64 has 16 vector registers: with more live
 * accumulators than about 12 (plus the loaded row and a splat), the engine spills them every
 * iteration. Groups are independent reductions that read no memory the nest writes, so the nest
 * can run once per slice of them.
 */
const LIVE_ACCUMULATORS = 12;
/** Innermost loops up to this trip count are unrolled. */
const MAX_UNROLL = 4;

function passes(inner: (SlpGroup | Stmt)[]): (SlpGroup | Stmt)[][] {
  const groups = inner.filter(isGroup), scalars = inner.filter((x) => !isGroup(x));
  const n = Math.max(1, Math.ceil(groups.length / LIVE_ACCUMULATORS));
  const size = Math.ceil(groups.length / n);
  const out: (SlpGroup | Stmt)[][] = [];
  for (let i = 0; i < n; i++) out.push(groups.slice(i * size, (i + 1) * size));
  out[out.length - 1]!.push(...scalars);
  return out;
}

function findAssign(r: Region, g: SlpGroup): Extract<Stmt, { k: "assign" }> {
  const inner = items(r.nest[r.nest.length - 1]!.body);
  return inner.find((s): s is Extract<Stmt, { k: "assign" }> => s.k === "assign" && s.v.name === g.vars[0]!.name)!;
}
