/**
 * @fileoverview The loop vectorizer: rewrites each innermost loop it can prove safe into vector
 * Tensor IR for a target description, as a main loop of whole vectors and a scalar tail loop for
 * the remainder. Lane-invariant values are broadcast; the loop variable becomes a ramp; loads
 * are contiguous, strided or gathered by how their index moves with the loop; scalars the loop
 * only combines with add/mul/min/max become vector accumulators reduced after the loop.
 *
 * Kernel buffers do not alias (the C backend declares them restrict), so the only dependences
 * are through a buffer the loop both reads and writes, which must be read at the element each
 * iteration writes.
 */
import { DType, isFloat, isSigned, bitWidth } from "../ir/dtype.ts";
import { coeffOf } from "../ir/affine.ts";
import { TargetDesc, lanesOf } from "../ir/target.ts";
import {
  BinOp, Expr, HReduceOp, PrimFunc, Stmt, Var, VecShape, bin, c, conjuncts, exprChildren, hasLoop, mapExpr, mkVar, mul, stmtExprs, substExpr, substStmt,
} from "../ir/tir.ts";
import * as V from "../ir/vec.ts";
import { exprKey } from "./te-inline.ts";
import { collapseLoops, only } from "./loop-collapse.ts";

type For = Extract<Stmt, { k: "for" }>;
type Store = Extract<Stmt, { k: "store" }>;

export interface LoopDecision {
  loop: string;
  /** Lanes of the main loop when it vectorized. */
  lanes?: number;
  /** Why it stayed scalar. */
  reason?: string;
}

export interface VectorizeResult {
  f: PrimFunc;
  loops: LoopDecision[];
}

const REDUCIBLE: ReadonlySet<BinOp> = new Set<BinOp>(["add", "mul", "min", "max"]);
const INT_DIVIDE: ReadonlySet<BinOp> = new Set<BinOp>(["div", "mod", "floordiv", "floormod"]);

/**
 * `alias` maps a param to its storage group: params of one group may share memory (an in-place
 * call) and count as one buffer for dependences. Absent, every param is its own.
 */
export function vectorize(f: PrimFunc, target: TargetDesc, alias?: ReadonlyMap<string, string>): VectorizeResult {
  const group = (b: { name: string }) => alias?.get(b.name) ?? b.name;
  const loops: LoopDecision[] = [];
  if (!target.vectorBits) return { f, loops };
  const walk = (s: Stmt): Stmt[] => {
    switch (s.k) {
      case "seq": return [{ k: "seq", body: s.body.flatMap(walk) }];
      case "if": return [{ ...s, then: block(walk(s.then)), ...(s.else ? { else: block(walk(s.else)) } : {}) }];
      case "for": {
        const inner = only(s.body);
        if (inner.k === "for" && !hasLoop(inner.body)) {
          const one = collapseLoops(s, (n) => n < target.vectorBits! / 32);
          if (one !== s) return walk(one);
        }
        if (hasLoop(s.body)) return [{ ...s, body: block(walk(s.body)) }];
        const plan = planLoop(s, target, group);
        loops.push(typeof plan === "string" ? { loop: s.v.name, reason: plan } : { loop: s.v.name, lanes: plan.lanes });
        return typeof plan === "string" ? [s] : target.scalable ? rewriteScalable(s, plan) : rewrite(s, plan);
      }
      default: return [s];
    }
  };
  return { f: { ...f, body: block(walk(f.body)) }, loops };
}

const block = (body: Stmt[]): Stmt => (body.length === 1 ? body[0]! : { k: "seq", body });


function flat(s: Stmt): Stmt[] {
  return s.k === "seq" ? s.body.flatMap(flat) : [s];
}

interface Reduction { v: Var; op: HReduceOp; operand: Expr }

interface Plan {
  lanes: number;
  body: Stmt[];
  /** Scalars declared in the body: vector variables in the main loop. */
  locals: Set<string>;
  reductions: Map<string, Reduction>;
  /** The body reads a buffer it stores to (at the element it writes). */
  readsStored: boolean;
}

/** The element types the body loads and stores. */
function memoryTypes(body: Stmt[]): DType[] {
  const out: DType[] = [];
  for (const s of body) {
    if (s.k === "store") out.push(s.buf.dtype);
    for (const e of stmtExprs(s)) mapExpr(e, (x) => { if (x.k === "load") out.push(x.buf.dtype); return undefined; });
  }
  return out;
}

