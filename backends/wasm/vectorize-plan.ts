/**
 * @fileoverview Decides whether an innermost Tensor IR loop can run four lanes at a time with
 * SIMD128, and how each expression of its body is computed: once before the loop and splatted
 * (uniform), with one v128 operation (vector), or lane by lane in scalar code (lanes: gathers
 * and ops without a SIMD form). Pure analysis; backends/wasm/simd.ts builds the code.
 */
import { DType, byteSize, isFloat } from "../../ir/dtype.ts";
import { BinOp, Buffer, Expr, Stmt, UnOp, Var, c, mapExpr, stmtExprs, substExpr } from "../../ir/tir.ts";

export const LANES = 4;

type For = Extract<Stmt, { k: "for" }>;
type Load = Extract<Expr, { k: "load" }>;
type Store = Extract<Stmt, { k: "store" }>;
type Assign = Extract<Stmt, { k: "assign" }>;

export type Mode = "uniform" | "vector" | "lanes";

/** A scalar declared outside the loop and only combined with a per-iteration value inside it. */
export interface Reduction {
  v: Var;
  op: "add" | "mul" | "min" | "max" | "and" | "or" | "xor";
  /** The per-iteration operand (accumulator on the left: acc = op(acc, operand)). */
  operand: Expr;
  stmt: Assign;
}

export interface SimdPlan {
  kind: "loop";
  loop: For;
  /** The body's statements, flattened. */
  body: Stmt[];
  /** How every classified node is computed; children of uniform and lanes nodes are not listed. */
  mode: Map<Expr, Mode>;
  /** Contiguous loads and stores: the element index at v = 0 (uniform), so index = base + v. */
  base: Map<Expr | Store, Expr>;
  /** Loads that read every other element (index = base + 2v): two v128 loads and a shuffle. */
  stride2: Set<Expr>;
  /** Scalars declared in the body: one v128 local each. */
  locals: Map<string, Var>;
  reductions: Map<string, Reduction>;
  /**
   * Buffer pairs the vector code is valid for only when they do not share storage. Kernel
   * buffers either are disjoint or start at the same address (an in-place call), so comparing
   * base addresses at run time decides it.
   */
  distinct: [Buffer, Buffer][];
  /** Estimated work for LANES iterations, scalar and vectorized (arbitrary units). */
  cost: { scalar: number; vector: number };
}

export type PlanResult = { ok: true; plan: SimdPlan } | { ok: false; reason: string };

/** Element types a v128 holds as four 32-bit lanes (narrower integers sign/zero-extended). */
const LANE_TYPES: ReadonlySet<DType> = new Set<DType>(["f32", "i32", "u32", "i16", "u16", "i8", "u8", "bool"]);
export const laneType = (t: DType): boolean => LANE_TYPES.has(t);

const F32_BIN: ReadonlySet<BinOp> = new Set<BinOp>(["add", "sub", "mul", "div", "min", "max", "eq", "ne", "lt", "le", "gt", "ge"]);
const INT_BIN: ReadonlySet<BinOp> = new Set<BinOp>(["add", "sub", "mul", "min", "max", "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge"]);
const F32_UN: ReadonlySet<UnOp> = new Set<UnOp>(["neg", "abs", "sqrt", "floor", "ceil", "trunc", "round", "isnan", "isinf", "sign"]);
const INT_UN: ReadonlySet<UnOp> = new Set<UnOp>(["neg", "abs", "not"]);

/** True if one v128 operation (or a short fixed sequence) computes `e` from vector operands. */
export function hasVectorForm(e: Expr): boolean {
  switch (e.k) {
    case "bin": {
      const t = e.a.dtype;
      if (!laneType(t) || !laneType(e.b.dtype)) return false;
      if (e.op === "land" || e.op === "lor") return t === "bool";
      if (t === "f32") return F32_BIN.has(e.op);
      if (t === "bool") return e.op === "eq" || e.op === "ne" || e.op === "and" || e.op === "or" || e.op === "xor";
      // Shifts take one scalar count for all lanes.
      if ((e.op === "shl" || e.op === "shr") && !mentionsAny(e.b)) return true;
      return INT_BIN.has(e.op);
    }
    case "un": {
      const t = e.a.dtype;
      if (e.op === "lnot") return t === "bool";
      if (t === "f32") return F32_UN.has(e.op);
      return laneType(t) && t !== "bool" && INT_UN.has(e.op);
    }
    case "cast": return laneType(e.a.dtype) && laneType(e.dtype);
    case "select": return laneType(e.dtype) && laneType(e.c.dtype);
    default: return false;
  }
}

