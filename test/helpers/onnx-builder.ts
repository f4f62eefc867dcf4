/**
 * @fileoverview Builds ONNX models and TensorProto files in memory, so tests describe their
 * models in code instead of committing binary fixtures.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import onnxProto from "onnx-proto";
import {
  DType, TypedArray, allocArray, arrayFromBytes, bytesOf, f32ToBf16, f32ToF16, isPacked, onnxCode, packSubByte, setNumber,
} from "../../ir/dtype.ts";

export const { onnx } = onnxProto as unknown as { onnx: typeof import("onnx-proto").onnx };
type O = typeof import("onnx-proto").onnx;

/** An element type: an edgec DType, or a raw ONNX code for types edgec does not hold. */
export type ElemType = DType | number;
/** A dimension: a size, a symbolic name, or null for an unknown dim. */
export type Dim = number | string | null;

export interface ValueSpec {
  name: string;
  dtype: ElemType;
  /** Omitted: the value has no shape at all. */
  shape?: Dim[];
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  dims: number[];
  /** Element values (f16/bf16 given as numbers and converted); omitted means zeros. */
  data?: ArrayLike<number> | TypedArray;
  /** Writes no data at all, whatever the dims say (a malformed tensor). */
  noData?: boolean;
  /** Stores the tensor as external data at this location instead of raw bytes. */
  external?: { location: string; offset?: number; length?: number };
}

/** Forces a float attribute (plain integers would be encoded as ints). */
export const F = (f: number) => ({ f });
/** Forces a floats attribute. */
export const FS = (floats: number[]) => ({ floats });

export type AttrValue =
  | number | number[] | string | string[]
  | { f: number } | { floats: number[] }
  | { tensor: TensorSpec }
  | { graph: GraphSpec };

/** A subgraph attribute: an If branch, a Loop or Scan body. */
export interface GraphSpec {
  name?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrValue>;
}

export interface ModelSpec {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  /** Default opset of the ai.onnx domain (17). */
  opset?: number;
  /** Opsets of other domains the model imports, e.g. { "ai.onnx.ml": 5 }. */
  opsets?: Record<string, number>;
  name?: string;
}

const code = (t: ElemType): number => (typeof t === "number" ? t : onnxCode(t));

/** The little-endian bytes of `data` stored as `dtype`. */
export function tensorBytes(dtype: DType, data: ArrayLike<number> | TypedArray, n: number): Uint8Array {
  if (!Array.isArray(data) && ArrayBuffer.isView(data) && (data as TypedArray).length === n &&
    dtype !== "f16" && dtype !== "bf16")
    return new Uint8Array(bytesOf(data as TypedArray));
  const out = allocArray(dtype, n);
  for (let i = 0; i < n; i++) {
    const raw = data[i];
    let v = typeof raw === "bigint" ? Number(raw) : Number(raw ?? 0);
    if (dtype === "f16") v = f32ToF16(v);
    else if (dtype === "bf16") v = f32ToBf16(v);
    setNumber(out, i, v);
  }
  return new Uint8Array(bytesOf(out));
}

export function tensorProto(t: TensorSpec): import("onnx-proto").onnx.TensorProto {
  const n = t.dims.reduce((a, b) => a * b, 1);
  const p = onnx.TensorProto.create({ name: t.name, dataType: onnxCode(t.dtype), dims: t.dims });
  if (t.external) {
    p.dataLocation = 1;
    const kv = [["location", t.external.location]];
    if (t.external.offset !== undefined) kv.push(["offset", String(t.external.offset)]);
    if (t.external.length !== undefined) kv.push(["length", String(t.external.length)]);
    p.externalData = kv.map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }));
  } else if (!t.noData) {
    const bytes = tensorBytes(t.dtype, t.data ?? [], n);
    // ONNX packs int4/uint4/float4e2m1 two a byte and int2/uint2 four a byte.
    p.rawData = isPacked(t.dtype) ? packSubByte(t.dtype, arrayFromBytes(t.dtype, bytes)) : bytes;
  }
  return p;
}

