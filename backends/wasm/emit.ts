/**
 * @fileoverview Builds one Tensor IR kernel (PrimFunc) as a WebAssembly function taking one i32
 * byte address per buffer. Expressions have exactly the C backend's semantics: small integers
 * wrap to their type, float to integer conversions saturate, half and 8-bit floats are raw bits
 * converted by the runtime helpers, and `select`/`&&`/`||` evaluate lazily around loads.
 */
import { DType, byteSize, isF8, isFloat, isSigned } from "../../ir/dtype.ts";
import { BinOp, Buffer, Expr, PrimFunc, Stmt, UnOp, Var, hasLoop, isOrderedConst } from "../../ir/tir.ts";
import { nonneg } from "../../ir/affine.ts";
import { Ref, W, WasmModule, WType } from "./binaryen.ts";
import { KernelContext } from "./context.ts";
import { Runtime } from "./runtime.ts";
import { VectorBuilder } from "./vector.ts";
import { LoopPointers, splitOffset } from "./pointers.ts";
import { isVector } from "../../ir/vec.ts";

/** How a value of a dtype is held and computed with. */
type Kind = "i32" | "i64" | "f32" | "f64";
/** The integer (or f32/f64) type whose bits a dtype is stored as. */
type Raw = "i8" | "u8" | "i16" | "u16" | "i32" | "u32" | "i64" | "u64" | "f32" | "f64";

export function rawOf(t: DType): Raw {
  if (t === "f32" || t === "f64") return t;
  if (t === "bool") return "u8";
  const signed = !isFloat(t) && isSigned(t);
  return `${signed ? "i" : "u"}${byteSize(t) * 8}` as Raw;
}
const kindOfRaw = (r: Raw): Kind => (r === "f32" || r === "f64" ? r : r === "i64" || r === "u64" ? "i64" : "i32");
export const kindOf = (t: DType): Kind => kindOfRaw(rawOf(t));
export const wtypeOf = (t: DType): WType => W[kindOf(t)];
const signedRaw = (r: Raw) => r[0] === "i";
/** Half, bfloat16 and the 8-bit/4-bit floats: stored bits, not computed with directly. */
const isBitsFloat = (t: DType) => isFloat(t) && t !== "f32" && t !== "f64";

const MATH_UN: Partial<Record<UnOp, string>> = {
  exp: "exp", log: "log", tanh: "tanh", sin: "sin", cos: "cos", tan: "tan", asin: "asin", acos: "acos", atan: "atan",
  sinh: "sinh", cosh: "cosh", asinh: "asinh", acosh: "acosh", atanh: "atanh", erf: "erf", expm1: "expm1", log1p: "log1p",
};
const NATIVE_UN: Partial<Record<UnOp, string>> = { sqrt: "sqrt", floor: "floor", ceil: "ceil", trunc: "trunc", round: "nearest", abs: "abs", neg: "neg" };
const CMP: Partial<Record<BinOp, [string, string, string]>> = {
  // [float, signed, unsigned]
  eq: ["eq", "eq", "eq"], ne: ["ne", "ne", "ne"], lt: ["lt", "lt_s", "lt_u"], le: ["le", "le_s", "le_u"],
  gt: ["gt", "gt_s", "gt_u"], ge: ["ge", "ge_s", "ge_u"],
};

type ForStmt = Extract<Stmt, { k: "for" }>;

/** Builds `f` as function `name`; returns nothing, the function is added to `w`. Vector forms need a SIMD module. */
export function buildKernel(w: WasmModule, rt: Runtime, f: PrimFunc, name: string): void {
  const b = new KernelBuilder(w, rt, f);
  const body = b.stmt(f.body);
  w.addFunction(name, f.params.map(() => W.i32), W.none, b.vars, body);
}

class KernelBuilder implements KernelContext {
  readonly vars: WType[] = [];
  private readonly locals = new Map<string, number>();
  private readonly bases = new Map<string, number>();
  private labels = 0;
  private readonly vec: VectorBuilder;
  /** The innermost loop being built, whose accesses go through pointers. */
  private ptrs: LoopPointers | undefined;

