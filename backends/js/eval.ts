/**
 * @fileoverview Runs Tensor IR in process by printing it as JavaScript. Constant folding uses
 * this, so compile-time evaluation shares the one definition of each op.
 * 64-bit integers are computed as JS numbers (exact up to 2^53).
 */
import {
  DType, TypedArray, bf16ToF32, byteSize, f16ToF32, f32ToBf16, f32ToF16, f32ToF8, f8ToF32, isF8, isFloat, isNarrow, isSigned,
} from "../../ir/dtype.ts";
import { narrowCast } from "../../ir/narrow-cast.ts";
import { erf } from "./erf.ts";
import { Expr, PrimFunc, Stmt } from "../../ir/tir.ts";

const cache = new Map<string, (bufs: TypedArray[]) => void>();

export function evaluate(f: PrimFunc, bufs: TypedArray[]): void {
  const src = printFunc(f);
  let fn = cache.get(src);
  if (!fn) {
    const raw = new Function("B", "H", src) as (b: TypedArray[], h: typeof HELPERS) => void;
    fn = (b) => raw(b, HELPERS);
    if (cache.size > 500) cache.clear();
    cache.set(src, fn);
  }
  fn(bufs);
}

const f32 = new Float32Array(1);
const bitsView = new DataView(new ArrayBuffer(8));
const SAT_RANGE: Record<string, [number, number]> = {
  i8: [-128, 127], i16: [-32768, 32767], i32: [-(2 ** 31), 2 ** 31 - 1], u8: [0, 255], u16: [0, 65535],
  u32: [0, 2 ** 32 - 1], i64: [-(2 ** 63), 2 ** 63], u64: [0, 2 ** 64],
};
const HELPERS = {
  f16ToF32, f32ToF16, bf16ToF32, f32ToBf16, f8ToF32, f32ToF8,
  erf,
  round(x: number): number {
    // Round half to even, as C's nearbyint in the default mode.
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  fround(x: number): number {
    f32[0] = x;
    return f32[0]!;
  },
  sat(x: number, t: string): number {
    if (Number.isNaN(x)) return 0;
    const [lo, hi] = SAT_RANGE[t]!;
    return x <= lo ? lo : x >= hi ? hi : Math.trunc(x);
  },
  /** Bitwise ops on 64-bit integers, which JS's 32-bit operators would truncate. */
  bits64(op: string, a: number, b: number, t: string): number {
    const x = BigInt(a), y = BigInt(b);
    const r = op === "and" ? x & y : op === "or" ? x | y : op === "xor" ? x ^ y : op === "shl" ? x << y
      : op === "shr" ? x >> y : ~x;
    return Number(t === "u64" ? BigInt.asUintN(64, r) : BigInt.asIntN(64, r));
  },
  /** Reinterprets the bits of a value held as f32, f64, i32, u32, i64 or u64. */
  bitcast(x: number, from: string, to: string): number {
    const d = bitsView;
    if (from === "f32") d.setFloat32(0, x, true);
    else if (from === "f64") d.setFloat64(0, x, true);
    else if (from === "i32" || from === "u32") d.setUint32(0, x >>> 0, true);
    else d.setBigUint64(0, BigInt.asUintN(64, BigInt(Math.trunc(x) || 0)), true);
    switch (to) {
      case "f32": return d.getFloat32(0, true);
      case "f64": return d.getFloat64(0, true);
      case "i32": return d.getInt32(0, true);
      case "u32": return d.getUint32(0, true);
      case "i64": return Number(d.getBigInt64(0, true));
      default: return Number(d.getBigUint64(0, true));
    }
  },
  wrap(x: number, t: string): number {
    switch (t) {
      case "i8": return (x << 24) >> 24;
      case "u8": return x & 0xff;
      case "i16": return (x << 16) >> 16;
      case "u16": return x & 0xffff;
      case "i32": return x | 0;
      case "u32": return x >>> 0;
      default: return x;
    }
  },
};

function printFunc(f: PrimFunc): string {
  const lines: string[] = [];
  f.params.forEach((b, i) => lines.push(`const ${b.name} = B[${i}];`));
  lines.push(stmt(f.body));
  return lines.join("\n");
}

function stmt(s: Stmt): string {
  switch (s.k) {
    case "for": {
      const lo = s.lo ? expr(s.lo) : "0", hi = s.hi ? expr(s.hi) : `${s.extent}`;
      return `for (let ${s.v.name} = ${lo}, ${s.v.name}_hi = ${hi}; ${s.v.name} < ${s.v.name}_hi; ${s.v.name}++) {\n${stmt(s.body)}\n}`;
    }
    case "store": {
      const v = expr(s.value);
      const is64 = s.buf.dtype === "i64" || s.buf.dtype === "u64";
      return `${s.buf.name}[${expr(s.index)}] = ${is64 ? `BigInt(Math.trunc(${v}) || 0)` : storeConv(v, s.buf.dtype)};`;
    }
    case "seq": return s.body.map(stmt).join("\n");
    case "if": return `if (${expr(s.c)}) {\n${stmt(s.then)}\n}${s.else ? ` else {\n${stmt(s.else)}\n}` : ""}`;
    case "decl": return `let ${s.v.name} = ${expr(s.init)};`;
    case "assign": return `${s.v.name} = ${expr(s.value)};`;
  }
}

function storeConv(v: string, t: DType): string {
  if (t === "bool") return `(${v} ? 1 : 0)`;
  if (t === "f16" || t === "bf16") return v; // already bit patterns via cast
  return v;
}

const num = (v: number): string => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : `(${v})`);