/** The plan for `loop`, or why it stays scalar. */
function planLoop(loop: For, target: TargetDesc, group: (b: { name: string }) => string): Plan | string {
  if (loop.kind !== "serial" && loop.kind !== "vectorize") return `a ${loop.kind} loop`;
  if ((loop.lo || loop.hi) && target.scalable) return "bounds computed at run time";
  if (loop.v.dtype !== "i32") return "the loop variable is not i32";
  const body = flat(loop.body);
  for (const s of body) if (s.k !== "store" && s.k !== "decl" && s.k !== "assign") return `an ${s.k} in the body`;
  if (body.some((s) => ((s.k === "decl" || s.k === "assign") && s.v.lanes) || stmtExprs(s).some(V.isVector))) return "already vector code (a vector register tile)";

  const locals = new Set<string>();
  for (const s of body) if (s.k === "decl") locals.add(s.v.name);
  const varying = new Set([loop.v.name, ...locals]);
  const varies = (e: Expr): boolean => mentionsAny(e, varying);

  // Assigned scalars declared outside must be reductions, read nowhere else in the body.
  const reductions = new Map<string, Reduction>();
  for (const s of body) {
    if (s.k !== "assign" || locals.has(s.v.name)) continue;
    const r = asReduction(s);
    if (!r) return `${s.v.name} is assigned in the loop but is not a reduction`;
    if (reductions.has(s.v.name)) return `${s.v.name} is reduced twice`;
    reductions.set(s.v.name, r);
  }
  // Partitioned copies of one loop share a block: their vector accumulators would share names.
  if ((loop.lo || loop.hi) && reductions.size) return "a reduction over bounds computed at run time";
  for (const s of body)
    for (const e of stmtExprs(s))
      for (const name of reductions.keys())
        if (mentionsAny(e, new Set([name])) && !(s.k === "assign" && s.v.name === name && e === s.value && readsOnce(s.value, name)))
          return `reduction ${name} is read in the loop`;

  // Types: every value must be one the vector forms carry.
  let lanes = Infinity;
  for (const s of body) {
    const types: DType[] = s.k === "store" ? [s.buf.dtype] : s.k === "decl" || s.k === "assign" ? [s.v.dtype] : [];
    for (const e of stmtExprs(s)) mapExpr(e, (x) => { types.push(x.dtype); return undefined; });
    for (const t of types) {
      if (!target.vectorTypes.includes(t)) return `a ${t} value`;
      lanes = Math.min(lanes, lanesOf(target, t));
    }
  }
  if (lanes < 2) return "the target has no vectors of these types";
  // Narrow values widen into 32-bit lanes: with few lanes a copy of them costs more than it saves
  // (measured on aarch64); the bounded loops are such copies.
  if ((loop.lo || loop.hi) && lanes < 8 && memoryTypes(body).every((t) => bitWidth(t) < 32))
    return "narrow loads and stores with bounds computed at run time, on vectors of fewer than 8 lanes";
  if (loop.extent < lanes) return `${loop.extent} iterations, fewer than ${lanes} lanes`;
  // Register pressure: each accumulator and local is a live vector across the loop.
  const live = reductions.size + locals.size;
  if (target.vectorRegisters && live > target.vectorRegisters / 2)
    return `${live} vector accumulators and locals, more than half the target's ${target.vectorRegisters} registers`;
  // Gathers cost a load per lane: a loop that mostly gathers runs no faster as vectors.
  let contiguous = 0, scattered = 0;
  for (const s of body)
    for (const e of stmtExprs(s))
      mapExpr(e, (x) => {
        if (x.k === "load" && mentionsAny(x, varying)) {
          if (coeffOf(x.index, loop.v.name) === 1 && !mentionsAny(x.index, locals)) contiguous++;
          else scattered++;
        }
        return undefined;
      });
  if (scattered > contiguous) return `${scattered} gathered or strided loads against ${contiguous} contiguous ones`;

  // Stores are contiguous, one per buffer; a buffer read and written is read where it is written.
  const stored = new Map<string, Store>();
  for (const s of body) {
    if (s.k !== "store") continue;
    if (stored.has(group(s.buf))) return `${s.buf.name} is stored twice`;
    if (coeffOf(s.index, loop.v.name) !== 1 || mentionsAny(s.index, locals)) return `the store to ${s.buf.name} is not contiguous`;
    stored.set(group(s.buf), s);
  }
  for (const s of body)
    for (const e of stmtExprs(s)) {
      const bad = findLoad(e, (l) => {
        const st = stored.get(group(l.buf));
        return !!st && (exprKey(l.index) !== exprKey(st.index) || l.dtype !== st.buf.dtype);
      });
      if (bad) return `${bad.buf.name} is read at another element than the one written`;
    }
  for (const s of body)
    for (const e of stmtExprs(s)) {
      const why = unsafeLanes(e, varies, false);
      if (why) return why;
    }
  const readsStored = body.some((s) => stmtExprs(s).some((e) => !!findLoad(e, (l) => stored.has(group(l.buf)))));
  return { lanes, body, locals, reductions, readsStored };
}