  constructor(readonly w: WasmModule, private readonly rt: Runtime, private readonly f: PrimFunc) {
    f.params.forEach((p, i) => this.bases.set(p.name, i));
    this.vec = new VectorBuilder(this);
  }

  wtype(t: DType): WType { return wtypeOf(t); }

  tmp(type: WType): number {
    this.vars.push(type);
    return this.f.params.length + this.vars.length - 1;
  }

  local(v: Var): number {
    // A vectorized loop's locals keep their names beside the scalar ones of its tail loop.
    const key = v.lanes ? `${v.name}<v>` : v.name;
    let i = this.locals.get(key);
    if (i === undefined) { i = this.tmp(v.lanes ? W.v128 : wtypeOf(v.dtype)); this.locals.set(key, i); }
    return i;
  }

  private label(hint: string): string { return `${hint}${this.labels++}`; }

  private base(buf: Buffer): number {
    const i = this.bases.get(buf.name);
    if (i === undefined) throw new Error(`internal error: kernel ${this.f.name} uses buffer ${buf.name} that is not a parameter`);
    return i;
  }

  addressOf(buf: Buffer, index: Expr): { ptr: Ref; offset: number } {
    const p = this.ptrs?.address(buf, index);
    if (p) return p;
    // A constant term becomes the instruction's offset, so accesses a few elements apart share one address.
    const { rest, k } = splitOffset(index);
    return { ptr: this.address(buf, rest), offset: k * byteSize(buf.dtype) };
  }

  address(buf: Buffer, index: Expr): Ref {
    const w = this.w, size = byteSize(buf.dtype);
    const base = w.get(this.base(buf), W.i32);
    if (index.k === "const") return index.v === 0 ? base : w.op("i32", "add", base, w.i32(index.v * size));
    let idx = this.expr(index);
    if (kindOf(index.dtype) === "i64") idx = w.op("i32", "wrap", idx);
    else if (kindOf(index.dtype) !== "i32") throw new Error(`internal error: ${index.dtype} index`);
    const scaled = size === 1 ? idx : w.op("i32", "shl", idx, w.i32(Math.log2(size)));
    return w.op("i32", "add", base, scaled);
  }

  // ---- statements ----

  stmt(s: Stmt): Ref {
    const w = this.w;
    switch (s.k) {
      case "for": {
        this.vec.forget();
        const r = this.forLoop(s);
        this.vec.forget();
        return r;
      }
      case "seq": return s.body.length ? w.block(null, s.body.map((x) => this.stmt(x))) : w.nop();
      case "if": {
        const c = this.withLoads(this.truthy(s.c));
        this.vec.forget();
        const then = this.stmt(s.then);
        this.vec.forget();
        const other = s.else ? this.stmt(s.else) : undefined;
        this.vec.forget();
        return w.if(c, then, other);
      }
      case "store": {
        let r: Ref;
        if (isVector(s.index)) r = this.vec.store(s);
        else if (!s.mask) r = this.store(s.buf, s.index, s.value);
        else {
          const c = this.truthy(s.mask);
          this.vec.lazy++;
          r = w.if(c, this.store(s.buf, s.index, s.value));
          this.vec.lazy--;
        }
        r = this.withLoads(r);
        this.vec.forget();
        return r;
      }
      case "decl": case "assign": {
        const x = s.k === "decl" ? s.init : s.value;
        const r = this.withLoads(w.set(this.local(s.v), s.v.lanes ? this.vec.expr(x) : this.implicit(this.expr(x), x.dtype, s.v.dtype)));
        this.vec.forget(s.v.name);
        return r;
      }
    }
    throw new Error(`internal error: statement ${(s as { k: string }).k} in the WebAssembly backend`);
  }

  /** `r` after the vector loads it reads (VectorBuilder.cached). */
  private withLoads(r: Ref): Ref {
    const p = this.vec.flush();
    return p.length ? this.w.block(null, [...p, r]) : r;
  }

