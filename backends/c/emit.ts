/**
 * @fileoverview Prints Tensor IR kernels as C99. Target variants override the hooks of CEmitter.
 */
import { DType, byteSize, isF8, isFloat, isNarrow, isSigned } from "../../ir/dtype.ts";
import { narrowCast } from "../../ir/narrow-cast.ts";
import { BinOp, Buffer, Expr, PrimFunc, Stmt, UnOp, isOrderedConst } from "../../ir/tir.ts";
import { nonneg } from "../../ir/affine.ts";

export const C_TYPES: Record<DType, string> = {
  f32: "float", f64: "double", f16: "uint16_t", bf16: "uint16_t",
  i8: "int8_t", i16: "int16_t", i32: "int32_t", i64: "int64_t",
  u8: "uint8_t", u16: "uint16_t", u32: "uint32_t", u64: "uint64_t", bool: "uint8_t",
  f8e4m3fn: "uint8_t", f8e4m3fnuz: "uint8_t", f8e5m2: "uint8_t", f8e5m2fnuz: "uint8_t",
  // One element a byte: int4/int2 sign-extended, uint4/uint2 zero-extended, the floats as codes.
  i4: "int8_t", i2: "int8_t", u4: "uint8_t", u2: "uint8_t", f4e2m1: "uint8_t", f8e8m0: "uint8_t",
};

const UNSIGNED_OF: Partial<Record<DType, string>> = { i32: "uint32_t", i64: "uint64_t" };

const MATH: Partial<Record<UnOp, string>> = {
  sqrt: "sqrt", exp: "exp", log: "log", tanh: "tanh", sin: "sin", cos: "cos", tan: "tan", asin: "asin",
  acos: "acos", atan: "atan", sinh: "sinh", cosh: "cosh", asinh: "asinh", acosh: "acosh", atanh: "atanh",
  floor: "floor", ceil: "ceil", round: "nearbyint", trunc: "trunc", erf: "erf", abs: "fabs", expm1: "expm1", log1p: "log1p",
};

export class CEmitter {
  /** Declarations the printed kernels need before them (a vector ISA's include and helpers). */
  prelude(): string {
    return "";
  }

  /** Prints a kernel as a static C function named `name`. */
  kernel(f: PrimFunc, name: string, aliased = false): string {
    const written = new Set<string>();
    const walk = (s: Stmt) => {
      if (s.k === "store") written.add(s.buf.name);
      if (s.k === "for") walk(s.body);
      if (s.k === "seq") s.body.forEach(walk);
      if (s.k === "if") { walk(s.then); if (s.else) walk(s.else); }
    };
    walk(f.body);
    const params = f.params.map((b) => this.param(b, written.has(b.name), aliased));
    const used = new Set<string>();
    const body = this.stmt(f.body, 1, used);
    const unused = f.params.filter((b) => !used.has(b.name)).map((b) => `  (void)${b.name};\n`).join("");
    const tile = hasRegisterTile(f.body) ? "EDGEC_REGISTER_TILE " : "";
    return `static ${tile}void ${name}(${params.join(", ")}) {\n${unused}${body}}\n`;
  }

  /** Pointers are restrict-qualified unless the call site passes overlapping buffers (in place). */
  param(b: Buffer, written: boolean, aliased: boolean): string {
    return `${written ? "" : "const "}${C_TYPES[b.dtype]} *${aliased ? "" : "EDGEC_RESTRICT "}${b.name}`;
  }