/** acc = op(acc, x) or op(x, acc) with x free of acc. */
function asReduction(s: Extract<Stmt, { k: "assign" }>): Reduction | undefined {
  const e = s.value;
  if (e.k !== "bin" || !REDUCIBLE.has(e.op)) return undefined;
  const self = (x: Expr) => x.k === "var" && x.name === s.v.name;
  const operand = self(e.a) ? e.b : self(e.b) ? e.a : undefined;
  if (!operand || mentionsAny(operand, new Set([s.v.name]))) return undefined;
  return { v: s.v, op: e.op as HReduceOp, operand };
}

function readsOnce(e: Expr, name: string): boolean {
  let n = 0;
  mapExpr(e, (x) => { if (x.k === "var" && x.name === name) n++; return undefined; });
  return n === 1;
}

export function mentionsAny(e: Expr, names: ReadonlySet<string>): boolean {
  if (e.k === "var") return names.has(e.name);
  return exprChildren(e).some((x) => mentionsAny(x, names));
}

function findLoad(e: Expr, pred: (l: Extract<Expr, { k: "load" }>) => boolean): Extract<Expr, { k: "load" }> | undefined {
  if (e.k === "load" && pred(e)) return e;
  for (const x of exprChildren(e)) {
    const r = findLoad(x, pred);
    if (r) return r;
  }
  return undefined;
}


/**
 * Why computing every lane is unsafe where scalar code computes only some: a load or an
 * integer division under a lane-dependent select (out of bounds, or by zero, in the other
 * lanes), or an integer division by a lane-dependent value.
 */
export function unsafeLanes(e: Expr, varies: (e: Expr) => boolean, guarded: boolean): string | undefined {
  if (e.k === "load" && guarded) return "a load under a lane-dependent condition";
  // A zero-filled guarded load becomes a masked load (vectorizeExpr).
  const fill = e.k === "select" ? zeroFill(e, varies) : undefined;
  if (fill) return unsafeLanes((e as Extract<Expr, { k: "select" }>).c, varies, guarded) ?? unsafeLanes(fill.load.index, varies, guarded);
  if (e.k === "bin" && INT_DIVIDE.has(e.op) && !isFloat(e.dtype) && (guarded || varies(e.b)))
    return "an integer division by a lane-dependent value";
  if (e.k === "select") {
    const g = guarded || varies(e.c);
    return unsafeLanes(e.c, varies, guarded) ?? unsafeLanes(e.a, varies, g) ?? unsafeLanes(e.b, varies, g);
  }
  for (const x of exprChildren(e)) {
    const r = unsafeLanes(x, varies, guarded);
    if (r) return r;
  }
  return undefined;
}

/** The identity of a reduction: acc op identity = acc. */
function identity(op: HReduceOp, t: DType): Expr {
  if (op === "add") return c(0, t);
  if (op === "mul") return c(1, t);
  if (isFloat(t)) return c(op === "min" ? Infinity : -Infinity, t);
  const bits = bitWidth(t);
  const lo = isSigned(t) ? -(2 ** (bits - 1)) : 0, hi = isSigned(t) ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return c(op === "min" ? hi : lo, t);
}

/**
 * e as a vector of `shape` lanes, lane l at `lane.v` = base + l: lane-invariant values are
 * broadcast, loads are contiguous, strided or gathered by how their index moves with lane.v, and
 * `vectors` gives the vector value of scalars that differ per lane. Under `mask`, lanes outside
 * it read nothing.
 */