  store(buf: Buffer, index: Expr, value: Expr): Ref {
    return this.storeTo(buf, this.addressOf(buf, index), this.implicit(this.expr(value), value.dtype, buf.dtype));
  }

  private forLoop(s: ForStmt): Ref {
    const w = this.w, i = (n: string, ...a: Ref[]) => w.op("i32", n, ...a);
    const v = this.local(s.v);
    const lo = s.lo ? this.implicit(this.expr(s.lo), s.lo.dtype, "i32") : w.i32(0);
    const cont = this.label("loop");
    const outer = this.ptrs;
    const ptrs = hasLoop(s.body) ? undefined : new LoopPointers(this, s);
    this.ptrs = ptrs;
    const body = w.block(null, [this.stmt(s.body), ...(ptrs?.bump ?? [])]);
    this.ptrs = outer;
    const init = ptrs?.init ?? [];
    if (!s.lo && !s.hi) {
      if (s.extent <= 0) return w.nop();
      // for (v = 0; v < extent; ++v) with a known extent >= 1: test at the bottom.
      return w.block(null, [
        ...init,
        w.set(v, w.i32(0)),
        w.loop(cont, w.block(null, [body, w.br(cont, i("lt_s", w.tee(v, i("add", w.get(v, W.i32), w.i32(1)), W.i32), w.i32(s.extent)))])),
      ]);
    }
    // The bound is evaluated once, as the JS evaluator does.
    const hi = this.tmp(W.i32);
    const brk = this.label("done");
    return w.block(brk, [
      w.set(v, lo),
      w.set(hi, s.hi ? this.implicit(this.expr(s.hi), s.hi.dtype, "i32") : w.i32(s.extent)),
      w.br(brk, i("ge_s", w.get(v, W.i32), w.get(hi, W.i32))),
      ...init,
      w.loop(cont, w.block(null, [body, w.br(cont, i("lt_s", w.tee(v, i("add", w.get(v, W.i32), w.i32(1)), W.i32), w.get(hi, W.i32)))])),
    ]);
  }

  private storeTo(buf: Buffer, { ptr, offset }: { ptr: Ref; offset: number }, value: Ref): Ref {
    const w = this.w, size = byteSize(buf.dtype), k = kindOf(buf.dtype);
    if (k !== "i32" || size === 4) return w.op(k, "store", offset, size, ptr, value);
    return w.op("i32", size === 1 ? "store8" : "store16", offset, size, ptr, value);
  }

  private loadFrom(buf: Buffer, { ptr, offset }: { ptr: Ref; offset: number }): Ref {
    const w = this.w, r = rawOf(buf.dtype), size = byteSize(buf.dtype), k = kindOfRaw(r);
    if (k !== "i32" || size === 4) return w.op(k, "load", offset, size, ptr);
    return w.op("i32", `load${size * 8}_${signedRaw(r) ? "s" : "u"}`, offset, size, ptr);
  }

  // ---- expressions ----

  expr(e: Expr): Ref {
    const w = this.w;
    if (isVector(e)) throw new Error(`internal error: a vector ${e.k} where a scalar is expected`);
    switch (e.k) {
      case "const": return this.constant(e.v, e.dtype);
      case "var": return w.get(this.local(e), wtypeOf(e.dtype));
      case "load":
        if (e.mask) return this.expr({ k: "select", c: e.mask, a: { k: "load", buf: e.buf, index: e.index, dtype: e.dtype }, b: { k: "const", v: 0, dtype: e.dtype }, dtype: e.dtype });
        return this.loadFrom(e.buf, this.addressOf(e.buf, e.index));
      case "hreduce": case "shuffle": return this.vec.scalar(e);
      case "fma": return this.expr({ k: "bin", op: "add", a: { k: "bin", op: "mul", a: e.a, b: e.b, dtype: e.dtype }, b: e.c, dtype: e.dtype });
      case "bin": return this.binary(e.op, e.a, e.b, e.dtype);
      case "un": return this.unary(e.op, e.a, e.dtype);
      case "cast": return this.cast(this.expr(e.a), e.a.dtype, e.dtype);
      case "select": {
        const c = this.truthy(e.c);
        // C's ?: evaluates one side only; a guarded load may be out of bounds, so branch around loads.
        const lazy = hasLoad(e.a) || hasLoad(e.b);
        if (lazy) this.vec.lazy++;
        const a = this.implicit(this.expr(e.a), e.a.dtype, e.dtype), b = this.implicit(this.expr(e.b), e.b.dtype, e.dtype);
        if (lazy) this.vec.lazy--;
        return lazy ? w.if(c, a, b) : w.select(a, b, c);
      }
      case "access": case "reduce": throw new Error("internal error: tensor expression left in lowered IR");
    }
    const x = e as { k: string; a?: Expr; dtype: DType };
    if (x.k === "bitcast" && x.a) return this.bitcast(this.expr(x.a), x.a.dtype, x.dtype);
    throw new Error(`internal error: expression ${x.k} in the WebAssembly backend`);
  }