// Set while classifying: does an expression depend on the lane?
let varyingNames: ReadonlySet<string> = new Set();
const mentionsAny = (e: Expr): boolean => {
  let hit = false;
  mapExpr(e, (x) => { if (x.k === "var" && varyingNames.has(x.name)) hit = true; return hit ? x : undefined; });
  return hit;
};

/** Plans `loop` for SIMD, or says why it stays scalar. */
export function planLoop(loop: For): PlanResult {
  const fail = (reason: string): PlanResult => ({ ok: false, reason });
  if (loop.v.dtype !== "i32") return fail("loop variable is not i32");
  const body = flatten(loop.body);
  if (!body) return fail("body has a nested loop or an if");

  // Scalars declared in the body vary per lane; scalars assigned but declared outside must be reductions.
  const locals = new Map<string, Var>();
  for (const s of body) if (s.k === "decl") locals.set(s.v.name, s.v);
  for (const v of locals.values()) if (!laneType(v.dtype)) return fail(`local ${v.name} is ${v.dtype}`);
  varyingNames = new Set([loop.v.name, ...locals.keys()]);
  const reductions = new Map<string, Reduction>();
  for (const s of body) {
    if (s.k !== "assign" || locals.has(s.v.name)) continue;
    const r = asReduction(s);
    if (!r) return fail(`${s.v.name} is assigned in the loop but is not a reduction`);
    if (reductions.has(s.v.name)) return fail(`${s.v.name} is reduced twice`);
    reductions.set(s.v.name, r);
  }
  for (const s of body) {
    const reads = stmtExprs(s).flatMap((e) => varsIn(e));
    for (const n of reads) {
      const r = reductions.get(n);
      if (r && !(s === r.stmt && !varsIn(r.operand).includes(n))) return fail(`reduction ${n} is read in the loop`);
    }
  }

  // A load scalar code skips unless a lane-dependent condition holds may be out of bounds in the
  // lanes where it fails; such loops are padding borders, short and slow as gathers anyway.
  if (body.some((s) => stmtExprs(s).some((e) => condLoad(e, false)))) return fail("loads under a lane-dependent condition");
  if (body.some((s) => stmtExprs(s).some((e) => unsafeDivide(e, false)))) return fail("integer division under a lane-dependent condition");
  if (body.some((s) => stmtExprs(s).some((e) => !knownKinds(e)))) return fail("an expression kind the vectorizer does not know");
  const clamped = body;

  const mode = new Map<Expr, Mode>();
  const base = new Map<Expr | Store, Expr>();
  const stride2 = new Set<Expr>();
  const written = new Set(clamped.filter((s): s is Store => s.k === "store").map((s) => s.buf.name));
  let problem: string | undefined;
  let vectorCost = 0, scalarCost = 0;

  const classify = (e: Expr): Mode => {
    scalarCost += size(e) * LANES;
    return cls(e);
  };
  const cls = (e: Expr): Mode => {
    let m: Mode;
    if (!mentionsAny(e)) {
      for (const l of loadsOf(e)) if (written.has(l.buf.name)) problem ??= `${l.buf.name} is read at a fixed index and written in the loop`;
      m = "uniform";
    } else if (!laneType(e.dtype)) {
      problem ??= `a lane-dependent value is ${e.dtype}`;
      m = "lanes";
    } else if (e.k === "var") {
      m = "vector";
      vectorCost += 1;
    } else if (e.k === "load") {
      const b = contiguousBase(e.index, loop.v.name);
      const b2 = b || byteSize(e.dtype) !== 4 ? undefined : contiguousBase(e.index, loop.v.name, 2);
      if (b) { base.set(e, b); m = "vector"; vectorCost += 1; }
      else if (b2) { base.set(e, b2); stride2.add(e); m = "vector"; vectorCost += 3; }
      else { m = "lanes"; vectorCost += LANES * (2 + size(e.index)); }
    } else if (hasVectorForm(e) && !intDivide(e)) {
      children(e).forEach(cls);
      vectorCost += 1 + (e.k === "cast" || e.k === "un" && e.op === "sign" ? 2 : 0);
      m = "vector";
    } else {
      m = "lanes";
      vectorCost += LANES * (1 + size(e));
      if (laneLocal(e)) vectorCost += LANES;
    }
    mode.set(e, m);
    return m;
  };

  for (const s of clamped) {
    switch (s.k) {
      case "store": {
        if (!laneType(s.buf.dtype)) return fail(`store to ${s.buf.dtype} buffer ${s.buf.name}`);
        const b = contiguousBase(s.index, loop.v.name);
        if (!b) return fail(`store to ${s.buf.name} is not contiguous in ${loop.v.name}`);
        base.set(s, b);
        classify(s.value);
        vectorCost += 1;
        break;
      }
      case "decl": classify(s.init); break;
      case "assign": {
        const r = reductions.get(s.v.name);
        if (r) {
          // The clamped statement may be a new object; re-read the operand from it.
          const rr = asReduction(s)!;
          reductions.set(s.v.name, { ...r, operand: rr.operand, stmt: s });
          classify(rr.operand);
          vectorCost += 1;
        } else classify(s.value);
        break;
      }
      default: return fail(`unexpected ${s.k}`);
    }
  }
  if (problem) return fail(problem);
  const dep = checkDependences(clamped, mode);
  if (typeof dep === "string") return fail(dep);
  if (vectorCost >= scalarCost) return fail(`no gain (vector ${vectorCost} vs scalar ${scalarCost})`);
  return {
    ok: true,
    plan: { kind: "loop", loop, body: clamped, mode, base, stride2, locals, reductions, distinct: dep, cost: { scalar: scalarCost, vector: vectorCost } },
  };
}