export function vectorizeExpr(e: Expr, lane: { v: string; base: Expr }, shape: VecShape, vectors: ReadonlyMap<string, Expr>, mask?: Expr): Expr {
  const locals = new Set(vectors.keys()), varying = new Set([lane.v, ...locals]);
  const at = new Map([[lane.v, lane.base]]);
  const vec = (e: Expr): Expr => {
    if (!mentionsAny(e, varying)) return V.bcast(e, shape);
    switch (e.k) {
      case "var": return e.name === lane.v ? V.ramp(lane.base, 1, shape) : vectors.get(e.name)!;
      case "load": {
        const k = mentionsAny(e.index, locals) ? undefined : coeffOf(e.index, lane.v);
        return k === undefined ? V.vload(e.buf, vec(e.index), mask) : V.vload(e.buf, V.ramp(substExpr(e.index, at), k, shape), mask);
      }
      case "bin": return V.vbin(e.op, vec(e.a), vec(e.b));
      case "un": return V.vun(e.op, vec(e.a));
      case "cast": return V.vcast(vec(e.a), e.dtype);
      case "bitcast": return V.vbitcast(vec(e.a), e.dtype);
      case "select": {
        const fill = zeroFill(e, (x) => mentionsAny(x, varying));
        if (!fill) return V.vselect(vec(e.c), vec(e.a), vec(e.b));
        // Lanes outside the condition read nothing: the select is a masked load. The mask holds
        // the lane-invariant conjuncts too (the load must not run where they fail); the select
        // keeps them for loop partitioning, which removes it where they always hold.
        const m = vec(fill.invariant ? bin("land", fill.invariant, fill.lane) : fill.lane);
        // A value computed from the load (x - x_zp) is zero only where selected.
        const direct = e.a.k === "load";
        const value = mapExpr(vec(e.a), (x) => {
          if (x.k !== "load" || x.buf !== fill.load.buf || !V.isVector(x)) return undefined;
          return V.vload(x.buf, x.index, x.mask ? V.vbin("land", x.mask, m) : m);
        });
        if (!direct) return V.vselect(m, value, vec(e.b));
        return fill.invariant ? V.vselect(V.bcast(fill.invariant, shape), value, vec(e.b)) : value;
      }
      default: throw new Error(`internal error: vectorize met ${e.k}`);
    }
  };
  return vec(e);
}

/**
 * select(c, load, 0) where c varies by lane: the load is made only where c holds, which a masked
 * load does (masked lanes read 0 and touch no memory). Returns c's lane-varying conjuncts and its
 * lane-invariant ones (kept as a select, which loop partitioning can split on).
 */
function zeroFill(e: Extract<Expr, { k: "select" }>, varies: (x: Expr) => boolean): { lane: Expr; invariant?: Expr; load: Load } | undefined {
  if (e.b.k !== "const" || e.b.v !== 0 || !varies(e.c)) return undefined;
  const load = maskableLoad(e.a, varies);
  if (!load || !safeIndex(load.index)) return undefined;
  const cjs = conjuncts(e.c);
  const lane = cjs.filter(varies), inv = cjs.filter((x) => !varies(x));
  const and = (xs: Expr[]) => xs.reduce((a, b) => bin("land", a, b));
  return { lane: and(lane), ...(inv.length ? { invariant: and(inv) } : {}), load };
}

type Load = Extract<Expr, { k: "load" }>;

/**
 * The one load a guarded value is computed from, when a masked load of it can stand for the
 * value's loads: the value is that load through casts and arithmetic with values that do not
 * vary (`varies`) and read only at constant indices, such as an integer input less its zero point.
 */
export function maskableLoad(a: Expr, varies: (x: Expr) => boolean): Load | undefined {
  if (a.k === "load") return a;
  if (a.k === "cast" || a.k === "bitcast" || a.k === "un") return maskableLoad(a.a, varies);
  if (a.k !== "bin") return undefined;
  const plain = (x: Expr) => !varies(x) && !findLoad(x, (l) => l.index.k !== "const");
  if (plain(a.b)) return maskableLoad(a.a, varies);
  if (plain(a.a)) return maskableLoad(a.b, varies);
  return undefined;
}

/** An index computed without loads or integer division, so every lane may compute it. */
function safeIndex(e: Expr): boolean {
  if (e.k === "load") return false;
  if (e.k === "bin" && INT_DIVIDE.has(e.op)) return false;
  return exprChildren(e).every(safeIndex);
}