  constant(v: number, t: DType): Ref {
    const w = this.w;
    if (t === "f32") return w.f32(Math.fround(v));
    if (t === "f64") return w.f64(v);
    if (t === "i64") {
      if (Number.isNaN(v)) return w.i64(0n);
      return w.i64(v >= 2 ** 63 ? (1n << 63n) - 1n : v <= -(2 ** 63) ? -(1n << 63n) : BigInt(Math.trunc(v)));
    }
    if (t === "u64") return w.i64(Number.isNaN(v) || v <= 0 ? 0n : v >= 2 ** 64 ? (1n << 64n) - 1n : BigInt(Math.trunc(v)));
    if (t === "bool") return w.i32(v ? 1 : 0);
    return w.i32(wrapInt(Number.isFinite(v) ? Math.trunc(v) : 0, rawOf(t)));
  }

  /** A value as a wasm condition (nonzero i32). */
  truthy(e: Expr): Ref {
    const w = this.w, k = kindOf(e.dtype), x = this.expr(e);
    if (k === "i32") return x;
    if (k === "i64") return w.op("i64", "ne", x, w.i64(0n));
    return w.op(k, "ne", x, k === "f32" ? w.f32(0) : w.f64(0));
  }

  /** Re-wraps an i32-held small integer to its type after arithmetic. */
  norm(x: Ref, r: Raw): Ref {
    const w = this.w;
    switch (r) {
      case "i8": return w.op("i32", "extend8_s", x);
      case "i16": return w.op("i32", "extend16_s", x);
      case "u8": return w.op("i32", "and", x, w.i32(0xff));
      case "u16": return w.op("i32", "and", x, w.i32(0xffff));
      default: return x;
    }
  }

