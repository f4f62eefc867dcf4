/**
 * @fileoverview Element types shared by both IRs: names, sizes, ONNX codes and storage arrays.
 */

export type DType =
  | "f32" | "f64" | "f16" | "bf16"
  | "i8" | "i16" | "i32" | "i64"
  | "u8" | "u16" | "u32" | "u64"
  | "bool"
  | "f8e4m3fn" | "f8e4m3fnuz" | "f8e5m2" | "f8e5m2fnuz"
  | "i4" | "u4" | "i2" | "u2" | "f4e2m1" | "f8e8m0";

export const ALL_DTYPES: readonly DType[] = [
  "f32", "f64", "f16", "bf16", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "bool",
  "f8e4m3fn", "f8e4m3fnuz", "f8e5m2", "f8e5m2fnuz", "i4", "u4", "i2", "u2", "f4e2m1", "f8e8m0",
];

/** The 8-bit float types: stored as raw byte patterns, computed in f32. */
export const F8_TYPES: readonly DType[] = ["f8e4m3fn", "f8e4m3fnuz", "f8e5m2", "f8e5m2fnuz"];
export const isF8 = (t: DType): boolean => F8_TYPES.includes(t);

/**
 * The narrow types: 4- and 2-bit integers, the 4-bit float and the scale-only 8-bit float. In
 * memory each element takes one byte (the integers sign- or zero-extended, the floats as raw
 * codes); only ONNX files pack the sub-byte ones. ir/narrow-cast.ts defines their conversions.
 */
export const NARROW_TYPES: readonly DType[] = ["i4", "u4", "i2", "u2", "f4e2m1", "f8e8m0"];
export const isNarrow = (t: DType): boolean => NARROW_TYPES.includes(t);

export type TypedArray =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

interface DTypeInfo {
  bytes: number;
  onnx: number;
  onnxName: string;
  float: boolean;
  signed: boolean;
  /** Bits per element in ONNX files when fewer than a byte (packed there, one a byte in memory). */
  bits?: number;
}

const INFO: Record<DType, DTypeInfo> = {
  f32: { bytes: 4, onnx: 1, onnxName: "float", float: true, signed: true },
  u8: { bytes: 1, onnx: 2, onnxName: "uint8", float: false, signed: false },
  i8: { bytes: 1, onnx: 3, onnxName: "int8", float: false, signed: true },
  u16: { bytes: 2, onnx: 4, onnxName: "uint16", float: false, signed: false },
  i16: { bytes: 2, onnx: 5, onnxName: "int16", float: false, signed: true },
  i32: { bytes: 4, onnx: 6, onnxName: "int32", float: false, signed: true },
  i64: { bytes: 8, onnx: 7, onnxName: "int64", float: false, signed: true },
  bool: { bytes: 1, onnx: 9, onnxName: "bool", float: false, signed: false },
  f16: { bytes: 2, onnx: 10, onnxName: "float16", float: true, signed: true },
  f64: { bytes: 8, onnx: 11, onnxName: "double", float: true, signed: true },
  u32: { bytes: 4, onnx: 12, onnxName: "uint32", float: false, signed: false },
  u64: { bytes: 8, onnx: 13, onnxName: "uint64", float: false, signed: false },
  bf16: { bytes: 2, onnx: 16, onnxName: "bfloat16", float: true, signed: true },
  f8e4m3fn: { bytes: 1, onnx: 17, onnxName: "float8e4m3fn", float: true, signed: true },
  f8e4m3fnuz: { bytes: 1, onnx: 18, onnxName: "float8e4m3fnuz", float: true, signed: true },
  f8e5m2: { bytes: 1, onnx: 19, onnxName: "float8e5m2", float: true, signed: true },
  f8e5m2fnuz: { bytes: 1, onnx: 20, onnxName: "float8e5m2fnuz", float: true, signed: true },
  u4: { bytes: 1, onnx: 21, onnxName: "uint4", float: false, signed: false, bits: 4 },
  i4: { bytes: 1, onnx: 22, onnxName: "int4", float: false, signed: true, bits: 4 },
  f4e2m1: { bytes: 1, onnx: 23, onnxName: "float4e2m1", float: true, signed: true, bits: 4 },
  f8e8m0: { bytes: 1, onnx: 24, onnxName: "float8e8m0", float: true, signed: false },
  u2: { bytes: 1, onnx: 25, onnxName: "uint2", float: false, signed: false, bits: 2 },
  i2: { bytes: 1, onnx: 26, onnxName: "int2", float: false, signed: true, bits: 2 },
};

/** ONNX TensorProto.DataType codes this compiler cannot hold, with their names for errors. */
const UNSUPPORTED_ONNX: Record<number, string> = {
  0: "undefined", 8: "string", 14: "complex64", 15: "complex128",
};

