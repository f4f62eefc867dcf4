/**
 * @fileoverview Runs Tensor IR in process by printing it as JavaScript. Constant folding uses
 * this, so compile-time evaluation shares the one definition of each op. 64-bit integers are
 * BigInts, wrapped and converted exactly as the generated C does; every other type is a number.
 * Expressions are shallow (lowering binds deep ones to locals), so the source nests boundedly.
 */
import {
  DType, TypedArray, bf16ToF32, byteSize, f16ToF32, f32ToBf16, f32ToF16, f32ToF8, f8ToF32, isF8, isFloat, isNarrow, isSigned,
} from "./dtype.ts";
import { narrowCast } from "./narrow-cast.ts";
import { erf } from "./erf.ts";
import { Expr, PrimFunc, Stmt } from "./tir.ts";
import { scalarize } from "./scalarize.ts";
import { INT64, int64Literal } from "./eval-int64.ts";

const cache = new Map<string, (bufs: TypedArray[]) => void>();

export function evaluate(f: PrimFunc, bufs: TypedArray[], vscale = 1): void {
  const src = printFunc(scalarize(f, vscale));
  let fn = cache.get(src);
  if (!fn) {
    const raw = new Function("B", "H", "L", src) as (b: TypedArray[], h: typeof HELPERS, l: typeof INT64) => void;
    fn = (b) => raw(b, HELPERS, INT64);
    if (cache.size > 500) cache.clear();
    cache.set(src, fn);
  }
  fn(bufs);
}

const f32 = new Float32Array(1);
const bitsView = new DataView(new ArrayBuffer(8));
const SAT_RANGE: Record<string, [number, number]> = {
  i8: [-128, 127], i16: [-32768, 32767], i32: [-(2 ** 31), 2 ** 31 - 1], u8: [0, 255], u16: [0, 65535], u32: [0, 2 ** 32 - 1],
};
const HELPERS = {
  f16ToF32, f32ToF16, bf16ToF32, f32ToBf16, f8ToF32, f32ToF8,
  erf,
  /** dot4ss / dot4us: the sum of the products of a's and b's four bytes (a's signed or not, b's signed). */
  dot4(a: number, b: number, signedA: boolean): number {
    let s = 0;
    for (let j = 0; j < 32; j += 8) {
      const x = (a >> j) & 255, y = ((b >> j) << 24) >> 24;
      s += (signedA ? (x << 24) >> 24 : x) * y;
    }
    return s;
  },
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
  /** C's fmaxf with NaN propagation: a if a > b or a is NaN, else b. */
  max(a: number, b: number): number { return a > b || a !== a ? a : b; },
  min(a: number, b: number): number { return a < b || a !== a ? a : b; },
  /** Reinterprets the bits of a value held as f32, f64, i32, u32 (numbers) or i64, u64 (BigInts). */
  bitcast(x: number | bigint, from: string, to: string): number | bigint {
    const d = bitsView;
    if (from === "f32") d.setFloat32(0, x as number, true);
    else if (from === "f64") d.setFloat64(0, x as number, true);
    else if (from === "i32" || from === "u32") d.setUint32(0, (x as number) >>> 0, true);
    else d.setBigUint64(0, BigInt.asUintN(64, x as bigint), true);
    switch (to) {
      case "f32": return d.getFloat32(0, true);
      case "f64": return d.getFloat64(0, true);
      case "i32": return d.getInt32(0, true);
      case "u32": return d.getUint32(0, true);
      case "i64": return d.getBigInt64(0, true);
      default: return d.getBigUint64(0, true);
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

const is64 = (t: DType): boolean => t === "i64" || t === "u64";

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
      return `${s.buf.name}[${expr(s.index)}] = ${s.buf.dtype === "bool" ? `(${v} ? 1 : 0)` : v};`;
    }
    case "seq": return s.body.map(stmt).join("\n");
    case "if": return `if (${expr(s.c)}) {\n${stmt(s.then)}\n}${s.else ? ` else {\n${stmt(s.else)}\n}` : ""}`;
    case "decl": return `let ${s.v.name} = ${expr(s.init)};`;
    case "assign": return `${s.v.name} = ${expr(s.value)};`;
  }
}

const num = (v: number): string => (Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : `(${v})`);

