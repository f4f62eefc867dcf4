/**
 * @fileoverview Tensor IR: buffers, loops, loads/stores, scalar and vector expressions. Every
 * kernel a backend prints or builds is a PrimFunc of this IR.
 *
 * A vector expression has `lanes` (2 or more; with `scalable`, that many times the machine's
 * vscale, as RVV and SVE decide at run time); without `lanes` it is a scalar. Element-wise forms
 * (bin, un, cast, bitcast, select, fma) work lane by lane on operands of one lane count, a
 * scalar operand of a vector form being an error (broadcast it with `bcast`). A load or store
 * whose index is a vector reads or writes one element per lane: a `ramp` of stride 1 is a
 * contiguous access, any other ramp a strided one, anything else a gather or scatter; lanes of
 * a false `mask` are neither read (they load 0) nor written. ir/scalarize.ts defines each form
 * by the scalar code it stands for.
 */
import { DType, bitWidth, isFloat, isNarrow, isSigned } from "./dtype.ts";
import { narrowCast } from "./narrow-cast.ts";

/** Index arithmetic is done in this type (tensors stay below 2^31 elements). */
export const INDEX: DType = "i32";

export type BufferScope = "input" | "output" | "param" | "scratch";

export interface Buffer {
  name: string;
  dtype: DType;
  shape: number[];
  scope: BufferScope;
}

export interface Var extends VecShape {
  k: "var";
  name: string;
  dtype: DType;
}

export type BinOp =
  | "add" | "sub" | "mul" | "div" | "mod" | "floordiv" | "floormod" | "min" | "max" | "pow"
  | "and" | "or" | "xor" | "shl" | "shr"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge"
  | "land" | "lor" | "fmod" | "atan2"
  // i32 operands holding four bytes each: the sum of the four byte products, signed x signed (dot4ss)
  // or unsigned (a) x signed (b) (dot4us), the step of an int8 dot product (NEON SDOT, x86 VPDPBUSD).
  | "dot4ss" | "dot4us";

export type UnOp =
  | "neg" | "abs" | "not" | "lnot" | "sqrt" | "exp" | "log" | "tanh" | "sin" | "cos" | "tan"
  | "asin" | "acos" | "atan" | "sinh" | "cosh" | "asinh" | "acosh" | "atanh"
  | "floor" | "ceil" | "round" | "trunc" | "erf" | "isnan" | "isinf" | "sign" | "sigmoid"
  | "expm1" | "log1p";

/** How many lanes a vector value has: absent on scalars. */
export interface VecShape {
  lanes?: number;
  /** `lanes` times vscale, the machine's multiple of its smallest vector (1 for 128-bit vectors). */
  scalable?: true;
}

export type HReduceOp = "add" | "mul" | "min" | "max";

export type Expr =
  | { k: "const"; dtype: DType; v: number }
  | Var
  | ({ k: "load"; buf: Buffer; index: Expr; dtype: DType; mask?: Expr } & VecShape)
  | ({ k: "bin"; op: BinOp; a: Expr; b: Expr; dtype: DType } & VecShape)
  | ({ k: "un"; op: UnOp; a: Expr; dtype: DType } & VecShape)
  | ({ k: "cast"; a: Expr; dtype: DType } & VecShape)
  /** Reinterprets the stored bits of `a` as `dtype`, a type of the same byte size (see bitcast()). */
  | ({ k: "bitcast"; a: Expr; dtype: DType } & VecShape)
  | ({ k: "select"; c: Expr; a: Expr; b: Expr; dtype: DType } & VecShape)
  // Vector forms.
  /** Lane i holds base + i * stride (an index vector). */
  | ({ k: "ramp"; base: Expr; stride: number; dtype: DType } & VecShape)
  /** Every lane holds the scalar `a`. */
  | ({ k: "bcast"; a: Expr; dtype: DType } & VecShape)
  /** a * b + c rounded once. */
  | ({ k: "fma"; a: Expr; b: Expr; c: Expr; dtype: DType } & VecShape)
  /** The lanes of `a` combined into one scalar, lane 0 first. */
  | { k: "hreduce"; op: HReduceOp; a: Expr; dtype: DType }
  /** Lane i is lane idx[i] of a's lanes followed by b's; one index gives a scalar. Fixed lanes only. */
  | ({ k: "shuffle"; a: Expr; b?: Expr; idx: number[]; dtype: DType } & VecShape)
  /** The machine's vscale (i32, at least 1): a scalable vector of N lanes has N × vscale, known at run time. */
  | { k: "vscale"; dtype: DType }
  // Tensor-expression forms; lowering replaces them, so a lowered PrimFunc holds none.
  | { k: "access"; t: TensorRef; idx: Expr[]; dtype: DType }
  | { k: "reduce"; op: ReduceOp; axes: IterVar[]; body: Expr; init?: Expr; dtype: DType };