/** Bytes per element in memory (kernel buffers, the arena, a compiled model's inputs and outputs). */
export const byteSize = (t: DType): number => INFO[t].bytes;
/** Bits of value per element: 4 for int4, 2 for int2, else 8 * byteSize. */
export const bitWidth = (t: DType): number => INFO[t].bits ?? INFO[t].bytes * 8;
/** True for the types ONNX packs several to a byte (int4, uint4, float4e2m1, int2, uint2). */
export const isPacked = (t: DType): boolean => INFO[t].bits !== undefined;
export const isFloat = (t: DType): boolean => INFO[t].float;
export const isSigned = (t: DType): boolean => INFO[t].signed;
export const isInt = (t: DType): boolean => !INFO[t].float && t !== "bool";
export const is64 = (t: DType): boolean => t === "i64" || t === "u64";
export const onnxCode = (t: DType): number => INFO[t].onnx;
export const onnxName = (t: DType): string => INFO[t].onnxName;

/** Maps an ONNX element type code to a DType; returns a description string if unsupported. */
export function fromOnnxCode(code: number): DType | { unsupported: string } {
  for (const t of ALL_DTYPES) if (INFO[t].onnx === code) return t;
  return { unsupported: UNSUPPORTED_ONNX[code] ?? `element type code ${code}` };
}

/** The typed array that stores elements of `t` (f16/bf16/float8 are stored as raw bit patterns). */
export function allocArray(t: DType, n: number): TypedArray {
  switch (t) {
    case "f32": return new Float32Array(n);
    case "f64": return new Float64Array(n);
    case "f16": case "bf16": case "u16": return new Uint16Array(n);
    case "i8": return new Int8Array(n);
    case "i16": return new Int16Array(n);
    case "i32": return new Int32Array(n);
    case "i64": return new BigInt64Array(n);
    case "u8": case "bool": case "u4": case "u2": case "f4e2m1": case "f8e8m0": return new Uint8Array(n);
    case "i4": case "i2": return new Int8Array(n);
    case "f8e4m3fn": case "f8e4m3fnuz": case "f8e5m2": case "f8e5m2fnuz": return new Uint8Array(n);
    case "u32": return new Uint32Array(n);
    case "u64": return new BigUint64Array(n);
  }
}

/** Views little-endian bytes as a typed array of `t` (copied, so alignment never matters). */
export function arrayFromBytes(t: DType, bytes: Uint8Array): TypedArray {
  const n = Math.floor(bytes.length / byteSize(t));
  const out = allocArray(t, n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, n * byteSize(t)));
  return out;
}

export function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Reads element i as a JS number (64-bit integers may lose precision beyond 2^53). */
export function getNumber(a: TypedArray, i: number): number {
  const v = a[i]!;
  return typeof v === "bigint" ? Number(v) : v;
}

export function setNumber(a: TypedArray, i: number, v: number): void {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    a[i] = BigInt(Number.isFinite(v) ? Math.trunc(v) : 0);
  } else {
    a[i] = v;
  }
}

export function toNumbers(a: TypedArray): number[] {
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = getNumber(a, i);
  return out;
}

// f16 / bf16 bit conversions (round to nearest even).
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

export function bf16ToF32(h: number): number {
  u32buf[0] = h << 16;
  return f32buf[0]!;
}

export function f32ToBf16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  if (Number.isNaN(v)) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Layout of an 8-bit float: mantissa bits, exponent bias, largest finite code, and NaN/Inf scheme. */
interface F8Format { mbits: number; bias: number; maxCode: number; kind: "fn" | "fnuz" | "ieee" }

export const F8_FORMATS: Record<string, F8Format> = {
  f8e4m3fn: { mbits: 3, bias: 7, maxCode: 0x7e, kind: "fn" },
  f8e4m3fnuz: { mbits: 3, bias: 8, maxCode: 0x7f, kind: "fnuz" },
  f8e5m2: { mbits: 2, bias: 15, maxCode: 0x7b, kind: "ieee" },
  f8e5m2fnuz: { mbits: 2, bias: 16, maxCode: 0x7f, kind: "fnuz" },
};

/** Decodes an 8-bit float pattern of type `t`. */
export function f8ToF32(t: DType, b: number): number {
  const f = F8_FORMATS[t]!;
  const sign = b & 0x80 ? -1 : 1, mag = b & 0x7f;
  const e = mag >> f.mbits, m = mag & ((1 << f.mbits) - 1);
  if (f.kind === "fnuz" && b === 0x80) return NaN;
  if (f.kind === "fn" && mag === 0x7f) return NaN;
  if (f.kind === "ieee" && e === 31) return m ? NaN : sign * Infinity;
  if (e === 0) return sign * m * 2 ** (1 - f.bias - f.mbits);
  return sign * (1 + m / (1 << f.mbits)) * 2 ** (e - f.bias);
}

/** Largest finite value of an 8-bit float type. */
export const f8Max = (t: DType): number => f8ToF32(t, F8_FORMATS[t]!.maxCode);

/**
 * Encodes `v` (rounded to f32 first) as an 8-bit float with round to nearest even. This is the
 * non-saturating conversion: out of range values and infinities become Inf (e5m2) or NaN (others);
 * the saturating one clamps in f32 first. The fnuz types have no negative zero.
 */
