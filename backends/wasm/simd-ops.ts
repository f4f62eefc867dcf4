/**
 * @fileoverview The SIMD128 table: instructions for Tensor IR vector operations on four 32-bit
 * lanes, with the C backend's semantics lane by lane: f32 as f32x4; i32, u32 and the narrow
 * integers as i32x4 (narrow values kept sign- or zero-extended, re-wrapped after arithmetic);
 * bool as a lane mask (all ones or zero). hasBin/hasUn say which operations have an entry; the
 * vector builder computes the others lane by lane. Scalars come and go in the scalar builder's
 * representation.
 */
import { DType, byteSize } from "../../ir/dtype.ts";
import { BinOp, UnOp } from "../../ir/tir.ts";
import { Ref, W, WasmModule } from "./binaryen.ts";
import { rawOf, wrapInt } from "./emit.ts";

const FLOAT_CMP: Partial<Record<BinOp, string>> = { eq: "eq", ne: "ne", lt: "lt", le: "le", gt: "gt", ge: "ge" };
const INT_CMP: Partial<Record<BinOp, [string, string]>> = {
  eq: ["eq", "eq"], ne: ["ne", "ne"], lt: ["lt_s", "lt_u"], le: ["le_s", "le_u"], gt: ["gt_s", "gt_u"], ge: ["ge_s", "ge_u"],
};
const RANGE: Partial<Record<DType, [number, number]>> = { i8: [-128, 127], i16: [-32768, 32767], u8: [0, 255], u16: [0, 65535] };

/** Element types a v128 holds as four 32-bit lanes. */
const LANE_TYPES: ReadonlySet<DType> = new Set<DType>(["f32", "i32", "u32", "i16", "u16", "i8", "u8", "bool"]);
const F32_BIN: ReadonlySet<BinOp> = new Set<BinOp>(["add", "sub", "mul", "div", "min", "max", "eq", "ne", "lt", "le", "gt", "ge"]);
const INT_BIN: ReadonlySet<BinOp> = new Set<BinOp>(["add", "sub", "mul", "min", "max", "and", "or", "xor", "eq", "ne", "lt", "le", "gt", "ge"]);
const BOOL_BIN: ReadonlySet<BinOp> = new Set<BinOp>(["land", "lor", "and", "or", "xor", "eq", "ne"]);
const F32_UN: ReadonlySet<UnOp> = new Set<UnOp>(["neg", "abs", "sqrt", "floor", "ceil", "trunc", "round", "isnan", "isinf", "sign"]);
const INT_UN: ReadonlySet<UnOp> = new Set<UnOp>(["neg", "abs", "not"]);

/** True when bin() has an instruction sequence for `op` on operands of `t` (shifts: shift()). */
export function hasBin(op: BinOp, t: DType): boolean {
  if (!LANE_TYPES.has(t)) return false;
  return t === "f32" ? F32_BIN.has(op) : t === "bool" ? BOOL_BIN.has(op) : INT_BIN.has(op);
}

/** True when un() has an instruction sequence for `op` on an operand of `t`. */
export function hasUn(op: UnOp, t: DType): boolean {
  if (!LANE_TYPES.has(t)) return false;
  if (op === "lnot") return t === "bool";
  return t === "f32" ? F32_UN.has(op) : t !== "bool" && INT_UN.has(op);
}

/** True when cast() converts between the two types. */
export const hasCast = (from: DType, to: DType): boolean => LANE_TYPES.has(from) && LANE_TYPES.has(to);

export class VecOps {
  constructor(private readonly w: WasmModule) {}

  private f(n: string, ...a: (Ref | number | ArrayLike<number>)[]): Ref { return this.w.op("f32x4", n, ...a); }
  private i(n: string, ...a: (Ref | number | ArrayLike<number>)[]): Ref { return this.w.op("i32x4", n, ...a); }
  private v(n: string, ...a: (Ref | number | ArrayLike<number>)[]): Ref { return this.w.op("v128", n, ...a); }

  /** v128.const of four lanes of `t` (bool: masks). */
  constVec(vals: number[], t: DType): Ref {
    const bytes = new Uint8Array(16);
    if (t === "f32") new Float32Array(bytes.buffer).set(vals.map(Math.fround));
    else new Int32Array(bytes.buffer).set(vals.map((x) => (t === "bool" ? (x ? -1 : 0) : wrapInt(x, rawOf(t)))));
    return this.v("const", bytes);
  }

  splat(x: Ref, t: DType): Ref {
    if (t === "f32") return this.f("splat", x);
    if (t === "bool") return this.i("splat", this.w.op("i32", "sub", this.w.i32(0), x));
    return this.i("splat", x);
  }

