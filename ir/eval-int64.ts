/**
 * @fileoverview 64-bit integer semantics of the generated C, on BigInts, for the evaluator:
 * wrapping arithmetic, guarded division, saturating float conversions, and rounding to float
 * exactly once.
 */

const MIN = -(1n << 63n), MAX = (1n << 63n) - 1n, UMAX = (1n << 64n) - 1n;
const wrap = (x: bigint, t: string): bigint => (t === "u64" ? BigInt.asUintN(64, x) : BigInt.asIntN(64, x));

/**
 * A constant of the Tensor IR (a number) as a BigInt literal; values beyond the type's range
 * are its limits, as the C printer writes INT64_MAX / INT64_MIN / UINT64_MAX.
 */
export function int64Literal(v: number, t: string): string {
  if (Number.isNaN(v)) return "0n";
  if (t === "i64") {
    if (v >= 2 ** 63) return `${MAX}n`;
    if (v <= -(2 ** 63)) return `${MIN}n`;
  } else {
    if (v >= 2 ** 64) return `${UMAX}n`;
    if (v <= 0) return "0n";
  }
  return `${BigInt(Math.trunc(v))}n`;
}

/** Rounds an integer to the nearest float with `bits` significand bits, ties to even. */
function roundToBits(x: bigint, bits: number): number {
  const neg = x < 0n, m = neg ? -x : x;
  const len = m.toString(2).length;
  if (len <= bits) return Number(x);
  const drop = BigInt(len - bits);
  let q = m >> drop;
  const rest = m - (q << drop), half = 1n << (drop - 1n);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q << drop);
  return neg ? -r : r;
}

export const INT64 = {
  /** C's / with the op library's guards: x / 0 is 0, MIN / -1 wraps. */
  div: (a: bigint, b: bigint, t: string): bigint => (b === 0n ? 0n : wrap(a / b, t)),
  mod: (a: bigint, b: bigint): bigint => (b === 0n ? 0n : a % b),
  floordiv(a: bigint, b: bigint, t: string): bigint {
    if (b === 0n) return 0n;
    const q = a / b;
    return wrap(a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q, t);
  },
  floormod(a: bigint, b: bigint): bigint {
    if (b === 0n) return 0n;
    const r = a % b;
    return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
  },
  min: (a: bigint, b: bigint): bigint => (a < b ? a : b),
  max: (a: bigint, b: bigint): bigint => (a > b ? a : b),
  /** Shifts by 64 or more leave nothing (the sign for a signed right shift). */
  shl: (a: bigint, b: bigint, t: string): bigint => (b >= 64n || b < 0n ? 0n : wrap(a << b, t)),
  shr: (a: bigint, b: bigint): bigint => (b >= 64n || b < 0n ? (a < 0n ? -1n : 0n) : a >> b),
  abs: (a: bigint, t: string): bigint => wrap(a < 0n ? -a : a, t),
  sign: (a: bigint): bigint => (a > 0n ? 1n : a < 0n ? -1n : 0n),
  toFloat: (a: bigint, t: string): number => (t === "f64" ? Number(a) : roundToBits(a, 24)),
  /** edgec_f2i64 / edgec_f2u64: NaN is 0, out-of-range values saturate, the rest truncate. */
  fromFloat(x: number, t: string): bigint {
    if (Number.isNaN(x)) return 0n;
    if (t === "i64") {
      if (x <= -(2 ** 63)) return MIN;
      if (x >= 2 ** 63) return MAX;
    } else {
      if (x <= 0) return 0n;
      if (x >= 2 ** 64) return UMAX;
    }
    return BigInt(Math.trunc(x));
  },
};