  stmt(s: Stmt, depth: number, used: Set<string>): string {
    const ind = "  ".repeat(depth);
    switch (s.k) {
      case "for": {
        const v = s.v.name;
        if (!Number.isSafeInteger(s.extent)) throw new Error(`loop ${v} has extent ${s.extent}`);
        const lo = s.lo ? this.expr(s.lo, used) : "0", hi = s.hi ? this.expr(s.hi, used) : `${s.extent}`;
        return `${ind}for (int32_t ${v} = ${lo}; ${v} < ${hi}; ++${v}) {\n${this.stmt(s.body, depth + 1, used)}${ind}}\n`;
      }
      case "store":
        used.add(s.buf.name);
        return `${ind}${s.buf.name}[${this.expr(s.index, used)}] = ${this.expr(s.value, used)};\n`;
      case "seq": return s.body.map((x) => this.stmt(x, depth, used)).join("");
      case "if": {
        const e = s.else ? `${ind}} else {\n${this.stmt(s.else, depth + 1, used)}` : "";
        return `${ind}if (${this.expr(s.c, used)}) {\n${this.stmt(s.then, depth + 1, used)}${e}${ind}}\n`;
      }
      case "decl": return `${ind}${C_TYPES[s.v.dtype]} ${s.v.name} = ${this.expr(s.init, used)};\n`;
      case "assign": return `${ind}${s.v.name} = ${this.expr(s.value, used)};\n`;
    }
  }

  constant(v: number, t: DType): string {
    if (t === "f32" || t === "f16" || t === "bf16") {
      if (Number.isNaN(v)) return "NAN";
      if (!Number.isFinite(v)) return v > 0 ? "INFINITY" : "(-INFINITY)";
      // The suffix goes inside the parentheses fmtFloat puts around negatives: (-2.0f).
      return fmtFloat(Math.fround(v), 9).replace(/^(\(?)(.*?)(\)?)$/, "$1$2f$3");
    }
    if (t === "f64") {
      if (Number.isNaN(v)) return "((double)NAN)";
      if (!Number.isFinite(v)) return v > 0 ? "((double)INFINITY)" : "(-(double)INFINITY)";
      return fmtFloat(v, 17);
    }
    // An integer constant that is not a number is a compiler bug: say so instead of printing bad C.
    if (typeof v !== "number" || !(Number.isInteger(v) || Math.abs(v) === Infinity)) throw new Error(`a ${t} constant is ${v}`);
    if (t === "i64") {
      if (v >= 2 ** 63) return "INT64_MAX";
      if (v <= -(2 ** 63)) return "INT64_MIN";
      return `INT64_C(${v})`;
    }
    if (t === "u64") return v >= 2 ** 64 ? "UINT64_MAX" : `UINT64_C(${Math.max(0, v)})`;
    if (t === "u32") return `${v}u`;
    if (t === "i32" && v === -(2 ** 31)) return "INT32_MIN";
    if (t === "bool") return v ? "1" : "0";
    return v < 0 ? `(${v})` : `${v}`;
  }

  expr(e: Expr, used: Set<string>): string {
    const r = (x: Expr) => this.expr(x, used);
    switch (e.k) {
      case "const": return this.constant(e.v, e.dtype);
      case "var": return e.name;
      case "load": used.add(e.buf.name); return `${e.buf.name}[${r(e.index)}]`;
      case "bin": return this.binary(e.op, e.a, e.b, e.dtype, r);
      case "un": return this.unary(e.op, e.a, e.dtype, r);
      case "cast":
        if (isNarrow(e.a.dtype) || isNarrow(e.dtype)) return r(narrowCast(e.a, e.dtype));
        return this.cast(r(e.a), e.a.dtype, e.dtype);
      case "bitcast": return this.bitcast(r(e.a), e.a.dtype, e.dtype);
      case "select": return `(${r(e.c)} ? ${r(e.a)} : ${r(e.b)})`;
      case "access": case "reduce": throw new Error("internal error: tensor expression left in lowered IR");
      case "ramp": case "bcast": case "fma": case "hreduce": case "shuffle": case "vscale":
        throw new Error(`internal error: vector form ${e.k} reached the scalar C printer`);
    }
  }