const numel = (b: Buffer) => b.shape.reduce((a, d) => a * d, 1);

/** The body as a flat statement list; undefined if it holds loops or ifs. */
export function flatten(s: Stmt): Stmt[] | undefined {
  if (s.k === "seq") {
    const out: Stmt[] = [];
    for (const x of s.body) {
      const f = flatten(x);
      if (!f) return undefined;
      out.push(...f);
    }
    return out;
  }
  return s.k === "for" || s.k === "if" ? undefined : [s];
}

const COMMUTATIVE: ReadonlySet<BinOp> = new Set<BinOp>(["add", "mul", "min", "max", "and", "or", "xor"]);

export function asReduction(s: Assign): Reduction | undefined {
  const e = s.value;
  if (e.k !== "bin" || !COMMUTATIVE.has(e.op) || !laneType(s.v.dtype) || s.v.dtype === "bool") return undefined;
  if (isFloat(s.v.dtype) && (e.op === "and" || e.op === "or" || e.op === "xor")) return undefined;
  // Narrow integers wrap differently once partial results are combined; keep them scalar.
  if (byteSize(s.v.dtype) < 4) return undefined;
  const isAcc = (x: Expr) => x.k === "var" && x.name === s.v.name;
  const operand = isAcc(e.a) ? e.b : isAcc(e.b) ? e.a : undefined;
  if (!operand) return undefined;
  return { v: s.v, op: e.op as Reduction["op"], operand, stmt: s };
}

export function varsIn(e: Expr): string[] {
  const out: string[] = [];
  mapExpr(e, (x) => { if (x.k === "var") out.push(x.name); return undefined; });
  return out;
}

export function loadsOf(e: Expr): Load[] {
  const out: Load[] = [];
  mapExpr(e, (x) => { if (x.k === "load") out.push(x); return undefined; });
  return out;
}