/** The type of a local the loop body declares. */
function localType(plan: Plan, name: string): DType {
  for (const s of plan.body) if (s.k === "decl" && s.v.name === name) return s.v.dtype;
  throw new Error(`internal error: ${name} is not declared in the loop`);
}

/** The loop body with lane 0 at `base`: vector stores, locals and accumulator updates. */
function vectorBody(loop: For, plan: Plan, base: Expr, shape: VecShape, accs: Map<string, Var>): Stmt[] {
  const at = new Map([[loop.v.name, base]]);
  const vectors = new Map<string, Expr>([...plan.locals].map((n) => [n, V.vvar({ k: "var", name: n, dtype: localType(plan, n) }, shape)]));
  const vec = (e: Expr): Expr => vectorizeExpr(e, { v: loop.v.name, base }, shape, vectors);
  return plan.body.map((s): Stmt => {
    switch (s.k) {
      case "store": return V.vstore(s.buf, V.ramp(substExpr(s.index, at), 1, shape), vec(s.value));
      case "decl": return { k: "decl", v: V.vvar(s.v, shape), init: vec(s.init) };
      case "assign": {
        const r = plan.reductions.get(s.v.name);
        if (!r) return { k: "assign", v: V.vvar(s.v, shape), value: vec(s.value) };
        const acc = accs.get(s.v.name)!;
        return { k: "assign", v: acc, value: V.vbin(r.op, acc, vec(r.operand)) };
      }
      default: throw new Error(`internal error: vectorize met ${s.k}`);
    }
  });
}

/** The main vector loop, the reductions around it, and the scalar tail. */
function rewrite(loop: For, plan: Plan): Stmt[] {
  if (loop.lo || loop.hi) return rewriteBounded(loop, plan);
  const L = plan.lanes, shape: VecShape = { lanes: L };
  const whole = Math.floor(loop.extent / L), rest = loop.extent % L;
  const iv: Var = { k: "var", name: `${loop.v.name}_v`, dtype: "i32" };
  const base = whole === 1 ? c(0) : mul(iv, c(L));
  const accs = new Map([...plan.reductions].map(([name, r]) => [name, V.vvar({ ...r.v, name: `${name}_v` }, shape)]));

  const vbody = vectorBody(loop, plan, base, shape, accs);

  const out: Stmt[] = [];
  for (const [name, r] of plan.reductions) out.push({ k: "decl", v: accs.get(name)!, init: V.bcast(identity(r.op, r.v.dtype), shape) });
  out.push(whole === 1 ? block(vbody) : { k: "for", v: iv, extent: whole, kind: "serial", body: block(vbody) });
  for (const [name, r] of plan.reductions) out.push({ k: "assign", v: r.v, value: bin(r.op, r.v, V.hreduce(r.op, accs.get(name)!)) });
  // Stores of values computed only from other buffers end with one vector overlapping the last
  // whole one: the shared elements are stored twice with the same values.
  // Not with masked loads: their lanes past the end are loads a C compiler may warn of.
  const last = rest > 1 && !plan.reductions.size && !plan.readsStored ? vectorBody(loop, plan, c(loop.extent - L), shape, accs) : undefined;
  if (last && !last.some((x) => stmtExprs(x).some((e) => !!findLoad(e, (l) => !!l.mask)))) {
    out.push(...last.map((x) => renameLocals(x, plan, shape)));
    return out;
  }
  if (rest) {
    const start = c(whole * L);
    const tail = rest === 1 ? substStmt(loop.body, new Map([[loop.v.name, start]])) : undefined;
    // One vector and one scalar element: both bodies land in the same seq, so the tail's locals take other names.
    out.push(tail && whole === 1 ? renameLocals(tail, plan) : tail
      ?? { ...loop, extent: rest, body: substStmt(loop.body, new Map([[loop.v.name, bin("add", loop.v, start)]])) });
  }
  return out;
}

/**
 * A loop over [lo, hi) known only at run time (a partitioned copy's interior): whole vectors
 * from lo while they fit, then the scalar loop over what is left.
 */