  binary(op: BinOp, a: Expr, b: Expr, t: DType, r: (x: Expr) => string): string {
    const at = a.dtype;
    const fl = isFloat(at);
    const sfx = at === "f32" ? "f" : "";
    const cl = fl ? clampOf(op, a, b) : undefined;
    if (cl) return `edgec_clampk${sfx}(${r(cl.x)}, ${this.constant(cl.lo, at)}, ${this.constant(cl.hi, at)})`;
    const A = r(a), B = r(b);
    const infix: Partial<Record<BinOp, string>> = {
      eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=", land: "&&", lor: "||", and: "&", or: "|", xor: "^",
    };
    if (infix[op]) return `(${A} ${infix[op]} ${B})`;
    switch (op) {
      case "add": case "sub": case "mul": {
        const sym = op === "add" ? "+" : op === "sub" ? "-" : "*";
        const u = UNSIGNED_OF[at];
        // Signed overflow is undefined in C: data arithmetic wraps through unsigned.
        if (u && !(isIndex(a) && isIndex(b))) return `((${C_TYPES[at]})((${u})${A} ${sym} (${u})${B}))`;
        // uint16_t promotes to int, where 65535 * 65535 overflows.
        if (at === "u16" && op === "mul") return `((uint16_t)((uint32_t)${A} * ${B}))`;
        if (!fl && byteSize(at) < 4) return `((${C_TYPES[at]})(${A} ${sym} ${B}))`;
        return `(${A} ${sym} ${B})`;
      }
      case "div":
        return fl || byteSize(at) >= 4 ? `(${A} / ${B})` : `((${C_TYPES[at]})(${A} / ${B}))`;
      case "mod": return fl ? `fmod${sfx}(${A}, ${B})` : `(${A} % ${B})`;
      case "fmod": return `fmod${sfx}(${A}, ${B})`;
      case "floordiv": return nonneg(a) && isPosConst(b) ? `(${A} / ${B})` : `edgec_floordiv${at === "i64" ? "64" : ""}(${A}, ${B})`;
      case "floormod": return nonneg(a) && isPosConst(b) ? `(${A} % ${B})` : `edgec_floormod${at === "i64" ? "64" : ""}(${A}, ${B})`;
      case "min": case "max":
        if (fl) {
          // NaN propagates; against a constant one comparison keeps it (x < k ? k : x).
          const [x, y, k] = isOrderedConst(b) ? [A, B, "k"] : isOrderedConst(a) ? [B, A, "k"] : [A, B, ""];
          return `edgec_${op}${k}${sfx}(${x}, ${y})`;
        }
        return `edgec_${op}_${at === "bool" ? "u8" : at}(${A}, ${B})`;
      case "pow": return `pow${sfx}(${A}, ${B})`;
      case "atan2": return `atan2${sfx}(${A}, ${B})`;
      case "dot4ss": case "dot4us": return `edgec_${op}(${A}, ${B})`;
      // Through the unsigned type: a signed shift into or past the sign bit is undefined in C.
      case "shl": return UNSIGNED_OF[t] ? `((${C_TYPES[t]})((${UNSIGNED_OF[t]})${A} << ${B}))` : `((${C_TYPES[t]})(${A} << ${B}))`;
      case "shr": return `((${C_TYPES[t]})(${A} >> ${B}))`;
    }
    throw new Error(`internal error: no C form for ${op}`);
  }

  unary(op: UnOp, a: Expr, t: DType, r: (x: Expr) => string): string {
    const A = r(a);
    const fl = isFloat(a.dtype);
    const sfx = a.dtype === "f32" ? "f" : "";
    if (fl && MATH[op]) return `${MATH[op]}${sfx}(${A})`;
    switch (op) {
      case "neg": {
        // Negating INT32_MIN/INT64_MIN overflows; go through unsigned so it wraps instead.
        const u = UNSIGNED_OF[a.dtype];
        return fl ? `(-${A})` : u ? `((${C_TYPES[t]})(0u - (${u})${A}))` : `((${C_TYPES[t]})(0 - ${A}))`;
      }
      case "abs": {
        const u = UNSIGNED_OF[a.dtype];
        if (u) return `((${C_TYPES[t]})(${A} < 0 ? 0u - (${u})${A} : (${u})${A}))`;
        return isSigned(a.dtype) ? `((${C_TYPES[t]})(${A} < 0 ? -${A} : ${A}))` : A;
      }
      case "not": return `((${C_TYPES[t]})~${A})`;
      case "lnot": return `(!${A})`;
      case "isnan": return `(isnan(${A}) != 0)`;
      case "isinf": return `(isinf(${A}) != 0)`;
      case "sign": return fl ? `edgec_sign${a.dtype === "f32" ? "" : "d"}(${A})` : `((${C_TYPES[t]})((${A} > 0) - (${A} < 0)))`;
      case "sigmoid": return a.dtype === "f32" ? `(1.0f / (1.0f + expf(-${A})))` : `(1.0 / (1.0 + exp(-${A})))`;
    }
    throw new Error(`internal error: no C form for ${op} on ${a.dtype}`);
  }