function expr(e: Expr): string {
  switch (e.k) {
    case "const": return num(e.v);
    case "var": return e.name;
    case "load": {
      const l = `${e.buf.name}[${expr(e.index)}]`;
      return e.dtype === "i64" || e.dtype === "u64" ? `Number(${l})` : l;
    }
    case "bin": return binary(e.op, expr(e.a), expr(e.b), e.a.dtype, e.dtype);
    case "un": return unary(e.op, expr(e.a), e.dtype);
    case "cast":
      if (isNarrow(e.a.dtype) || isNarrow(e.dtype)) return expr(narrowCast(e.a, e.dtype));
      return castJs(expr(e.a), e.a.dtype, e.dtype);
    case "bitcast": return bitcastJs(expr(e.a), e.a.dtype, e.dtype);
    case "select": return `(${expr(e.c)} ? ${expr(e.a)} : ${expr(e.b)})`;
    case "access": case "reduce": throw new Error("internal error: tensor expression left in lowered IR");
  }
}

function fin(v: string, t: DType): string {
  if (t === "f32") return `H.fround(${v})`;
  if (isFloat(t) || t === "bool") return v;
  if (byteSize(t) <= 4) return `H.wrap(${v}, "${t}")`;
  return v;
}

function binary(op: string, a: string, b: string, at: DType, t: DType): string {
  const int = !isFloat(at);
  if ((at === "i64" || at === "u64") && ["and", "or", "xor", "shl", "shr"].includes(op))
    return `H.bits64("${op}", ${a}, ${b}, "${at}")`;
  switch (op) {
    case "add": return fin(`(${a} + ${b})`, t);
    case "sub": return fin(`(${a} - ${b})`, t);
    case "mul": return fin(int && byteSize(at) === 4 ? `Math.imul(${a}, ${b})` : `(${a} * ${b})`, t);
    case "div": return int ? fin(`Math.trunc(${a} / ${b})`, t) : fin(`(${a} / ${b})`, t);
    case "mod": return int ? fin(`(${a} % ${b})`, t) : fin(`(${a} % ${b})`, t);
    case "fmod": return fin(`(${a} % ${b})`, t);
    case "floordiv": return `Math.floor(${a} / ${b})`;
    case "floormod": return `(((${a} % ${b}) + ${b}) % ${b})`;
    case "min": return `Math.min(${a}, ${b})`;
    case "max": return `Math.max(${a}, ${b})`;
    case "pow": return fin(`Math.pow(${a}, ${b})`, t);
    case "atan2": return fin(`Math.atan2(${a}, ${b})`, t);
    case "and": return fin(`(${a} & ${b})`, t);
    case "or": return fin(`(${a} | ${b})`, t);
    case "xor": return fin(`(${a} ^ ${b})`, t);
    case "shl": return fin(`(${a} << ${b})`, t);
    case "shr": return fin(isSigned(at) ? `(${a} >> ${b})` : `(${a} >>> ${b})`, t);
    case "eq": return `(${a} === ${b})`;
    case "ne": return `(${a} !== ${b})`;
    case "lt": return `(${a} < ${b})`;
    case "le": return `(${a} <= ${b})`;
    case "gt": return `(${a} > ${b})`;
    case "ge": return `(${a} >= ${b})`;
    case "land": return `(${a} && ${b})`;
    case "lor": return `(${a} || ${b})`;
  }
  throw new Error(`internal error: binary op ${op}`);
}