  /** Lane l as the scalar builder holds a value of `t`. */
  extract(x: Ref, l: number, t: DType): Ref {
    if (t === "f32") return this.f("extract_lane", x, l);
    const y = this.i("extract_lane", x, l);
    return t === "bool" ? this.w.op("i32", "and", y, this.w.i32(1)) : y;
  }

  replace(x: Ref, l: number, s: Ref, t: DType): Ref {
    if (t === "f32") return this.f("replace_lane", x, l, s);
    return this.i("replace_lane", x, l, t === "bool" ? this.w.op("i32", "sub", this.w.i32(0), s) : s);
  }

  /** A vector from four scalars. */
  build(vals: Ref[], t: DType): Ref {
    let x = this.splat(vals[0]!, t);
    for (let l = 1; l < vals.length; l++) x = this.replace(x, l, vals[l]!, t);
    return x;
  }

  /** Four consecutive elements at ptr + offset bytes. */
  load(t: DType, ptr: Ref, offset = 0): Ref {
    const size = byteSize(t);
    if (size === 4) return this.v("load", offset, 4, ptr);
    const signed = t === "i8" || t === "i16";
    const sfx = signed ? "s" : "u";
    if (size === 2) return this.i(`extend_low_i16x8_${sfx}`, this.v("load64_zero", offset, 2, ptr));
    const x = this.i(`extend_low_i16x8_${sfx}`, this.w.op("i16x8", `extend_low_i8x16_${sfx}`, this.v("load32_zero", offset, 1, ptr)));
    return t === "bool" ? this.i("neg", x) : x;
  }

  store(t: DType, ptr: Ref, x: Ref, offset = 0): Ref {
    const size = byteSize(t);
    if (size === 4) return this.v("store", offset, 4, ptr, x);
    const y = t === "bool" ? this.v("and", x, this.constVec([1, 1, 1, 1], "i32")) : x;
    // The shuffle reads only its first operand (indices below 16); the second is a dummy.
    const z = this.constVec([0, 0, 0, 0], "i32");
    if (size === 2) return this.v("store64_lane", offset, 2, 0, ptr, this.w.op("i8x16", "shuffle", y, z, [0, 1, 4, 5, 8, 9, 12, 13, 0, 1, 4, 5, 8, 9, 12, 13]));
    return this.v("store32_lane", offset, 1, 0, ptr, this.w.op("i8x16", "shuffle", y, z, [0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12]));
  }

  /** Re-wraps i32 lanes to a narrow type, as a C cast to it does. */
  norm(x: Ref, t: DType): Ref {
    switch (t) {
      case "i8": return this.i("shr_s", this.i("shl", x, this.w.i32(24)), this.w.i32(24));
      case "i16": return this.i("shr_s", this.i("shl", x, this.w.i32(16)), this.w.i32(16));
      case "u8": return this.v("and", x, this.constVec([255, 255, 255, 255], "i32"));
      case "u16": return this.v("and", x, this.constVec([65535, 65535, 65535, 65535], "i32"));
      default: return x;
    }
  }

  /**
   * A binary operation on operands of type `t` (shifts go through shift()). `ordered` names an
   * operand that is a constant other than NaN, which lets f32 min/max keep NaN in one instruction.
   */
  bin(op: BinOp, a: Ref, b: Ref, t: DType, ordered?: "a" | "b"): Ref {
    if (t === "f32") {
      const cmp = FLOAT_CMP[op];
      if (cmp) return this.f(cmp, a, b);
      switch (op) {
        case "add": case "sub": case "mul": case "div": return this.f(op, a, b);
        case "min": case "max": {
          // pmax(x, k) = x < k ? k : x and pmin(x, k) = k < x ? k : x, as edgec_maxkf/minkf.
          if (ordered) return this.f(op === "max" ? "pmax" : "pmin", ordered === "b" ? a : b, ordered === "b" ? b : a);
          // edgec_maxf(a, b) = (a > b | a != a) ? a : b; the operands are read through locals.
          const x = this.local(a), y = this.local(b);
          const va = x.get(), vb = y.get();
          const keep = this.v("or", this.f(op === "max" ? "gt" : "lt", x.get(), y.get()), this.f("ne", x.get(), x.get()));
          return this.v("bitselect", va, vb, keep);
        }
      }
      throw new Error(`internal error: no f32x4 form for ${op}`);
    }
    if (t === "bool") {
      switch (op) {
        case "land": case "and": return this.v("and", a, b);
        case "lor": case "or": return this.v("or", a, b);
        case "xor": case "ne": return this.v("xor", a, b);
        case "eq": return this.i("eq", a, b);
      }
      throw new Error(`internal error: no mask form for ${op}`);
    }
    const uns = t === "u32";
    const cmp = INT_CMP[op];
    if (cmp) return this.i(cmp[uns ? 1 : 0], a, b);
    switch (op) {
      case "add": case "sub": case "mul": return this.norm(this.i(op, a, b), t);
      case "min": return this.i(uns ? "min_u" : "min_s", a, b);
      case "max": return this.i(uns ? "max_u" : "max_s", a, b);
      case "and": case "or": case "xor": return this.v(op, a, b);
    }
    throw new Error(`internal error: no i32x4 form for ${op} on ${t}`);
  }