  private binary(op: BinOp, a: Expr, b: Expr, t: DType): Ref {
    const w = this.w;
    const at = a.dtype, r = rawOf(at), k = kindOfRaw(r), fl = k === "f32" || k === "f64";
    const sg = signedRaw(r);
    if (op === "land" || op === "lor") {
      const A = this.truthy(a);
      this.vec.lazy++;
      const Bt = this.truthy(b);
      this.vec.lazy--;
      const B = kindOf(b.dtype) === "i32" && b.dtype !== "bool" ? w.op("i32", "ne", Bt, w.i32(0)) : Bt;
      const Ab = kindOf(a.dtype) === "i32" && a.dtype !== "bool" ? w.op("i32", "ne", A, w.i32(0)) : A;
      if (hasLoad(b)) return op === "land" ? w.if(A, B, w.i32(0)) : w.if(A, w.i32(1), B);
      return w.op("i32", op === "land" ? "and" : "or", Ab, B);
    }
    const A = this.expr(a), B = this.implicit(this.expr(b), b.dtype, at);
    const o = (n: string, ...x: Ref[]) => w.op(k, n, ...x);
    const cmp = CMP[op];
    if (cmp) return o(fl ? cmp[0] : sg ? cmp[1] : cmp[2], A, B);
    const ik = k as "i32" | "i64";
    switch (op) {
      case "add": case "sub": case "mul": return fl ? o(op, A, B) : this.norm(o(op, A, B), r);
      case "div":
        if (fl) return o("div", A, B);
        if (b.k === "const" && b.v !== 0 && b.v !== -1) return this.norm(o(sg ? "div_s" : "div_u", A, B), r);
        return this.norm(this.rt.div(ik, sg, A, B), r);
      case "mod": case "fmod":
        if (fl) return this.fromF64(this.rt.math("fmod", [this.toF64(A, k), this.toF64(B, k)]), k);
        if (b.k === "const" && b.v !== 0) return o(sg ? "rem_s" : "rem_u", A, B);
        return this.rt.rem(ik, sg, A, B);
      case "floordiv": case "floormod": {
        const mod = op === "floormod";
        if (fl) {
          if (!mod) return o("floor", o("div", A, B));
          const m1 = this.rt.math("fmod", [this.toF64(A, k), this.toF64(B, k)]);
          const tb = this.tmp(W.f64);
          return this.fromF64(this.rt.math("fmod", [w.op("f64", "add", m1, w.tee(tb, this.toF64(B, k), W.f64)), w.get(tb, W.f64)]), k);
        }
        if (!sg || (nonneg(a) && b.k === "const" && b.v > 0)) {
          if (b.k === "const" && b.v > 0) return o(mod ? (sg ? "rem_s" : "rem_u") : sg ? "div_s" : "div_u", A, B);
          return mod ? this.rt.rem(ik, false, A, B) : this.rt.div(ik, false, A, B);
        }
        return this.norm(this.rt.floor(ik, mod, A, B), r);
      }
      case "min": case "max": {
        // As the C runtime's edgec_min/max: a < b ? a : b (a > b for max); a float NaN on either
        // side propagates, and against a constant k one comparison keeps it (x < k ? k : x).
        const ty = W[k], ta = this.tmp(ty), tb = this.tmp(ty);
        const rel = (op === "min") !== (fl && (isOrderedConst(a) || isOrderedConst(b)));
        const cmpOp = rel ? (fl ? "lt" : sg ? "lt_s" : "lt_u") : fl ? "gt" : sg ? "gt_s" : "gt_u";
        // A constant is built twice: a binaryen expression has one parent.
        if (fl && isOrderedConst(b)) return w.select(B, w.tee(ta, A, ty), o(cmpOp, w.get(ta, ty), this.implicit(this.expr(b), b.dtype, at)));
        if (fl && isOrderedConst(a)) return w.select(A, w.tee(tb, B, ty), o(cmpOp, w.get(tb, ty), this.expr(a)));
        let c = o(cmpOp, w.get(ta, ty), w.get(tb, ty));
        if (fl) c = w.op("i32", "or", c, o("ne", w.get(ta, ty), w.get(ta, ty)));
        return w.select(w.tee(ta, A, ty), w.tee(tb, B, ty), c);
      }
      case "pow": case "atan2":
        if (!fl) throw new Error(`internal error: ${op} on ${at}`);
        return this.fromF64(this.rt.math(op, [this.toF64(A, k), this.toF64(B, k)]), k);
      case "and": case "or": case "xor":
        if (fl) throw new Error(`internal error: ${op} on ${at}`);
        return o(op, A, B);
      case "shl": return this.norm(o("shl", A, B), rawOf(t));
      case "shr": return this.norm(o(sg ? "shr_s" : "shr_u", A, B), rawOf(t));
    }
    throw new Error(`internal error: binary op ${op} in the WebAssembly backend`);
  }

  private toF64(x: Ref, k: Kind): Ref { return k === "f32" ? this.w.op("f64", "promote", x) : x; }
  private fromF64(x: Ref, k: Kind): Ref { return k === "f32" ? this.w.op("f32", "demote", x) : x; }