function expr(e: Expr): string {
  switch (e.k) {
    case "const": return is64(e.dtype) ? `(${int64Literal(e.v, e.dtype)})` : num(e.v);
    case "var": return e.name;
    case "load": return `${e.buf.name}[${expr(e.index)}]`;
    case "bin": return is64(e.a.dtype) ? binary64(e.op, expr(e.a), expr(e.b), e.a.dtype) : binary(e.op, expr(e.a), expr(e.b), e.a.dtype, e.dtype);
    case "un": return is64(e.dtype) ? unary64(e.op, expr(e.a), e.dtype) : unary(e.op, expr(e.a), e.dtype);
    case "cast":
      if (isNarrow(e.a.dtype) || isNarrow(e.dtype)) return expr(narrowCast(e.a, e.dtype));
      return castJs(expr(e.a), e.a.dtype, e.dtype);
    case "bitcast": return bitcastJs(expr(e.a), e.a.dtype, e.dtype);
    case "select": return `(${expr(e.c)} ? ${expr(e.a)} : ${expr(e.b)})`;
    case "access": case "reduce": throw new Error("internal error: tensor expression left in lowered IR");
    case "ramp": case "bcast": case "fma": case "hreduce": case "shuffle": case "vscale": throw new Error(`internal error: ${e.k} left after scalarize`);
  }
}

function fin(v: string, t: DType): string {
  if (t === "f32") return `H.fround(${v})`;
  if (isFloat(t) || t === "bool") return v;
  return `H.wrap(${v}, "${t}")`;
}

const COMPARE: Record<string, string> = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=", land: "&&", lor: "||" };

function binary(op: string, a: string, b: string, at: DType, t: DType): string {
  const int = !isFloat(at);
  if (COMPARE[op]) return `(${a} ${COMPARE[op]} ${b})`;
  switch (op) {
    case "add": return fin(`(${a} + ${b})`, t);
    case "sub": return fin(`(${a} - ${b})`, t);
    case "mul": return fin(int && byteSize(at) === 4 ? `Math.imul(${a}, ${b})` : `(${a} * ${b})`, t);
    case "div": return int ? fin(`Math.trunc(${a} / ${b})`, t) : fin(`(${a} / ${b})`, t);
    case "mod": case "fmod": return fin(`(${a} % ${b})`, t);
    // As edgec_floordiv/floormod: x / 0 is 0 and MIN / -1 wraps (floats floor the quotient).
    case "floordiv": return int ? fin(`(${b} === 0 ? 0 : Math.floor(${a} / ${b}))`, t) : `Math.floor(${a} / ${b})`;
    case "floormod": return int ? fin(`(${b} === 0 ? 0 : (((${a} % ${b}) + ${b}) % ${b}))`, t) : `(((${a} % ${b}) + ${b}) % ${b})`;
    case "min": return int ? `Math.min(${a}, ${b})` : fin(`H.min(${a}, ${b})`, t);
    case "max": return int ? `Math.max(${a}, ${b})` : fin(`H.max(${a}, ${b})`, t);
    case "pow": return fin(`Math.pow(${a}, ${b})`, t);
    case "atan2": return fin(`Math.atan2(${a}, ${b})`, t);
    case "dot4ss": case "dot4us": return `H.dot4(${a}, ${b}, ${op === "dot4ss"})`;
    case "and": return fin(`(${a} & ${b})`, t);
    case "or": return fin(`(${a} | ${b})`, t);
    case "xor": return fin(`(${a} ^ ${b})`, t);
    case "shl": return fin(`(${a} << ${b})`, t);
    case "shr": return fin(isSigned(at) ? `(${a} >> ${b})` : `(${a} >>> ${b})`, t);
  }
  throw new Error(`internal error: binary op ${op}`);
}

