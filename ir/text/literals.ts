/**
 * @fileoverview Spelling of names, numbers and tensor data in the IR text formats, shared by the
 * printers and the parsers so that each exact round trip is defined in one place; and the blob
 * store that holds large constant data outside the text.
 */
import {
  ALL_DTYPES, DType, TypedArray, allocArray, arrayFromBytes, bf16ToF32, byteSize, bytesOf, f16ToF32,
  f32ToBf16, f32ToF16, f32ToF8, f8ToF32, isF8, bitWidth, e8m0ToF32, f4e2m1ToF32, f32ToE8m0, f32ToF4e2m1,
  isNarrow, isSigned,
} from "../dtype.ts";
import { Tensor, TensorType, numel } from "../graph.ts";
import { KEYWORDS } from "./tokens.ts";

const BARE_REF = /^[A-Za-z0-9_.\/]+$/;
const BARE_IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** `%name`, or `%"name"` with JSON escapes when the name has other characters. */
export const ref = (sigil: "%" | "@", name: string): string =>
  sigil + (BARE_REF.test(name) ? name : JSON.stringify(name));

/** Decodes the name of a `%`/`@` token. */
export const refName = (image: string): string => (image[1] === '"' ? JSON.parse(image.slice(1)) as string : image.slice(1));

/** An op or attribute name: bare when it reads as a plain identifier, else a string. */
export const ident = (name: string): string =>
  BARE_IDENT.test(name) && !KEYWORDS.has(name) && name !== "_" ? name : JSON.stringify(name);

export const str = (s: string): string => JSON.stringify(s);
export const unstr = (image: string): string => JSON.parse(image) as string;

export const isDType = (s: string): s is DType => (ALL_DTYPES as readonly string[]).includes(s);

export const typeStr = (t: TensorType): string => `${t.dtype}[${t.shape.join(",")}]`;

/** The shortest decimal that reads back as exactly `v` (a double); inf, nan and -0 spelled out. */
export function num(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** An integer in plain digits (String() turns 2^70 into `1.1805916207174113e+21`, a float). */
export const intNum = (v: number): string => (Number.isInteger(v) && Math.abs(v) >= 1e21 ? BigInt(v).toString() : num(v));

/** As num(), always in float form (`1.0`), so a float attribute never reads as an int. */
export function floatNum(v: number): string {
  const s = num(v);
  return /[.en]/.test(s) ? s : `${s}.0`;
}

/** Reads a number spelled by num(); `-` may be a separate token, hence the sign argument. */
export function parseNum(image: string, negative: boolean): number {
  const v = image === "inf" ? Infinity : image === "nan" ? NaN : Number(image);
  return negative ? -v : v;
}

/** Shortest decimal for a value stored with fewer bits, found by widening until it reads back. */
function shortest(v: number, back: (x: number) => number, target: number): string {
  if (!Number.isFinite(v) || Object.is(v, -0)) return num(v);
  for (let p = 1; p <= 17; p++) {
    const s = String(Number(v.toPrecision(p)));
    if (back(Number(s)) === target) return s;
  }
  return num(v);
}

/** Element i of a tensor as text: floats exact and short, 64-bit integers exact. */
function elementStr(t: DType, a: TypedArray, i: number): string {
  const x = a[i]!;
  if (typeof x === "bigint") return String(x);
  switch (t) {
    case "f32": return shortest(x, Math.fround, x);
    case "f16": return shortest(f16ToF32(x), f32ToF16, x);
    case "bf16": return shortest(bf16ToF32(x), f32ToBf16, x);
    case "f8e4m3fn": case "f8e4m3fnuz": case "f8e5m2": case "f8e5m2fnuz":
      return shortest(f8ToF32(t, x), (v) => f32ToF8(t, v), x);
    case "f4e2m1": return num(f4e2m1ToF32(x));
    case "f8e8m0": return num(e8m0ToF32(x));
    default: return num(x);
  }
}

/** Stores one parsed element; false if the text does not fit the dtype exactly. */
function setElement(t: DType, a: TypedArray, i: number, text: string, negative: boolean): boolean {
  if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    if (!/^[0-9]+$/.test(text)) return false;
    const v = negative ? -BigInt(text) : BigInt(text);
    a[i] = v;
    return a[i] === v;
  }
  const v = parseNum(text, negative);
  if (t === "f16") a[i] = f32ToF16(v);
  else if (t === "bf16") a[i] = f32ToBf16(v);
  else if (isF8(t)) {
    // Rounds like f16 does, but a finite value out of range is an error rather than NaN or Inf.
    a[i] = f32ToF8(t, v);
    return Number.isFinite(f8ToF32(t, a[i]!)) || !Number.isFinite(v);
  } else if (t === "f4e2m1" || t === "f8e8m0") {
    // Only values the type holds exactly.
    a[i] = t === "f4e2m1" ? f32ToF4e2m1(v) : f32ToE8m0(v);
    const back = t === "f4e2m1" ? f4e2m1ToF32(a[i]!) : e8m0ToF32(a[i]!);
    return Object.is(back, v) || (Number.isNaN(back) && Number.isNaN(v));
  } else {
    a[i] = v;
    if (isNarrow(t)) {
      const lo = isSigned(t) ? -(2 ** (bitWidth(t) - 1)) : 0;
      return Number.isInteger(v) && v >= lo && v < lo + 2 ** bitWidth(t);
    }
    if (t !== "f32" && t !== "f64") return a[i] === v;
  }
  return true;
}