function unary(op: string, a: string, t: DType): string {
  const m: Record<string, string> = {
    sqrt: "Math.sqrt", exp: "Math.exp", log: "Math.log", tanh: "Math.tanh", sin: "Math.sin", cos: "Math.cos",
    tan: "Math.tan", asin: "Math.asin", acos: "Math.acos", atan: "Math.atan", sinh: "Math.sinh", cosh: "Math.cosh",
    asinh: "Math.asinh", acosh: "Math.acosh", atanh: "Math.atanh", floor: "Math.floor", ceil: "Math.ceil",
    trunc: "Math.trunc", abs: "Math.abs", sign: "Math.sign", erf: "H.erf", round: "H.round", expm1: "Math.expm1", log1p: "Math.log1p",
  };
  if (m[op]) return fin(`${m[op]}(${a})`, t);
  switch (op) {
    case "neg": return fin(`(-${a})`, t);
    case "not": return t === "i64" || t === "u64" ? `H.bits64("not", ${a}, 0, "${t}")` : fin(`(~${a})`, t);
    case "lnot": return `(!${a})`;
    case "isnan": return `Number.isNaN(${a})`;
    case "isinf": return `(Math.abs(${a}) === Infinity)`;
    case "sigmoid": return fin(`(1 / (1 + Math.exp(-${a})))`, t);
  }
  throw new Error(`internal error: unary op ${op}`);
}

/** The integer type whose values are a type's stored bits, as the typed arrays hold them. */
const BITS_AS: Partial<Record<DType, DType>> = {
  f16: "u16", bf16: "u16", f8e4m3fn: "u8", f8e4m3fnuz: "u8", f8e5m2: "u8", f8e5m2fnuz: "u8",
  f4e2m1: "u8", f8e8m0: "u8", u4: "u8", u2: "u8", i4: "i8", i2: "i8", bool: "u8",
};

function bitcastJs(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  const wide = (t: DType) => t === "f32" || t === "f64" || t === "i64" || t === "u64";
  if (wide(from) || wide(to)) return `H.bitcast(${a}, "${from}", "${to}")`;
  const t = BITS_AS[to] ?? to;
  return t === "u32" || t === "i32" || byteSize(t) < 4 ? `H.wrap(${a}, "${t}")` : a;
}

function castJs(a: string, from: DType, to: DType): string {
  let v = a;
  if (from === "f16") v = `H.f16ToF32(${a})`;
  else if (from === "bf16") v = `H.bf16ToF32(${a})`;
  else if (isF8(from)) v = `H.f8ToF32("${from}", ${a})`;
  else if (from === "bool") v = `(${a} ? 1 : 0)`;
  if (to === "bool") return `(${v} !== 0)`;
  if (to === "f16") return `H.f32ToF16(${v})`;
  if (to === "bf16") return `H.f32ToBf16(${v})`;
  if (isF8(to)) return `H.f32ToF8("${to}", ${v})`;
  if (to === "f32") return `H.fround(${v})`;
  if (isFloat(to)) return v;
  // Float to integer saturates (NaN gives 0), exactly as the C runtime's edgec_f2* helpers.
  if (isFloat(from)) return `H.sat(${v}, "${to}")`;
  return byteSize(to) <= 4 ? `H.wrap(${v}, "${to}")` : v;
}