export type ReduceOp = "sum" | "prod" | "max" | "min";

export interface IterVar {
  v: Var;
  extent: number;
}

/** A tensor of a tensor expression: an op input, or the result of a compute or extern stage. */
export interface TensorRef {
  id: number;
  name: string;
  dtype: DType;
  shape: number[];
}

export type ForKind = "serial" | "unroll" | "vectorize" | "parallel";

export type Stmt =
  /** v runs over [lo, hi) when the bounds are given, else [0, extent); extent bounds both. */
  | { k: "for"; v: Var; extent: number; body: Stmt; kind: ForKind; lo?: Expr; hi?: Expr }
  /** A vector index stores one lane per element (see the file comment); `mask` as for loads. */
  | { k: "store"; buf: Buffer; index: Expr; value: Expr; mask?: Expr }
  | { k: "seq"; body: Stmt[] }
  | { k: "if"; c: Expr; then: Stmt; else?: Stmt }
  /** Declares a mutable scalar local, visible to the rest of the enclosing seq. */
  | { k: "decl"; v: Var; init: Expr }
  | { k: "assign"; v: Var; value: Expr };

export interface PrimFunc {
  name: string;
  params: Buffer[];
  body: Stmt;
}

// ---- constructors ----

let varCounter = 0;
export function resetVarNames(): void {
  varCounter = 0;
}
export const mkVar = (hint: string, dtype: DType = INDEX): Var => ({ k: "var", name: `${hint}${varCounter++}`, dtype });

export const c = (v: number, dtype: DType = INDEX): Expr => ({ k: "const", dtype, v });
export const isConst = (e: Expr, v?: number): boolean =>
  e.k === "const" && (v === undefined || e.v === v);

/** A constant that is not NaN: a float min/max against it needs one comparison to keep NaN. */
export const isOrderedConst = (e: Expr): boolean => e.k === "const" && !Number.isNaN(e.v);

const CMP: ReadonlySet<BinOp> = new Set(["eq", "ne", "lt", "le", "gt", "ge", "land", "lor"]);
export const isCompare = (op: BinOp): boolean => CMP.has(op);

export function bin(op: BinOp, a: Expr, b: Expr): Expr {
  const dtype = isCompare(op) ? "bool" : a.dtype;
  return simplifyBin({ k: "bin", op, a, b, dtype });
}
export const add = (a: Expr, b: Expr): Expr => bin("add", a, b);
export const sub = (a: Expr, b: Expr): Expr => bin("sub", a, b);
export const mul = (a: Expr, b: Expr): Expr => bin("mul", a, b);
export const un = (op: UnOp, a: Expr): Expr =>
  ({ k: "un", op, a, dtype: op === "isnan" || op === "isinf" || op === "lnot" ? "bool" : a.dtype });
/** Converts the value of `a` to `dtype`; conversions of the narrow types become Tensor IR over their storage. */
export function cast(a: Expr, dtype: DType): Expr {
  if (a.dtype === dtype) return a;
  if (isNarrow(a.dtype) || isNarrow(dtype)) return narrowCast(a, dtype);
  if (a.k === "const" && !isFloat(dtype) && !isFloat(a.dtype) && dtype !== "bool") return c(a.v, dtype);
  return { k: "cast", a, dtype };
}
/**
 * Reinterprets bits between types of one byte size: f32 <-> i32/u32, f64 <-> i64/u64, a half or
 * 8-bit float <-> its raw pattern, integers of one width (modular). A narrow type and its storage
 * type (i4/i2 <-> i8, u4/u2/f4e2m1/f8e8m0 <-> u8) also bit cast, for values in the narrow range.
 */