export function children(e: Expr): Expr[] {
  switch (e.k) {
    case "bin": return [e.a, e.b];
    case "un": case "cast": return [e.a];
    case "select": return [e.c, e.a, e.b];
    default: return [];
  }
}

function size(e: Expr): number {
  let n = 0;
  mapExpr(e, () => { n++; return undefined; });
  return n;
}

/** Reads a body-local vector, which lane code must extract lane by lane. */
const laneLocal = (e: Expr) => varsIn(e).some((n) => varyingNames.has(n));

/** Integer division traps in wasm on a zero divisor; lane code may meet lanes scalar code skips. */
function intDivide(e: Expr): boolean {
  return e.k === "bin" && !isFloat(e.dtype) && (e.op === "div" || e.op === "mod" || e.op === "floordiv" || e.op === "floormod");
}

/** True if a load sits where scalar code evaluates it only when a lane-dependent condition holds. */
function condLoad(e: Expr, cond: boolean): boolean {
  switch (e.k) {
    case "load": return cond || condLoad(e.index, cond);
    case "select": {
      const lane = cond || mentionsAny(e);
      return condLoad(e.c, cond) || condLoad(e.a, lane) || condLoad(e.b, lane);
    }
    case "bin": return condLoad(e.a, cond) || condLoad(e.b, cond || ((e.op === "land" || e.op === "lor") && mentionsAny(e)));
    case "un": case "cast": return condLoad(e.a, cond);
    default: return false;
  }
}

function knownKinds(e: Expr): boolean {
  switch (e.k) {
    case "const": case "var": return true;
    case "load": return knownKinds(e.index);
    case "bin": return knownKinds(e.a) && knownKinds(e.b);
    case "un": case "cast": return knownKinds(e.a);
    case "select": return knownKinds(e.c) && knownKinds(e.a) && knownKinds(e.b);
    default: return false;
  }
}

/** An integer division scalar code might skip, by a divisor not known to be safe. */
function unsafeDivide(e: Expr, cond: boolean): boolean {
  let bad = false;
  const walk = (x: Expr, cd: boolean): void => {
    if (intDivide(x) && cd && !(x.k === "bin" && x.b.k === "const" && x.b.v > 0)) bad = true;
    if (x.k === "select") { walk(x.c, cd); const l = cd || mentionsAny(x); walk(x.a, l); walk(x.b, l); return; }
    if (x.k === "bin") { walk(x.a, cd); walk(x.b, cd || ((x.op === "land" || x.op === "lor") && mentionsAny(x))); return; }
    for (const k of children(x)) walk(k, cd);
    if (x.k === "load") walk(x.index, cd);
  };
  walk(e, cond);
  return bad;
}

// ---- linear forms of index expressions ----

/** sum(coeff * term) + k, terms keyed by variable name or by the text of an opaque subexpression. */
interface Linear { terms: Map<string, number>; k: number }

export function linear(e: Expr): Linear | undefined {
  switch (e.k) {
    case "const": return Number.isInteger(e.v) ? { terms: new Map(), k: e.v } : undefined;
    case "var": return { terms: new Map([[e.name, 1]]), k: 0 };
    case "bin": {
      if (e.op === "add" || e.op === "sub") {
        const a = linear(e.a), b = linear(e.b);
        if (!a || !b) return undefined;
        return combine(a, b, e.op === "add" ? 1 : -1);
      }
      if (e.op === "mul") {
        const a = linear(e.a), b = linear(e.b);
        if (!a || !b) return undefined;
        if (!a.terms.size) return scale(b, a.k);
        if (!b.terms.size) return scale(a, b.k);
      }
      break;
    }
    case "cast": if (e.dtype === "i32" && e.a.dtype === "i32") return linear(e.a); break;
    default: break;
  }
  if (e.dtype !== "i32") return undefined;
  return { terms: new Map([[`#${key(e)}`, 1]]), k: 0 };
}

