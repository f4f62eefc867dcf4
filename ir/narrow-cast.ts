/**
 * @fileoverview Conversions of the narrow element types (int4, uint4, int2, uint2, float4e2m1,
 * float8e8m0) written as Tensor IR over their one-byte storage, so that every backend runs the
 * same definition and needs nothing for these types beyond loads, stores and `bitcast`.
 * tir.ts's cast() expands through here; backends call narrowCast() on any cast node that still
 * names a narrow type (hand-written IR text), which gives the same result.
 *
 * Semantics (those of ONNX Cast; the node tests are the reference):
 * - to int4/uint4/int2/uint2: floats truncate toward zero (saturating to int32, NaN to 0) and
 *   every value then wraps modulo 2^bits, as ONNX's reference does (Cast(-9) to int4 is 7);
 * - to float4e2m1: round to nearest even; no Inf or NaN exist, so magnitudes above 6 (and Inf)
 *   saturate to ±6 and NaN becomes 0x8;
 * - to float8e8m0: the f32 exponent field, rounded up when any fraction bit is set and kept
 *   below 0xFF (ONNX's default round_mode "up", saturate 1); toE8m0 offers the other modes;
 * - from any of them: the exact value (float8e8m0 code 0 is 2^-127, code 0xFF is NaN).
 */
import { DType, E8m0Rounding, bitWidth, isNarrow, isSigned } from "./dtype.ts";
import { Expr, bin, bitcast, c, cast, select, un } from "./tir.ts";

const STORAGE: Partial<Record<DType, DType>> = { i4: "i8", i2: "i8", u4: "u8", u2: "u8", f4e2m1: "u8", f8e8m0: "u8" };

/** The standard type whose C and typed-array storage a narrow type shares. */
export const storageOf = (t: DType): DType => STORAGE[t] ?? t;

/** cast(a, to) where `a` or `to` is a narrow type. */
export function narrowCast(a: Expr, to: DType): Expr {
  const from = a.dtype;
  if (from === to) return a;
  if (from === "f4e2m1") return cast(f4e2m1Value(a), to);
  if (from === "f8e8m0") return cast(e8m0Value(a), to);
  // A narrow integer's byte already holds its value.
  if (isNarrow(from)) return cast(bitcast(a, storageOf(from)), to);
  if (to === "f4e2m1") return toF4e2m1(a);
  if (to === "f8e8m0") return toE8m0(a, "up", true);
  return wrapInt(a, to);
}

const u32 = (v: number): Expr => c(v, "u32");

/** Keeps the low bits of the integer value (floats truncated first), sign-extended for int4/int2. */
function wrapInt(a: Expr, to: DType): Expr {
  const bits = bitWidth(to), half = 1 << (bits - 1);
  let v = bin("and", cast(a, "i32"), c((1 << bits) - 1, "i32"));
  // (v ^ 8) - 8 sign-extends a 4-bit value.
  if (isSigned(to)) v = bin("sub", bin("xor", v, c(half, "i32")), c(half, "i32"));
  return bitcast(cast(v, storageOf(to)), to);
}

/** float4e2m1 code -> f32, by building the f32 bit pattern. */
function f4e2m1Value(a: Expr): Expr {
  const b = cast(bitcast(a, "u8"), "u32");
  const e = bin("shr", bin("and", b, u32(7)), u32(1)), m = bin("and", b, u32(1));
  // Exponent bias 1 becomes 127: (e + 126) << 23; the one mantissa bit is f32's top one.
  const normal = bin("or", bin("shl", bin("add", e, u32(126)), u32(23)), bin("shl", m, u32(22)));
  // e == 0: 0 or the subnormal 0.5 (0x3F000000).
  const mag = select(bin("eq", e, u32(0)), bin("mul", m, u32(0x3f000000)), normal);
  return bitcast(bin("or", mag, bin("shl", bin("and", b, u32(8)), u32(28))), "f32");
}

/** float8e8m0 code -> f32: code << 23, except 0 (2^-127, an f32 subnormal) and 0xFF (NaN). */
function e8m0Value(a: Expr): Expr {
  const b = cast(bitcast(a, "u8"), "u32");
  const bits = select(bin("eq", b, u32(0)), u32(0x400000), bin("shl", b, u32(23)));
  return select(bin("eq", b, u32(0xff)), c(NaN, "f32"), bitcast(bits, "f32"));
}

/** Magnitude thresholds of float4e2m1 codes 1..7; ties go to the even code (>= where it is above). */
const F4_STEPS: [">" | ">=", number][] = [[">", 0.25], [">=", 0.75], [">", 1.25], [">=", 1.75], [">", 2.5], [">=", 3.5], [">", 5]];

/** float -> float4e2m1 code with round to nearest even, saturating; NaN gives 0x8. */
export function toF4e2m1(a: Expr): Expr {
  // f64 is compared as is (going through f32 could round a value onto a tie); the rest via f32.
  const ft: DType = a.dtype === "f64" ? "f64" : "f32", it: DType = ft === "f64" ? "i64" : "i32";
  const x = cast(a, ft), ax = un("abs", x);
  const code = F4_STEPS.map(([op, t]) => cast(bin(op === ">" ? "gt" : "ge", ax, c(t, ft)), "u8"))
    .reduce((s, b) => bin("add", s, b));
  // The sign comes from the bit pattern so that -0 keeps it.
  const sign = cast(bin("lt", bitcast(x, it), c(0, it)), "u8");
  const bits = select(un("isnan", x), c(8, "u8"), bin("or", bin("shl", sign, c(3, "u8")), code));
  return bitcast(bits, "f4e2m1");
}

/**
 * f32 -> float8e8m0: the exponent field of the f32 value (its sign is dropped), rounded as `mode`
 * says. "nearest" rounds up when the top fraction bit is set and any lower bit (or a nonzero
 * exponent) is; saturation keeps 0xFE from rounding to 0xFF (NaN). NaN and Inf give 0xFF.
 */
export function toE8m0(a: Expr, mode: E8m0Rounding, saturate: boolean): Expr {
  const bits = bitcast(cast(a, "f32"), "u32");
  const exp = bin("and", bin("shr", bits, u32(23)), u32(0xff));
  const nz = (e: Expr) => bin("ne", e, u32(0));
  let up: Expr | undefined;
  if (mode === "up") up = nz(bin("and", bits, u32(0x7fffff)));
  else if (mode === "nearest") up = bin("land", nz(bin("and", bits, u32(0x400000))), bin("lor", nz(bin("and", bits, u32(0x3fffff))), nz(exp)));
  if (up && saturate) up = bin("land", up, bin("ne", exp, u32(0xfe)));
  const rounded = up ? bin("add", exp, cast(up, "u32")) : exp;
  const code = select(bin("eq", exp, u32(0xff)), u32(0xff), rounded);
  return bitcast(cast(code, "u8"), "f8e8m0");
}