export interface ElementText {
  text: string;
  negative: boolean;
}

/** Builds the data of a tensor from its element texts; a string says what is wrong. */
export function tensorFromElements(t: TensorType, elems: readonly ElementText[]): TypedArray | string {
  const n = numel(t.shape);
  if (elems.length !== n) return `${n} elements for ${typeStr(t)}, got ${elems.length}`;
  const a = allocArray(t.dtype, n);
  for (let i = 0; i < n; i++) {
    const e = elems[i]!;
    if (!setElement(t.dtype, a, i, e.text, e.negative))
      return `element ${i} to be a value of type ${t.dtype}, got '${e.negative ? "-" : ""}${e.text}'`;
  }
  return a;
}

/** The element list `[1, 2.5, nan]`, or undefined when the values would not read back bit-exactly. */
export function elementsStr(t: Tensor): string | undefined {
  const n = numel(t.shape);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(elementStr(t.dtype, t.data, i));
  const back = tensorFromElements(t, parts.map((p) => (p.startsWith("-") ? { text: p.slice(1), negative: true } : { text: p, negative: false })));
  if (typeof back === "string" || !sameBytes(bytesOf(back), bytesOf(t.data))) return undefined;
  return `[${parts.join(", ")}]`;
}

export function hexStr(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function tensorFromHex(t: TensorType, image: string): TypedArray | string {
  const hex = image.slice(2);
  const want = numel(t.shape) * byteSize(t.dtype);
  if (hex.length % 2) return `two hex digits per byte, got ${hex.length} digits`;
  if (hex.length !== want * 2) return `${want} bytes for ${typeStr(t)}, got ${hex.length / 2}`;
  return arrayFromBytes(t.dtype, new Uint8Array(Buffer.from(hex, "hex")));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Constant data kept outside the text: the printer appends a tensor's bytes and prints
 * `@name:OFFSET`; the parser reads them back. Offsets are 16-byte aligned.
 */
export class BlobStore {
  private chunks: Uint8Array[] = [];
  private size_ = 0;
  private data?: Uint8Array;

  constructor(readonly name = "weights", data?: Uint8Array) {
    if (data) { this.data = data; this.chunks = [data]; this.size_ = data.length; }
  }

  get size(): number {
    return this.size_;
  }

  append(bytes: Uint8Array): number {
    const pad = (16 - (this.size_ % 16)) % 16;
    if (pad) this.chunks.push(new Uint8Array(pad));
    const offset = this.size_ + pad;
    this.chunks.push(bytes.slice());
    this.size_ = offset + bytes.length;
    this.data = undefined;
    return offset;
  }

  /** All bytes, e.g. to write beside the text file. */
  bytes(): Uint8Array {
    if (!this.data) {
      const out = new Uint8Array(this.size_);
      let o = 0;
      for (const c of this.chunks) { out.set(c, o); o += c.length; }
      this.data = out;
      this.chunks = [out];
    }
    return this.data;
  }

  /** The bytes at [offset, offset + length), or undefined when out of range. */
  read(offset: number, length: number): Uint8Array | undefined {
    if (offset + length > this.size_) return undefined;
    return this.bytes().slice(offset, offset + length);
  }
}