  private unary(op: UnOp, a: Expr, t: DType): Ref {
    const w = this.w, r = rawOf(a.dtype), k = kindOfRaw(r), fl = k === "f32" || k === "f64";
    const A = this.expr(a), o = (n: string, ...x: Ref[]) => w.op(k, n, ...x);
    const zero = () => this.constant(0, a.dtype);
    if (fl) {
      // The hot ones on f32 run in WebAssembly; the rest call the loader's Math.
      if (k === "f32" && op === "exp") return this.rt.expF32(A);
      if (k === "f32" && op === "tanh") return this.rt.tanhF32(A);
      if (k === "f32" && op === "erf") return this.rt.erfF32(A);
      const m = MATH_UN[op];
      if (m) return this.fromF64(this.rt.math(m, [this.toF64(A, k)]), k);
      const n = NATIVE_UN[op];
      if (n) return o(n, A);
      const ty = W[k];
      switch (op) {
        case "isnan": { const ta = this.tmp(ty); return o("ne", w.tee(ta, A, ty), w.get(ta, ty)); }
        case "isinf": return o("eq", o("abs", A), k === "f32" ? w.f32(Infinity) : w.f64(Infinity));
        case "lnot": return o("eq", A, zero());
        case "sign": {
          const ta = this.tmp(ty);
          const s = w.op("i32", "sub", o("gt", w.tee(ta, A, ty), zero()), o("lt", w.get(ta, ty), zero()));
          return o("convert_s.i32", s);
        }
        case "sigmoid": {
          const e = k === "f32" ? this.rt.expF32(o("neg", A)) : this.rt.math("exp", [o("neg", A)]);
          const one = this.constant(1, a.dtype);
          return o("div", one, o("add", this.constant(1, a.dtype), e));
        }
      }
      throw new Error(`internal error: unary op ${op} on ${a.dtype}`);
    }
    const ty = W[k], sg = signedRaw(r);
    switch (op) {
      case "neg": return this.norm(o("sub", zero(), A), rawOf(t));
      case "abs": {
        if (!sg) return A;
        const ta = this.tmp(ty);
        return this.norm(w.select(o("sub", zero(), w.tee(ta, A, ty)), w.get(ta, ty), o("lt_s", w.get(ta, ty), zero())), rawOf(t));
      }
      case "not": return this.norm(o("xor", A, k === "i64" ? w.i64(-1n) : w.i32(-1)), rawOf(t));
      case "lnot": return o("eqz", A);
      case "sign": {
        const ta = this.tmp(ty);
        const s = w.op("i32", "sub", o(sg ? "gt_s" : "gt_u", w.tee(ta, A, ty), zero()), o(sg ? "lt_s" : "lt_u", w.get(ta, ty), zero()));
        return k === "i64" ? w.op("i64", "extend_s", s) : this.norm(s, rawOf(t));
      }
      case "isnan": case "isinf": return w.i32(0);
    }
    throw new Error(`internal error: unary op ${op} on ${a.dtype}`);
  }

  /** An explicit conversion, as CEmitter.cast prints it. */
  cast(x: Ref, from: DType, to: DType): Ref {
    if (from === to) return x;
    const w = this.w;
    let v = x, f: DType = from;
    if (from === "f16") { v = this.rt.f16ToF32(x); f = "f32"; }
    else if (from === "bf16") { v = this.rt.bf16ToF32(x); f = "f32"; }
    else if (isF8(from)) { v = this.rt.f8ToF32(from, x); f = "f32"; }
    else if (isBitsFloat(from)) throw new Error(`internal error: cast from ${from} reached the WebAssembly backend`);
    if (to === "f16" || to === "bf16" || isF8(to)) {
      const f32 = this.convert(v, rawOf(f), "f32");
      return to === "f16" ? this.rt.f32ToF16(f32) : to === "bf16" ? this.rt.f32ToBf16(f32) : this.rt.f32ToF8(to, f32);
    }
    if (isBitsFloat(to)) throw new Error(`internal error: cast to ${to} reached the WebAssembly backend`);
    if (to === "bool") {
      const k = kindOf(f);
      if (k === "i32") return w.op("i32", "ne", v, w.i32(0));
      return w.op(k, "ne", v, k === "i64" ? w.i64(0n) : k === "f32" ? w.f32(0) : w.f64(0));
    }
    return this.convert(v, rawOf(f), rawOf(to));
  }