function rewriteBounded(loop: For, plan: Plan): Stmt[] {
  const L = plan.lanes, shape: VecShape = { lanes: L };
  const lo = loop.lo ?? c(0), hi = loop.hi ?? c(loop.extent);
  const iv: Var = { k: "var", name: `${loop.v.name}_v`, dtype: "i32" };
  const base = bin("add", lo, mul(iv, c(L)));
  const whole = bin("max", bin("floordiv", bin("sub", hi, lo), c(L)), c(0));
  // No reductions here (planLoop): stores, locals and their reassignments.
  const vbody = vectorBody(loop, plan, base, shape, new Map());
  return [
    { k: "for", v: iv, extent: Math.floor(loop.extent / L), kind: "serial", body: block(vbody), hi: whole },
    { ...loop, lo: bin("add", lo, mul(whole, c(L))), hi },
  ];
}

/**
 * The loop strip-mined by the run-time lane count: vl = lanes × vscale, ceil(extent / vl) steps
 * of one vector each, every lane at or past the extent masked (so the last step reads and writes
 * only what is left); reductions keep their masked lanes unchanged.
 */
function rewriteScalable(loop: For, plan: Plan): Stmt[] {
  const shape: VecShape = { lanes: plan.lanes, scalable: true };
  const name = loop.v.name;
  // Declared beside the loop: fresh names, as one loop may be copied several times into a block.
  const vl = mkVar(`${name}_vl`, "i32"), n = mkVar(`${name}_n`, "i32");
  const iv: Var = { k: "var", name: `${name}_v`, dtype: "i32" };
  const base = mul(iv, vl);
  const at = new Map([[name, base]]);
  const mask = V.vbin("lt", V.ramp(base, 1, shape), V.bcast(c(loop.extent), shape));
  const accs = new Map([...plan.reductions].map(([x, r]) => [x, V.vvar({ ...r.v, name: `${x}_v` }, shape)]));
  const vectors = new Map<string, Expr>([...plan.locals].map((x) => [x, V.vvar({ k: "var", name: x, dtype: localType(plan, x) }, shape)]));
  const vec = (e: Expr): Expr => vectorizeExpr(e, { v: name, base }, shape, vectors, mask);
  const vbody = plan.body.map((s): Stmt => {
    switch (s.k) {
      case "store": return V.vstore(s.buf, V.ramp(substExpr(s.index, at), 1, shape), vec(s.value), mask);
      case "decl": return { k: "decl", v: V.vvar(s.v, shape), init: vec(s.init) };
      case "assign": {
        const r = plan.reductions.get(s.v.name);
        if (!r) return { k: "assign", v: V.vvar(s.v, shape), value: vec(s.value) };
        const acc = accs.get(s.v.name)!;
        return { k: "assign", v: acc, value: V.vselect(mask, V.vbin(r.op, acc, vec(r.operand)), acc) };
      }
      default: throw new Error(`internal error: vectorize met ${s.k}`);
    }
  });
  const out: Stmt[] = [
    { k: "decl", v: vl, init: V.laneExpr(shape) },
    { k: "decl", v: n, init: bin("floordiv", bin("sub", bin("add", c(loop.extent), vl), c(1)), vl) },
  ];
  for (const [x, r] of plan.reductions) out.push({ k: "decl", v: accs.get(x)!, init: V.bcast(identity(r.op, r.v.dtype), shape) });
  out.push({ k: "for", v: iv, extent: Math.ceil(loop.extent / plan.lanes), kind: "serial", hi: n, body: block(vbody) });
  for (const [x, r] of plan.reductions) out.push({ k: "assign", v: r.v, value: bin(r.op, r.v, V.hreduce(r.op, accs.get(x)!)) });
  return out;
}

/** s with each local of the loop body renamed `<name>_t`, in its declaration, assignments and uses. */
function renameLocals(s: Stmt, plan: Plan, shape: VecShape = {}): Stmt {
  const to = new Map([...plan.locals].map((n): [string, Var] => [n, V.vvar({ k: "var", name: `${n}_t`, dtype: localType(plan, n) }, shape)]));
  const rn = (v: Var): Var => to.get(v.name) ?? v;
  const go = (x: Stmt): Stmt => {
    switch (x.k) {
      case "seq": return { k: "seq", body: x.body.map(go) };
      case "decl": return { ...x, v: rn(x.v) };
      case "assign": return { ...x, v: rn(x.v) };
      default: return x;
    }
  };
  return go(substStmt(s, to));
}