export function f32ToF8(t: DType, v: number): number {
  const f = F8_FORMATS[t]!;
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 24) & 0x80;
  const nan = f.kind === "fnuz" ? 0x80 : sign | 0x7f;
  const over = f.kind === "ieee" ? sign | 0x7c : nan;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return mant ? nan : over;
  const e = exp - 127 + f.bias;
  let q: number, shift: number;
  if (e <= 0) {
    if (exp === 0) return f.kind === "fnuz" ? 0 : sign;
    mant |= 0x800000;
    shift = 24 - f.mbits - e;
    if (shift > 24) return f.kind === "fnuz" ? 0 : sign;
    q = mant >>> shift;
  } else {
    shift = 23 - f.mbits;
    q = (e << f.mbits) | (mant >>> shift);
  }
  const rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
  if (rem > mid || (rem === mid && (q & 1))) q++;
  if (q > f.maxCode) return over;
  return q === 0 && f.kind === "fnuz" ? 0 : sign | q;
}

/** A stored element (a raw pattern for half and 8-bit floats) as a number. */
export function storedToNumber(t: DType, v: number): number {
  if (t === "f16") return f16ToF32(v);
  if (t === "bf16") return bf16ToF32(v);
  if (isF8(t)) return f8ToF32(t, v);
  if (t === "f4e2m1") return f4e2m1ToF32(v);
  if (t === "f8e8m0") return e8m0ToF32(v);
  return v;
}

// ---- float4e2m1 and float8e8m0 (reference conversions; kernels use ir/narrow-cast.ts) ----

/** Decodes a float4e2m1 code: sign bit 3, exponent bits 2..1 (bias 1), one mantissa bit. */
export function f4e2m1ToF32(b: number): number {
  const sign = b & 8 ? -1 : 1, e = (b >> 1) & 3, m = b & 1;
  return sign * (e === 0 ? m * 0.5 : (1 + m / 2) * 2 ** (e - 1));
}

/**
 * Encodes as float4e2m1, rounding to nearest even. The type has no Inf or NaN: out of range
 * values (infinities included) saturate to ±6, and NaN becomes 0x8, as ONNX's reference does.
 */
export function f32ToF4e2m1(v: number): number {
  if (Number.isNaN(v)) return 8;
  const a = Math.abs(v);
  const code = (a > 0.25 ? 1 : 0) + (a >= 0.75 ? 1 : 0) + (a > 1.25 ? 1 : 0) + (a >= 1.75 ? 1 : 0)
    + (a > 2.5 ? 1 : 0) + (a >= 3.5 ? 1 : 0) + (a > 5 ? 1 : 0);
  return (v < 0 || Object.is(v, -0) ? 8 : 0) | code;
}

/** Decodes a float8e8m0 code: 2^(b - 127), and 0xFF is NaN. */
export const e8m0ToF32 = (b: number): number => (b === 0xff ? NaN : 2 ** (b - 127));

export type E8m0Rounding = "up" | "down" | "nearest";

/**
 * Encodes as float8e8m0 from the exponent field of the f32 value (its sign is dropped), rounding
 * as `mode` says; saturation keeps a rounded-up 0xFE from becoming 0xFF (NaN). NaN and Inf give 0xFF.
 */
export function f32ToE8m0(v: number, mode: E8m0Rounding = "up", saturate = true): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const exp = (x >>> 23) & 0xff;
  if (exp === 0xff) return 0xff;
  let up = false;
  if (mode === "up") up = (x & 0x7fffff) !== 0;
  else if (mode === "nearest") up = (x & 0x400000) !== 0 && ((x & 0x3fffff) !== 0 || exp > 0);
  if (up && saturate && exp === 0xfe) up = false;
  return exp + (up ? 1 : 0);
}

// ---- ONNX packing of the sub-byte types ----

/** Packs one-a-byte elements as ONNX stores them: low bits first, the last byte padded with 0. */
export function packSubByte(t: DType, a: TypedArray): Uint8Array {
  const bits = bitWidth(t), per = 8 / bits, mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(a.length / per));
  for (let i = 0; i < a.length; i++) out[Math.floor(i / per)]! |= (Number(a[i]!) & mask) << ((i % per) * bits);
  return out;
}

/** Unpacks `n` elements of a packed type (sign-extending int4/int2). */
export function unpackSubByte(t: DType, bytes: Uint8Array, n: number): TypedArray {
  const bits = bitWidth(t), per = 8 / bits, mask = (1 << bits) - 1, half = 1 << (bits - 1);
  const out = allocArray(t, n);
  const signed = isSigned(t) && !isFloat(t);
  for (let i = 0; i < n; i++) {
    const v = (bytes[Math.floor(i / per)]! >> ((i % per) * bits)) & mask;
    out[i] = signed ? (v ^ half) - half : v;
  }
  return out;
}

/** Bytes an ONNX file uses for `n` elements of `t`. */
export const packedBytes = (t: DType, n: number): number => Math.ceil((n * bitWidth(t)) / 8);