export function bitcast(a: Expr, dtype: DType): Expr {
  return a.dtype === dtype ? a : { k: "bitcast", a, dtype };
}
export function select(cond: Expr, a: Expr, b: Expr): Expr {
  if (cond.k === "const") return cond.v ? a : b;
  return { k: "select", c: cond, a, b, dtype: a.dtype };
}
export const load = (buf: Buffer, index: Expr): Expr => ({ k: "load", buf, index, dtype: buf.dtype });
export const store = (buf: Buffer, index: Expr, value: Expr): Stmt => ({ k: "store", buf, index, value });
export const seq = (...body: Stmt[]): Stmt => ({ k: "seq", body: body.flatMap((s) => (s.k === "seq" ? s.body : [s])) });
export function loop(extent: number, f: (v: Var) => Stmt, hint = "i", kind: ForKind = "serial"): Stmt {
  const v = mkVar(hint);
  if (extent === 1) return substStmt(f(v), new Map([[v.name, c(0)]]));
  return { k: "for", v, extent, body: f(v), kind };
}

/** The values an integer type holds (approximate beyond 2^53, enough to compare with constants). */
function intRange(t: DType): [number, number] | undefined {
  if (t === "bool") return [0, 1];
  if (isFloat(t) || isNarrow(t)) return undefined;
  const bits = bitWidth(t);
  return isSigned(t) ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** A comparison of an integer with a constant that its type's range decides (x < 0 for unsigned x). */
function decidedCompare(op: BinOp, a: Expr, b: Expr): boolean | undefined {
  const flip: Partial<Record<BinOp, BinOp>> = { lt: "gt", le: "ge", gt: "lt", ge: "le", eq: "eq", ne: "ne" };
  if (a.k === "const" && b.k !== "const") return flip[op] ? decidedCompare(flip[op]!, b, a) : undefined;
  const r = b.k === "const" ? intRange(a.dtype) : undefined;
  if (!r || b.k !== "const") return undefined;
  const [lo, hi] = r, k = b.v;
  switch (op) {
    case "lt": return k <= lo ? false : k > hi ? true : undefined;
    case "le": return k < lo ? false : k >= hi ? true : undefined;
    case "gt": return k >= hi ? false : k < lo ? true : undefined;
    case "ge": return k > hi ? false : k <= lo ? true : undefined;
    case "eq": return k < lo || k > hi ? false : undefined;
    case "ne": return k < lo || k > hi ? true : undefined;
    default: return undefined;
  }
}

/** Folds integer index arithmetic so printed kernels stay readable. */
function simplifyBin(e: Extract<Expr, { k: "bin" }>): Expr {
  const { op, a, b } = e;
  // Also keeps the C compiler's -Wtype-limits quiet: such comparisons never reach the C.
  const decided = isCompare(op) ? decidedCompare(op, a, b) : undefined;
  if (decided !== undefined) return c(decided ? 1 : 0, "bool");
  if (isFloat(e.dtype) || e.dtype === "bool" || a.dtype !== INDEX) return e;
  if (a.k === "const" && b.k === "const") {
    switch (op) {
      case "add": return c(a.v + b.v);
      case "sub": return c(a.v - b.v);
      case "mul": return c(Math.imul(a.v, b.v));
      case "floordiv": if (b.v !== 0) return c(Math.floor(a.v / b.v)); break;
      case "floormod": if (b.v !== 0) return c(((a.v % b.v) + b.v) % b.v); break;
      case "min": return c(Math.min(a.v, b.v));
      case "max": return c(Math.max(a.v, b.v));
    }
  }
  if (op === "add") {
    if (isConst(a, 0)) return b;
    if (isConst(b, 0)) return a;
    // (x + c1) + c2 -> x + (c1+c2)
    if (b.k === "const" && a.k === "bin" && a.op === "add" && a.b.k === "const") return add(a.a, c(a.b.v + b.v));
  }
  if (op === "sub" && isConst(b, 0)) return a;
  if (op === "mul") {
    if (isConst(a, 0) || isConst(b, 0)) return c(0);
    if (isConst(a, 1)) return b;
    if (isConst(b, 1)) return a;
  }
  if ((op === "floordiv") && isConst(b, 1)) return a;
  if ((op === "floormod") && isConst(b, 1)) return c(0);
  return e;
}

// ---- traversal ----

export function mapExpr(e: Expr, f: (e: Expr) => Expr | undefined): Expr {
  const r = f(e);
  if (r) return r;
  switch (e.k) {
    case "const": case "var": case "vscale": return e;
    case "load": return { ...e, index: mapExpr(e.index, f), ...(e.mask ? { mask: mapExpr(e.mask, f) } : {}) };
    case "bin": return { ...e, a: mapExpr(e.a, f), b: mapExpr(e.b, f) };
    case "ramp": return { ...e, base: mapExpr(e.base, f) };
    case "bcast": case "hreduce": return { ...e, a: mapExpr(e.a, f) };
    case "fma": return { ...e, a: mapExpr(e.a, f), b: mapExpr(e.b, f), c: mapExpr(e.c, f) };
    case "shuffle": return { ...e, a: mapExpr(e.a, f), ...(e.b ? { b: mapExpr(e.b, f) } : {}) };
    case "un": return { ...e, a: mapExpr(e.a, f) };
    case "cast": case "bitcast": return { ...e, a: mapExpr(e.a, f) };
    case "select": return { ...e, c: mapExpr(e.c, f), a: mapExpr(e.a, f), b: mapExpr(e.b, f) };
    case "access": return { ...e, idx: e.idx.map((i) => mapExpr(i, f)) };
    case "reduce": return { ...e, body: mapExpr(e.body, f), init: e.init && mapExpr(e.init, f) };
  }
}

/** Direct subexpressions (a reduction's body and init included). */
/** The conjuncts of a land tree. */
export const conjuncts = (e: Expr): Expr[] => (e.k === "bin" && e.op === "land" ? [...conjuncts(e.a), ...conjuncts(e.b)] : [e]);

export function exprChildren(e: Expr): Expr[] {
  switch (e.k) {
    case "const": case "var": case "vscale": return [];
    case "load": return e.mask ? [e.index, e.mask] : [e.index];
    case "bin": return [e.a, e.b];
    case "un": case "cast": case "bitcast": case "bcast": case "hreduce": return [e.a];
    case "select": return [e.c, e.a, e.b];
    case "ramp": return [e.base];
    case "fma": return [e.a, e.b, e.c];
    case "shuffle": return e.b ? [e.a, e.b] : [e.a];
    case "access": return e.idx;
    case "reduce": return e.init ? [e.body, e.init] : [e.body];
  }
}

/** `e` with each direct subexpression replaced by f(child); no other rebuilding. */
export function mapChildren(e: Expr, f: (x: Expr) => Expr): Expr {
  return mapExpr(e, (x) => (x === e ? undefined : f(x)));
}

export function substExpr(e: Expr, m: Map<string, Expr>): Expr {
  return resimplify(mapExpr(e, (x) => (x.k === "var" ? m.get(x.name) : undefined)));
}

/** Rebuilds binary nodes bottom-up so substituted constants fold. */
function resimplify(e: Expr): Expr {
  switch (e.k) {
    case "bin": return e.lanes ? { ...e, a: resimplify(e.a), b: resimplify(e.b) } : bin(e.op, resimplify(e.a), resimplify(e.b));
    case "un": return { ...e, a: resimplify(e.a) };
    case "cast": return e.lanes ? { ...e, a: resimplify(e.a) } : cast(resimplify(e.a), e.dtype);
    case "bitcast": return e.lanes ? { ...e, a: resimplify(e.a) } : bitcast(resimplify(e.a), e.dtype);
    case "select": return e.lanes ? { ...e, c: resimplify(e.c), a: resimplify(e.a), b: resimplify(e.b) } : select(resimplify(e.c), resimplify(e.a), resimplify(e.b));
    case "load": return { ...e, index: resimplify(e.index), ...(e.mask ? { mask: resimplify(e.mask) } : {}) };
    case "ramp": return { ...e, base: resimplify(e.base) };
    case "bcast": case "hreduce": return { ...e, a: resimplify(e.a) };
    case "fma": return { ...e, a: resimplify(e.a), b: resimplify(e.b), c: resimplify(e.c) };
    case "shuffle": return { ...e, a: resimplify(e.a), ...(e.b ? { b: resimplify(e.b) } : {}) };
    case "access": return { ...e, idx: e.idx.map(resimplify) };
    case "reduce": return { ...e, body: resimplify(e.body), init: e.init && resimplify(e.init) };
    default: return e;
  }
}

export function substStmt(s: Stmt, m: Map<string, Expr>): Stmt {
  switch (s.k) {
    case "for": return {
      ...s, body: substStmt(s.body, m),
      ...(s.lo ? { lo: substExpr(s.lo, m) } : {}), ...(s.hi ? { hi: substExpr(s.hi, m) } : {}),
    };
    case "store": return { ...s, index: substExpr(s.index, m), value: substExpr(s.value, m), ...(s.mask ? { mask: substExpr(s.mask, m) } : {}) };
    case "seq": return { k: "seq", body: s.body.map((x) => substStmt(x, m)) };
    case "if": return { k: "if", c: substExpr(s.c, m), then: substStmt(s.then, m), else: s.else && substStmt(s.else, m) };
    case "decl": return { ...s, init: substExpr(s.init, m) };
    case "assign": return { ...s, value: substExpr(s.value, m) };
  }
}

/** True when a loop is anywhere inside `s`. */
export function hasLoop(s: Stmt): boolean {
  switch (s.k) {
    case "for": return true;
    case "seq": return s.body.some(hasLoop);
    case "if": return hasLoop(s.then) || (!!s.else && hasLoop(s.else));
    default: return false;
  }
}

/** The expressions a statement itself holds, not those of nested statements. */
export function stmtExprs(s: Stmt): Expr[] {
  switch (s.k) {
    case "store": return s.mask ? [s.index, s.value, s.mask] : [s.index, s.value];
    case "decl": return [s.init];
    case "assign": return [s.value];
    case "if": return [s.c];
    case "for": return [...(s.lo ? [s.lo] : []), ...(s.hi ? [s.hi] : [])];
    case "seq": return [];
  }
}

/** `s` with f applied to each of its top-level expressions (indices, values, conditions, masks, bounds). */
export function mapStmtExprs(s: Stmt, f: (e: Expr) => Expr): Stmt {
  switch (s.k) {
    case "for": return { ...s, body: mapStmtExprs(s.body, f), ...(s.lo ? { lo: f(s.lo) } : {}), ...(s.hi ? { hi: f(s.hi) } : {}) };
    case "store": return { ...s, index: f(s.index), value: f(s.value), ...(s.mask ? { mask: f(s.mask) } : {}) };
    case "seq": return { k: "seq", body: s.body.map((x) => mapStmtExprs(x, f)) };
    case "if": return { k: "if", c: f(s.c), then: mapStmtExprs(s.then, f), else: s.else && mapStmtExprs(s.else, f) };
    case "decl": return { ...s, init: f(s.init) };
    case "assign": return { ...s, value: f(s.value) };
  }
}

/** Substitutes one variable in a statement. */
export const substStmtVar = (s: Stmt, v: Var, e: Expr): Stmt => substStmt(s, new Map([[v.name, e]]));

export function visitStmt(s: Stmt, fs: (s: Stmt) => void, fe?: (e: Expr) => void): void {
  fs(s);
  if (fe) for (const e of stmtExprs(s)) mapExpr(e, (x) => { fe(x); return undefined; });
  switch (s.k) {
    case "for": visitStmt(s.body, fs, fe); break;
    case "seq": for (const x of s.body) visitStmt(x, fs, fe); break;
    case "if": visitStmt(s.then, fs, fe); if (s.else) visitStmt(s.else, fs, fe); break;
  }
}