  /** a << n or a >> n (arithmetic for signed types) with one scalar count. */
  shift(op: "shl" | "shr", a: Ref, n: Ref, t: DType): Ref {
    const signed = t === "i32" || t === "i16" || t === "i8";
    return this.norm(this.i(op === "shl" ? "shl" : signed ? "shr_s" : "shr_u", a, n), t);
  }

  un(op: UnOp, a: Ref, t: DType): Ref {
    if (t === "f32") {
      switch (op) {
        case "neg": case "abs": case "sqrt": case "floor": case "ceil": case "trunc": return this.f(op, a);
        case "round": return this.f("nearest", a);
        case "isnan": { const l = this.local(a); return this.f("ne", l.get(), l.get()); }
        case "isinf": return this.f("eq", this.f("abs", a), this.constVec([Infinity, Infinity, Infinity, Infinity], "f32"));
        case "sign": {
          // (x > 0) - (x < 0) as floats: a mask's -1 converts to -1.0.
          const l = this.local(a), zero = this.constVec([0, 0, 0, 0], "f32");
          return this.f("convert_i32x4_s", this.i("sub", this.f("lt", l.get(), zero), this.f("gt", l.get(), zero)));
        }
      }
      throw new Error(`internal error: no f32x4 form for ${op}`);
    }
    if (op === "lnot") return this.v("not", a);
    switch (op) {
      case "neg": return this.norm(this.i("neg", a), t);
      case "abs": return t === "u32" || t === "u16" || t === "u8" ? a : this.norm(this.i("abs", a), t);
      case "not": return this.norm(this.v("not", a), t);
    }
    throw new Error(`internal error: no i32x4 form for ${op} on ${t}`);
  }

  /** An explicit conversion, as the C backend's cast. */
  cast(x: Ref, from: DType, to: DType): Ref {
    if (from === to) return x;
    if (to === "bool") return from === "f32" ? this.f("ne", x, this.constVec([0, 0, 0, 0], "f32")) : this.i("ne", x, this.constVec([0, 0, 0, 0], "i32"));
    if (from === "bool") {
      const one = this.v("and", x, this.constVec([1, 1, 1, 1], "i32"));
      return to === "f32" ? this.f("convert_i32x4_s", one) : one;
    }
    if (from === "f32") {
      if (to === "i32") return this.i("trunc_sat_f32x4_s", x);
      if (to === "u32") return this.i("trunc_sat_f32x4_u", x);
      const [lo, hi] = RANGE[to]!;
      if (to === "u8" || to === "u16") return this.i("min_u", this.i("trunc_sat_f32x4_u", x), this.constVec([hi, hi, hi, hi], "i32"));
      return this.i("max_s", this.i("min_s", this.i("trunc_sat_f32x4_s", x), this.constVec([hi, hi, hi, hi], "i32")), this.constVec([lo, lo, lo, lo], "i32"));
    }
    if (to === "f32") return this.f(from === "u32" ? "convert_i32x4_u" : "convert_i32x4_s", x);
    return this.norm(x, to);
  }

  /** Reinterprets lanes between types of one byte size (f32 and the 32-bit integers share bits). */
  bitcast(x: Ref, from: DType, to: DType): Ref {
    if (from === to || (byteSize(from) === 4 && byteSize(to) === 4)) return x;
    return this.norm(x, to);
  }

  private local(x: Ref): { get: () => Ref } {
    // The value is used twice: evaluate it once into a fresh scope-free tee.
    const w = this.w;
    let first = true;
    const id = this.tmp();
    return { get: () => (first ? ((first = false), w.tee(id, x, W.v128)) : w.get(id, W.v128)) };
  }

  /** Set by the vector builder: a fresh v128 local. */
  tmp: () => number = () => { throw new Error("internal error: VecOps.tmp not set"); };
}