  /** C's implicit conversion between stored types (a bool or half is its integer storage here). */
  implicit(x: Ref, from: DType, to: DType): Ref {
    return from === to ? x : this.convert(x, rawOf(from), rawOf(to));
  }

  /** Reinterprets bits between types of one byte size. */
  bitcast(x: Ref, from: DType, to: DType): Ref {
    const kf = kindOf(from), kt = kindOf(to);
    if (kf === kt) return this.norm(x, rawOf(to));
    return this.norm(this.w.op(kt, "reinterpret", x), rawOf(to));
  }

  /** Converts between raw types: float to integer saturates (NaN to 0), integers wrap. */
  private convert(x: Ref, f: Raw, t: Raw): Ref {
    if (f === t) return x;
    const w = this.w, kf = kindOfRaw(f), kt = kindOfRaw(t);
    const ff = kf === "f32" || kf === "f64", tf = kt === "f32" || kt === "f64";
    if (ff && tf) return w.op(kt, kt === "f64" ? "promote" : "demote", x);
    if (!ff && tf) return w.op(kt, `convert_${signedRaw(f) ? "s" : "u"}.${kf}`, x);
    if (ff && !tf) {
      if (kt === "i64") return w.op("i64", `trunc_${signedRaw(t) ? "s" : "u"}_sat.${kf}`, x);
      if (t === "i32" || t === "u32") return w.op("i32", `trunc_${t === "i32" ? "s" : "u"}_sat.${kf}`, x);
      // Narrow targets: saturate to i32/u32, then clamp to the type's range.
      const [lo, hi] = RANGE[t]!;
      const y = w.op("i32", `trunc_${signedRaw(t) ? "s" : "u"}_sat.${kf}`, x);
      return this.clamp(y, lo, hi, signedRaw(t));
    }
    // integer to integer
    if (kf === "i64" && kt === "i32") return this.norm(w.op("i32", "wrap", x), t);
    if (kf === "i32" && kt === "i64") return w.op("i64", signedRaw(f) ? "extend_s" : "extend_u", x);
    return kf === "i64" ? x : this.norm(x, t);
  }

  private clamp(y: Ref, lo: number, hi: number, signed: boolean): Ref {
    const w = this.w, ty = this.tmp(W.i32), i = (n: string, ...a: Ref[]) => w.op("i32", n, ...a);
    // select evaluates its operands in order, so each tee comes before its get.
    if (!signed) return w.select(w.tee(ty, y, W.i32), w.i32(hi), i("lt_u", w.get(ty, W.i32), w.i32(hi)));
    const t2 = this.tmp(W.i32);
    const upper = w.select(w.tee(ty, y, W.i32), w.i32(hi), i("lt_s", w.get(ty, W.i32), w.i32(hi)));
    return w.select(w.tee(t2, upper, W.i32), w.i32(lo), i("gt_s", w.get(t2, W.i32), w.i32(lo)));
  }
}

const RANGE: Partial<Record<Raw, [number, number]>> = { i8: [-128, 127], i16: [-32768, 32767], u8: [0, 255], u16: [0, 65535] };

/** An integer constant as the 32-bit pattern a value of raw type r holds in an i32. */
export function wrapInt(v: number, r: Raw): number {
  switch (r) {
    case "i8": return (v << 24) >> 24;
    case "u8": return v & 0xff;
    case "i16": return (v << 16) >> 16;
    case "u16": return v & 0xffff;
    case "u32": return Number(BigInt.asUintN(32, BigInt(v))) | 0;
    default: return Number(BigInt.asIntN(32, BigInt(v)));
  }
}

function hasLoad(e: Expr): boolean {
  switch (e.k) {
    case "load": return true;
    case "const": case "var": return false;
    case "bin": return hasLoad(e.a) || hasLoad(e.b);
    case "select": return hasLoad(e.c) || hasLoad(e.a) || hasLoad(e.b);
    default: {
      const x = e as { a?: Expr };
      return x.a ? hasLoad(x.a) : true;
    }
  }
}