function valueInfo(v: ValueSpec) {
  const tensorType: import("onnx-proto").onnx.TypeProto.ITensor = { elemType: code(v.dtype) };
  if (v.shape) {
    tensorType.shape = {
      dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : typeof d === "string" ? { dimParam: d } : {})),
    };
  }
  return onnx.ValueInfoProto.create({ name: v.name, type: { tensorType } });
}

function attribute(name: string, v: AttrValue): import("onnx-proto").onnx.IAttributeProto {
  const A = (onnx as O).AttributeProto.AttributeType;
  if (typeof v === "number") return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (typeof v === "string") return { name, type: A.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return { name, type: A.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    const nums = v as number[];
    return nums.every(Number.isInteger) ? { name, type: A.INTS, ints: nums } : { name, type: A.FLOATS, floats: nums };
  }
  if ("f" in v) return { name, type: A.FLOAT, f: v.f };
  if ("floats" in v) return { name, type: A.FLOATS, floats: v.floats };
  if ("graph" in v) return { name, type: A.GRAPH, g: graphProto(v.graph) };
  return { name, type: A.TENSOR, t: tensorProto(v.tensor) };
}

function graphProto(spec: GraphSpec): import("onnx-proto").onnx.GraphProto {
  return onnx.GraphProto.create({
    name: spec.name ?? "body",
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
    initializer: (spec.initializers ?? []).map(tensorProto),
    node: spec.nodes.map((n, i) => onnx.NodeProto.create({
      name: n.name ?? `${n.op}_${i}`,
      opType: n.op,
      domain: n.domain ?? "",
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
  });
}

/** Encodes a model to ONNX bytes. */
export function buildModel(spec: ModelSpec): Uint8Array {
  const graph = graphProto({ ...spec, name: spec.name ?? "test_graph" });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "edgec-tests",
    opsetImport: [{ domain: "", version: spec.opset ?? 17 },
      ...Object.entries(spec.opsets ?? {}).map(([domain, version]) => ({ domain, version }))],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Encodes one tensor as a serialized TensorProto (the input_N.pb / output_N.pb layout). */
export function tensorFile(t: TensorSpec): Uint8Array {
  return onnx.TensorProto.encode(tensorProto(t)).finish();
}

/**
 * Writes DIR/model.onnx and, when given, DIR/test_data_set_0/input_N.pb and output_N.pb: the
 * layout `edgec test` reads.
 */
export function writeModelDir(dir: string, spec: ModelSpec, inputs?: TensorSpec[], outputs?: TensorSpec[]): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "model.onnx"), buildModel(spec));
  if (inputs || outputs) {
    const sd = path.join(dir, "test_data_set_0");
    fs.mkdirSync(sd, { recursive: true });
    (inputs ?? []).forEach((t, i) => fs.writeFileSync(path.join(sd, `input_${i}.pb`), tensorFile(t)));
    (outputs ?? []).forEach((t, i) => fs.writeFileSync(path.join(sd, `output_${i}.pb`), tensorFile(t)));
  }
  return dir;
}

/** A deterministic pseudo-random generator (mulberry32) for weights and inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [lo, hi) from `r`, rounded to f32. */
export function uniform(r: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** A model whose If nodes nest `depth` subgraphs inside each other (for decoder limits). */
export function nestedSubgraphModel(depth: number): Uint8Array {
  let g: import("onnx-proto").onnx.IGraphProto = { name: "leaf", output: [{ name: "o" }], node: [] };
  for (let i = 0; i < depth; i++)
    g = { name: `g${i}`, output: [{ name: "o" }], node: [{ opType: "If", input: ["c"], output: ["o"], attribute: [{ name: "then_branch", type: 5, g }] }] };
  const top = { ...g, input: [{ name: "c", type: { tensorType: { elemType: 9, shape: { dim: [] } } } }] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: "", version: 17 }], graph: top })).finish();
}