export function combine(a: Linear, b: Linear, sign: number): Linear {
  const terms = new Map(a.terms);
  for (const [t, k] of b.terms) {
    const v = (terms.get(t) ?? 0) + sign * k;
    if (v) terms.set(t, v); else terms.delete(t);
  }
  return { terms, k: a.k + sign * b.k };
}

const scale = (a: Linear, s: number): Linear =>
  s === 0 ? { terms: new Map(), k: 0 } : { terms: new Map([...a.terms].map(([t, k]) => [t, k * s])), k: a.k * s };

/** A canonical text of an expression, equal for structurally equal expressions. */
export function key(e: Expr): string {
  switch (e.k) {
    case "const": return `${e.v}:${e.dtype}`;
    case "var": return `%${e.name}`;
    case "load": return `${e.buf.name}[${key(e.index)}]`;
    case "bin": return `${e.op}(${key(e.a)},${key(e.b)}):${e.dtype}`;
    case "un": return `${e.op}(${key(e.a)}):${e.dtype}`;
    case "cast": return `cast<${e.dtype}>(${key(e.a)})`;
    case "select": return `select(${key(e.c)},${key(e.a)},${key(e.b)})`;
    default: return `?${e.k}`;
  }
}

/**
 * The index at v = 0 when `index` is stride * v plus a lane-independent part (stride 1: a
 * contiguous access), else undefined. Opaque terms that mention a lane-dependent name make it non-contiguous.
 */
function contiguousBase(index: Expr, v: string, stride = 1): Expr | undefined {
  const l = linear(index);
  if (!l || l.terms.get(v) !== stride) return undefined;
  for (const t of l.terms.keys()) {
    if (t === v) continue;
    if (varyingNames.has(t)) return undefined;
    if (t.startsWith("#") && [...varyingNames].some((n) => t.includes(`%${n}`))) return undefined;
  }
  const b = substExpr(index, new Map([[v, c(0)]]));
  return mentionsAny(b) ? undefined : b;
}

/**
 * Memory dependences that running a statement for four lanes before the next could break. Two
 * contiguous accesses to one buffer whose indices differ by a constant d are safe when d = 0
 * (same lane, program order kept) or |d| >= LANES (the lanes involved are in different chunks).
 * Distinct buffers that would fail that test are returned as pairs to check at run time.
 */
function checkDependences(body: Stmt[], mode: Map<Expr, Mode>): string | [Buffer, Buffer][] {
  interface Access { buf: Buffer; index: Expr; write: boolean; contiguous: boolean }
  const acc: Access[] = [];
  for (const s of body) {
    for (const e of stmtExprs(s)) for (const l of loadsOf(e)) acc.push({ buf: l.buf, index: l.index, write: false, contiguous: mode.get(l) === "vector" });
    if (s.k === "store") acc.push({ buf: s.buf, index: s.index, write: true, contiguous: true });
  }
  const distinct = new Map<string, [Buffer, Buffer]>();
  for (const w of acc) {
    if (!w.write) continue;
    for (const x of acc) {
      if (x === w || x.buf.scope === "param") continue;
      const same = x.buf.name === w.buf.name;
      const problem = conflict(w, x);
      if (!problem) continue;
      if (same) return problem;
      const [a, b] = [w.buf, x.buf].sort((p, q) => p.name.localeCompare(q.name));
      distinct.set(`${a!.name}|${b!.name}`, [a!, b!]);
    }
  }
  return [...distinct.values()];

  function conflict(w: Access, x: Access): string | undefined {
    if (!x.contiguous) return `${x.buf.name} is gathered and ${w.buf.name} written in the loop`;
    const a = linear(w.index), b = linear(x.index);
    if (!a || !b) return `cannot compare indices of ${w.buf.name} and ${x.buf.name}`;
    const d = combine(a, b, -1);
    if (d.terms.size) return `indices of ${w.buf.name} and ${x.buf.name} differ by a non-constant`;
    if (d.k !== 0 && Math.abs(d.k) < LANES) return `${w.buf.name} and ${x.buf.name} are accessed ${d.k} elements apart`;
    return undefined;
  }
}