/** 64-bit integer arithmetic on BigInts, wrapping as the generated C does. */
function binary64(op: string, a: string, b: string, t: DType): string {
  if (COMPARE[op]) return `(${a} ${COMPARE[op]} ${b})`;
  const wrap = (x: string) => `BigInt.${t === "u64" ? "asUintN" : "asIntN"}(64, ${x})`;
  switch (op) {
    case "add": return wrap(`${a} + ${b}`);
    case "sub": return wrap(`${a} - ${b}`);
    case "mul": return wrap(`${a} * ${b}`);
    case "and": return wrap(`${a} & ${b}`);
    case "or": return wrap(`${a} | ${b}`);
    case "xor": return wrap(`${a} ^ ${b}`);
    case "div": case "mod": case "floordiv": case "floormod": case "min": case "max": case "shl": case "shr":
      return `L.${op}(${a}, ${b}, "${t}")`;
  }
  throw new Error(`internal error: binary op ${op} on ${t}`);
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
    case "not": return fin(`(~${a})`, t);
    case "lnot": return `(!${a})`;
    case "isnan": return `Number.isNaN(${a})`;
    case "isinf": return `(Math.abs(${a}) === Infinity)`;
    case "sigmoid": return fin(`(1 / (1 + Math.exp(-${a})))`, t);
  }
  throw new Error(`internal error: unary op ${op}`);
}

function unary64(op: string, a: string, t: DType): string {
  const wrap = (x: string) => `BigInt.${t === "u64" ? "asUintN" : "asIntN"}(64, ${x})`;
  switch (op) {
    case "neg": return wrap(`-${a}`);
    case "not": return wrap(`~${a}`);
    case "abs": case "sign": return `L.${op}(${a}, "${t}")`;
    case "isnan": case "isinf": return "false";
    case "lnot": return `(${a} === 0n)`;
  }
  throw new Error(`internal error: unary op ${op} on ${t}`);
}

/** The integer type whose values are a type's stored bits, as the typed arrays hold them. */
const BITS_AS: Partial<Record<DType, DType>> = {
  f16: "u16", bf16: "u16", f8e4m3fn: "u8", f8e4m3fnuz: "u8", f8e5m2: "u8", f8e5m2fnuz: "u8",
  f4e2m1: "u8", f8e8m0: "u8", u4: "u8", u2: "u8", i4: "i8", i2: "i8", bool: "u8",
};

function bitcastJs(a: string, from: DType, to: DType): string {
  if (from === to) return a;
  if (is64(from) && is64(to)) return `BigInt.${to === "u64" ? "asUintN" : "asIntN"}(64, ${a})`;
  const wide = (t: DType) => t === "f32" || t === "f64" || is64(t);
  if (wide(from) || wide(to)) return `H.bitcast(${a}, "${from}", "${to}")`;
  const t = BITS_AS[to] ?? to;
  return t === "u32" || t === "i32" || byteSize(t) < 4 ? `H.wrap(${a}, "${t}")` : a;
}

function castJs(a: string, from: DType, to: DType): string {
  if (is64(from)) {
    if (is64(to)) return `BigInt.${to === "u64" ? "asUintN" : "asIntN"}(64, ${a})`;
    if (to === "bool") return `(${a} !== 0n)`;
    if (!isFloat(to)) return `Number(BigInt.${isSigned(to) ? "asIntN" : "asUintN"}(${byteSize(to) * 8}, ${a}))`;
    // An exact 64-bit integer rounds once, to the target's precision (f32 for the narrower floats).
    const f = `L.toFloat(${a}, "${to === "f64" ? "f64" : "f32"}")`;
    return to === "f64" || to === "f32" ? f : castJs(f, "f32", to);
  }
  let v = a;
  if (from === "f16") v = `H.f16ToF32(${a})`;
  else if (from === "bf16") v = `H.bf16ToF32(${a})`;
  else if (isF8(from)) v = `H.f8ToF32("${from}", ${a})`;
  else if (from === "bool") v = `(${a} ? 1 : 0)`;
  if (is64(to)) return isFloat(from) ? `L.fromFloat(${v}, "${to}")` : `BigInt.${to === "u64" ? "asUintN" : "asIntN"}(64, BigInt(${v}))`;
  if (to === "bool") return `(${v} !== 0)`;
  if (to === "f16") return `H.f32ToF16(${v})`;
  if (to === "bf16") return `H.f32ToBf16(${v})`;
  if (isF8(to)) return `H.f32ToF8("${to}", ${v})`;
  if (to === "f32") return `H.fround(${v})`;
  if (isFloat(to)) return v;
  // Float to integer saturates (NaN gives 0), exactly as the C runtime's edgec_f2* helpers.
  if (isFloat(from)) return `H.sat(${v}, "${to}")`;
  return `H.wrap(${v}, "${to}")`;
}