  cast(v: string, from: DType, to: DType): string {
    if (from === to) return v;
    let x = v;
    if (from === "f16") { x = `edgec_f16_to_f32(${v})`; from = "f32"; }
    else if (from === "bf16") { x = `edgec_bf16_to_f32(${v})`; from = "f32"; }
    else if (isF8(from)) { x = `edgec_${from}_to_f32(${v})`; from = "f32"; }
    if (to === "f16") return `edgec_f32_to_f16((float)${x})`;
    if (to === "bf16") return `edgec_f32_to_bf16((float)${x})`;
    if (isF8(to)) return `edgec_f32_to_${to}((float)${x})`;
    if (to === "bool") return `((uint8_t)(${x} != 0))`;
    if (isFloat(from) && !isFloat(to)) return `edgec_f2${to}(${x})`;
    return `((${C_TYPES[to]})${x})`;
  }

  /** Same-size reinterpretation: integer storage converts; f32/f64 go through memcpy helpers. */
  bitcast(v: string, from: DType, to: DType): string {
    const cf = C_TYPES[from], ct = C_TYPES[to];
    if (cf === ct) return v;
    if (from === "f32" || from === "f64" || to === "f32" || to === "f64") return `edgec_bitcast_${from}_${to}(${v})`;
    return `((${ct})${v})`;
  }
}

/**
 * True when a loop updates many scalar accumulators (a register tile): the C compiler should
 * vectorise across them, not along the loop (in-order float reductions, one lane at a time).
 */
function hasRegisterTile(s: Stmt): boolean {
  switch (s.k) {
    case "for": return (s.body.k === "seq" && s.body.body.filter((x) => x.k === "assign").length >= 16) || hasRegisterTile(s.body);
    case "seq": return s.body.some(hasRegisterTile);
    case "if": return hasRegisterTile(s.then) || (!!s.else && hasRegisterTile(s.else));
    default: return false;
  }
}

function fmtFloat(v: number, digits: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v < 0 ? `(${v}.0)` : `${v}.0`;
  const s = v.toPrecision(digits).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, ".0$1");
  const out = s.includes(".") || s.includes("e") ? s : `${s}.0`;
  return v < 0 ? `(${out})` : out;
}

/** True if the expression is pure index arithmetic (loop variables and constants, no loads). */
function isIndex(e: Expr): boolean {
  switch (e.k) {
    case "const": case "var": return true;
    case "bin": return isIndex(e.a) && isIndex(e.b);
    case "select": return isIndex(e.a) && isIndex(e.b);
    default: return false;
  }
}

const isPosConst = (e: Expr) => e.k === "const" && e.v > 0;

/**
 * min(max(x, lo), hi) or max(min(x, hi), lo) with constant bounds lo <= hi. Printed as one clamp
 * whose two selects both test x: nested selects let gcc thread a jump from the first into the
 * second (its outcome is known there) and leave a branch per element in unrolled code.
 */
function clampOf(op: BinOp, a: Expr, b: Expr): { x: Expr; lo: number; hi: number } | undefined {
  if (op !== "min" && op !== "max") return undefined;
  const [inner, outer] = isOrderedConst(b) ? [a, b] : isOrderedConst(a) ? [b, a] : [undefined, undefined];
  if (!inner || outer?.k !== "const" || inner.k !== "bin" || inner.op !== (op === "min" ? "max" : "min")) return undefined;
  const [x, k] = isOrderedConst(inner.b) ? [inner.a, inner.b] : isOrderedConst(inner.a) ? [inner.b, inner.a] : [undefined, undefined];
  if (!x || k?.k !== "const") return undefined;
  const [lo, hi] = op === "min" ? [k.v, outer.v] : [outer.v, k.v];
  return lo <= hi ? { x, lo, hi } : undefined;
}

