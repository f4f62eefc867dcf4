/**
 * @fileoverview TensorProto decoding and encoding: typed fields, raw data and external data
 * files, with external locations confined to the model's folder. int4/uint4/float4e2m1 (two a
 * byte) and int2/uint2 (four a byte) are unpacked to one element a byte, and packed back.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import onnxProto from "onnx-proto";
import {
  DType, TypedArray, allocArray, arrayFromBytes, byteSize, bytesOf, fromOnnxCode, isPacked, onnxCode, packSubByte,
  packedBytes, unpackSubByte,
} from "../../ir/dtype.ts";
import { Tensor, numel } from "../../ir/graph.ts";
import { fail } from "../../ir/diagnostics.ts";

export const { onnx } = onnxProto as unknown as { onnx: typeof import("onnx-proto").onnx };

type LongLike = number | { toNumber(): number; toString(): string };

export function num(x: LongLike | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === "number" ? x : x.toNumber();
}

export function big(x: LongLike): bigint {
  return typeof x === "number" ? BigInt(x) : BigInt(x.toString());
}

export interface TensorSource {
  /** The folder external data paths are relative to; undefined forbids external data. */
  baseDir?: string;
  /** What the tensor is, for error messages. */
  what: string;
}

export function decodeTensor(tp: import("onnx-proto").onnx.ITensorProto, src: TensorSource): Tensor {
  const dt = fromOnnxCode(tp.dataType ?? 0);
  if (typeof dt !== "string") fail(`${src.what}: element type ${dt.unsupported} is not supported`);
  const shape = (tp.dims ?? []).map(num);
  if (shape.some((d) => d < 0 || !Number.isSafeInteger(d))) fail(`${src.what}: invalid dims [${shape}]`);
  const n = numel(shape);
  if (n > 2 ** 31 - 1) fail(`${src.what}: ${n} elements is more than this compiler supports`);
  let data: TypedArray;
  if (isPacked(dt)) {
    const bytes = tp.dataLocation === 1 ? readExternal(tp, src, packedBytes(dt, n))
      : tp.rawData && tp.rawData.length > 0 ? tp.rawData
      // int32_data holds one packed byte per entry.
      : Uint8Array.from(tp.int32Data ?? [], (v) => v & 0xff);
    if (bytes.length !== packedBytes(dt, n))
      fail(`${src.what}: holds ${bytes.length} bytes of packed ${dt} but its dims [${shape}] need ${packedBytes(dt, n)}`);
    data = unpackSubByte(dt, bytes, n);
  } else if (tp.dataLocation === 1) {
    data = arrayFromBytes(dt, readExternal(tp, src, n * byteSize(dt)));
  } else if (tp.rawData && tp.rawData.length > 0) {
    data = arrayFromBytes(dt, tp.rawData);
  } else {
    data = fromFields(tp, dt, n);
  }
  if (data.length !== n) fail(`${src.what}: holds ${data.length} elements but its dims [${shape}] need ${n}`);
  return { dtype: dt, shape, data };
}

function fromFields(tp: import("onnx-proto").onnx.ITensorProto, dt: DType, n: number): TypedArray {
  const field = dt === "f32" ? tp.floatData : dt === "f64" ? tp.doubleData : dt === "i64" ? tp.int64Data
    : dt === "u64" || dt === "u32" ? tp.uint64Data : tp.int32Data;
  // Declared dims may be huge while the file holds little: the caller reports the mismatch.
  if ((field?.length ?? 0) !== n) return allocArray(dt, field?.length ?? 0);
  const out = allocArray(dt, n);
  const copy = (src: ArrayLike<LongLike> | null | undefined, conv: (v: LongLike) => number | bigint) => {
    const len = src?.length ?? 0;
    for (let i = 0; i < Math.min(n, len); i++) (out as unknown as (number | bigint)[])[i] = conv(src![i]!);
    return len;
  };
  let got = 0;
  switch (dt) {
    case "f32": got = copy(tp.floatData, num); break;
    case "f64": got = copy(tp.doubleData, num); break;
    case "i64": got = copy(tp.int64Data, big); break;
    case "u64": got = copy(tp.uint64Data, (v) => BigInt.asUintN(64, big(v))); break;
    case "u32": got = copy(tp.uint64Data, num); break;
    // int32_data holds the narrower integer types and the bit patterns of 16-bit floats.
    default: got = copy(tp.int32Data, num); break;
  }
  if (got !== n) return allocArray(dt, got);
  return out;
}

function readExternal(tp: import("onnx-proto").onnx.ITensorProto, src: TensorSource, bytes: number): Uint8Array {
  const kv = new Map((tp.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const loc = kv.get("location");
  if (!loc) fail(`${src.what}: external data has no location`);
  if (!src.baseDir) fail(`${src.what}: external data is not allowed here`);
  if (path.isAbsolute(loc) || loc.split(/[\\/]/).includes("..") || loc.includes("\0"))
    fail(`${src.what}: external data location ${JSON.stringify(loc)} must be a relative path inside the model's folder`);
  const base = fs.realpathSync(src.baseDir);
  const file = path.join(base, loc);
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    fail(`${src.what}: external data file ${JSON.stringify(loc)} not found next to the model`);
  }
  if (!real.startsWith(base + path.sep))
    fail(`${src.what}: external data location ${JSON.stringify(loc)} resolves outside the model's folder`);
  // A folder cannot be read, and a FIFO or device could block forever.
  if (!fs.statSync(real).isFile()) fail(`${src.what}: external data location ${JSON.stringify(loc)} is not a regular file`);
  const offset = Number(kv.get("offset") ?? "0");
  const length = kv.has("length") ? Number(kv.get("length")) : bytes;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length !== bytes)
    fail(`${src.what}: external data offset/length do not match the tensor's ${bytes} bytes`);
  const fd = fs.openSync(real, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (offset + length > size) fail(`${src.what}: external data file ${JSON.stringify(loc)} is too short`);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, offset);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  } finally {
    fs.closeSync(fd);
  }
}

/** A TensorProto holding `t` as raw data (the sub-byte types packed as ONNX stores them). */
export function encodeTensor(t: Tensor, name = ""): import("onnx-proto").onnx.TensorProto {
  const raw = isPacked(t.dtype) ? packSubByte(t.dtype, t.data) : bytesOf(t.data).slice();
  return onnx.TensorProto.create({ name, dataType: onnxCode(t.dtype), dims: t.shape, rawData: raw });
}

/** Reads a serialized TensorProto file (the backend-test layout's input_N.pb / output_N.pb). */
export function readTensorFile(file: string): Tensor & { name: string } {
  let tp;
  try {
    tp = onnx.TensorProto.decode(fs.readFileSync(file));
  } catch (e) {
    fail(`${file}: not a valid TensorProto (${(e as Error).message})`);
  }
  return { ...decodeTensor(tp, { what: file }), name: tp.name ?? "" };
}
