/**
 * @fileoverview Mutations of ONNX models for the fuzzer: structure-aware (dims, attributes, op
 * types, wiring, element types, initializer values, opset, nodes removed or duplicated) on the
 * decoded ModelProto, and raw byte edits on the encoding. Each mutation says what it did.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto as unknown as { onnx: typeof import("onnx-proto").onnx };
type Model = import("onnx-proto").onnx.ModelProto;
type GraphP = import("onnx-proto").onnx.IGraphProto;
type NodeP = import("onnx-proto").onnx.INodeProto;
type AttrP = import("onnx-proto").onnx.IAttributeProto;
type TensorP = import("onnx-proto").onnx.ITensorProto;

export type Rng = () => number;

/** An op type and an input count seen in the corpus: what an op-type mutation may pick. */
export interface OpForm { op: string; inputs: number }

/** A deterministic generator (mulberry32). */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const chance = (r: Rng, p: number) => r() < p;

/** Values that stress integer handling: edges of ranges, signs, zero, off-by-one. */
const INT_EDGES = [0, 1, -1, 2, -2, 3, 7, 64, 1024, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, -(2 ** 53)];
const FLOAT_EDGES = [0, -0, 1, -1, 0.5, 1e-30, 1e30, 3.4e38, -3.4e38, NaN, Infinity, -Infinity, 1e-45];
const STRINGS = [
  "", "constant", "reflect", "edge", "wrap", "linear", "nearest", "cubic", "bilinear", "NOTSET", "SAME_UPPER", "SAME_LOWER",
  "VALID", "half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_crop_and_resize", "round_prefer_floor",
  "floor", "ceil", "none", "sum", "mean", "max", "min", "add", "mul", "DCR", "CRD", "forward", "reverse", "bidirectional",
  "Sigmoid", "Tanh", "Relu", "HardSigmoid", "FLOAT", "leq", "BRANCH_LT", "SUM", "zeros", "border", "reflection", "tanh",
];
/** Attribute names many ops take, for adding one a node did not have. */
const ATTR_NAMES = ["axis", "axes", "keepdims", "perm", "pads", "strides", "kernel_shape", "dilations", "group", "mode",
  "alpha", "beta", "epsilon", "to", "transA", "transB", "value", "select_last_index", "noop_with_empty_axes", "ceil_mode",
  "count_include_pad", "auto_pad", "batch_dims", "reduction", "direction", "hidden_size", "seed", "k", "largest", "sorted"];
/** ONNX element type codes, including ones edgec refuses (string 8, complex 14/15). */
const ELEM_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 0, 99];

/** The op forms in a model's graphs. */
export function opForms(bytes: Uint8Array): OpForm[] {
  try {
    const m = onnx.ModelProto.decode(bytes);
    return m.graph ? graphs(m.graph).flatMap((g) => (g.node ?? []).map((n) => ({ op: n.opType ?? "", inputs: n.input?.length ?? 0 }))) : [];
  } catch {
    return [];
  }
}

/** Every graph of the model: the main graph and each subgraph, outermost first. */
function graphs(g: GraphP, out: GraphP[] = []): GraphP[] {
  const stack = [g];
  while (stack.length) {
    const x = stack.pop()!;
    out.push(x);
    for (const n of x.node ?? []) for (const a of n.attribute ?? []) {
      if (a.g) stack.push(a.g);
      for (const s of a.graphs ?? []) stack.push(s);
    }
  }
  return out;
}

/** Value names a node in `g` could read: graph inputs, initializers and node outputs. */
function values(g: GraphP): string[] {
  return [...(g.input ?? []).map((v) => v.name ?? ""), ...(g.initializer ?? []).map((t) => t.name ?? ""),
    ...(g.node ?? []).flatMap((n) => n.output ?? [])].filter((v) => v);
}

function mutateInt(r: Rng, v: number): number {
  switch (int(r, 4)) {
    case 0: return pick(r, INT_EDGES);
    case 1: return v + pick(r, [-2, -1, 1, 2]);
    case 2: return -v;
    default: return v * pick(r, [2, 3, 10]);
  }
}

function mutateFloat(r: Rng, v: number): number {
  return chance(r, 0.6) ? pick(r, FLOAT_EDGES) : v * pick(r, [-1, 2, 0.5, 1e6]);
}

function mutateAttr(r: Rng, a: AttrP): string {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT: a.i = mutateInt(r, Number(a.i ?? 0)); return `${a.name}=${a.i}`;
    case T.FLOAT: a.f = mutateFloat(r, a.f ?? 0); return `${a.name}=${a.f}`;
    case T.STRING: a.s = new TextEncoder().encode(pick(r, STRINGS)); return `${a.name}="${new TextDecoder().decode(a.s)}"`;
    case T.INTS: {
      const xs = (a.ints ?? []).map(Number);
      const k = int(r, 4);
      if (k === 0 && xs.length) xs.splice(int(r, xs.length), 1);
      else if (k === 1) xs.push(pick(r, INT_EDGES));
      else if (k === 2) xs.length = 0;
      else if (xs.length) { const i = int(r, xs.length); xs[i] = mutateInt(r, xs[i]!); }
      a.ints = xs;
      return `${a.name}=[${xs}]`;
    }
    case T.FLOATS: {
      const xs = [...(a.floats ?? [])];
      if (xs.length && chance(r, 0.5)) { const i = int(r, xs.length); xs[i] = mutateFloat(r, xs[i]!); } else if (xs.length) xs.pop(); else xs.push(pick(r, FLOAT_EDGES));
      a.floats = xs;
      return `${a.name}=[${xs}]`;
    }
    case T.TENSOR: if (a.t) return `${a.name}: ${mutateTensor(r, a.t)}`; return "tensor attribute unchanged";
    default: return `${a.name} unchanged`;
  }
}

function randomAttr(r: Rng): AttrP {
  const T = onnx.AttributeProto.AttributeType;
  const name = pick(r, ATTR_NAMES);
  switch (int(r, 4)) {
    case 0: return { name, type: T.INT, i: pick(r, INT_EDGES) };
    case 1: return { name, type: T.INTS, ints: Array.from({ length: int(r, 5) }, () => pick(r, INT_EDGES.slice(0, 8))) };
    case 2: return { name, type: T.FLOAT, f: pick(r, FLOAT_EDGES) };
    default: return { name, type: T.STRING, s: new TextEncoder().encode(pick(r, STRINGS)) };
  }
}

/** Changes an initializer's dims, type or values (so its data may no longer match). */
function mutateTensor(r: Rng, t: TensorP): string {
  const k = int(r, 5);
  if (k === 0 && t.dims?.length) {
    const i = int(r, t.dims.length);
    t.dims[i] = Math.max(-1, mutateInt(r, Number(t.dims[i])));
    return `${t.name} dims [${t.dims}]`;
  }
  if (k === 1) { t.dataType = pick(r, ELEM_TYPES); return `${t.name} type ${t.dataType}`; }
  if (k === 2 && t.dims) { t.dims = chance(r, 0.5) ? [...t.dims, 1] : t.dims.slice(1); return `${t.name} rank ${t.dims.length}`; }
  // Values: rewrite a few elements of the stored bytes, or of the typed fields.
  const raw = t.rawData;
  if (raw && raw.length) {
    const b = Uint8Array.from(raw);
    for (let n = 1 + int(r, 4); n > 0; n--) b[int(r, b.length)] = pick(r, [0, 0xff, 0x7f, 0x80, int(r, 256)]);
    t.rawData = b;
    return `${t.name} bytes changed`;
  }
  if (t.int64Data?.length) { const i = int(r, t.int64Data.length); t.int64Data[i] = mutateInt(r, Number(t.int64Data[i])); return `${t.name} int64[${i}]`; }
  if (t.floatData?.length) { const i = int(r, t.floatData.length); t.floatData[i] = mutateFloat(r, t.floatData[i]!); return `${t.name} float[${i}]`; }
  if (t.int32Data?.length) { const i = int(r, t.int32Data.length); t.int32Data[i] = mutateInt(r, t.int32Data[i]!); return `${t.name} int32[${i}]`; }
  t.dims = [...(t.dims ?? []), 2];
  return `${t.name} dims [${t.dims}]`;
}

type Mutation = (r: Rng, m: Model, gs: GraphP[], ops: readonly OpForm[]) => string | undefined;

const MUTATIONS: [number, string, Mutation][] = [
  [3, "dims", (r, _m, gs) => {
    const g = pick(r, gs);
    const vs = [...(g.input ?? []), ...(g.output ?? [])].filter((v) => v.type?.tensorType?.shape);
    if (!vs.length) return undefined;
    const v = pick(r, vs), dims = v.type!.tensorType!.shape!.dim ??= [];
    const k = int(r, 4);
    if (k === 0 && dims.length) { const d = pick(r, dims); d.dimValue = Math.max(0, mutateInt(r, Number(d.dimValue ?? 1))); d.dimParam = undefined; }
    else if (k === 1 && dims.length) { pick(r, dims).dimParam = pick(r, ["N", "batch", ""]); }
    else if (k === 2) dims.push({ dimValue: pick(r, [1, 2, 3, 0]) });
    else dims.pop();
    return `dims of ${v.name}: [${dims.map((d) => d.dimParam || d.dimValue)}]`;
  }],
  [4, "attribute", (r, _m, gs) => {
    const ns = gs.flatMap((g) => g.node ?? []).filter((n) => n.attribute?.length);
    if (!ns.length) return undefined;
    const n = pick(r, ns);
    return `${n.opType} ${mutateAttr(r, pick(r, n.attribute!))}`;
  }],
  [1, "attribute set", (r, _m, gs) => {
    const n = pick(r, gs.flatMap((g) => g.node ?? []));
    if (!n) return undefined;
    if (n.attribute?.length && chance(r, 0.5)) { const a = n.attribute.splice(int(r, n.attribute.length), 1)[0]!; return `${n.opType} drops ${a.name}`; }
    const a = randomAttr(r);
    (n.attribute ??= []).push(a);
    return `${n.opType} gains ${a.name}`;
  }],
  [2, "op type", (r, _m, gs, ops) => {
    const n = pick(r, gs.flatMap((g) => g.node ?? []));
    if (!n) return undefined;
    if (!ops.length) return undefined;
    const same = ops.filter((o) => o.inputs === (n.input?.length ?? 0));
    const op = pick(r, same.length && chance(r, 0.8) ? same : ops).op;
    const was = n.opType;
    n.opType = op;
    return `${was} -> ${op}`;
  }],
  [3, "wiring", (r, _m, gs) => {
    const g = pick(r, gs);
    const ns = g.node ?? [], vs = values(g);
    if (!ns.length || !vs.length) return undefined;
    const n = pick(r, ns);
    const ins = n.input ??= [];
    const k = int(r, 5);
    if (k === 0 && ins.length) { const i = int(r, ins.length); ins[i] = pick(r, vs); return `${n.opType} input ${i} <- ${ins[i]}`; }
    if (k === 1 && ins.length) { const i = int(r, ins.length); ins[i] = ""; return `${n.opType} input ${i} omitted`; }
    if (k === 2) { ins.push(pick(r, vs)); return `${n.opType} gains input ${ins[ins.length - 1]}`; }
    if (k === 3 && ins.length > 1) { ins.reverse(); return `${n.opType} inputs reversed`; }
    const outs = g.output ?? [];
    if (!outs.length) return undefined;
    const o = pick(r, outs);
    o.name = pick(r, vs);
    return `graph output <- ${o.name}`;
  }],
  [2, "element type", (r, _m, gs) => {
    const g = pick(r, gs);
    const vs = [...(g.input ?? []), ...(g.output ?? [])].filter((v) => v.type?.tensorType);
    if (!vs.length) return undefined;
    const v = pick(r, vs);
    v.type!.tensorType!.elemType = pick(r, ELEM_TYPES);
    return `${v.name} type ${v.type!.tensorType!.elemType}`;
  }],
  [3, "initializer", (r, _m, gs) => {
    const ts = gs.flatMap((g) => g.initializer ?? []);
    const cs = gs.flatMap((g) => g.node ?? []).filter((n) => n.opType === "Constant").flatMap((n) => n.attribute ?? []).filter((a) => a.t).map((a) => a.t!);
    const all = [...ts, ...cs];
    if (!all.length) return undefined;
    return mutateTensor(r, pick(r, all));
  }],
  [1, "opset", (r, m) => {
    const o = (m.opsetImport ?? []).find((x) => !x.domain || x.domain === "ai.onnx");
    if (!o) return undefined;
    o.version = chance(r, 0.5) ? Math.max(1, Number(o.version) + pick(r, [-1, 1, -5])) : 1 + int(r, 26);
    return `opset ${o.version}`;
  }],
  [1, "node removed", (r, _m, gs) => {
    const g = pick(r, gs);
    if (!g.node?.length) return undefined;
    const [n] = g.node.splice(int(r, g.node.length), 1);
    return `removed ${n!.opType}`;
  }],
  [1, "node duplicated", (r, _m, gs) => {
    const g = pick(r, gs);
    if (!g.node?.length) return undefined;
    const n = pick(r, g.node);
    const copy = onnx.NodeProto.fromObject(onnx.NodeProto.toObject(n as import("onnx-proto").onnx.NodeProto));
    copy.output = (copy.output ?? []).map((o) => (o ? `${o}_dup` : o));
    g.node.push(copy as NodeP);
    return `duplicated ${n.opType}`;
  }],
];
const TOTAL = MUTATIONS.reduce((s, m) => s + m[0], 0);

/** Raw edits of an encoding: bytes overwritten, inserted, deleted, or the end cut off. */
function mutateBytes(r: Rng, b: Uint8Array): { bytes: Uint8Array; what: string } {
  const x = Array.from(b);
  const k = int(r, 4);
  if (k === 3 && x.length) { const n = int(r, x.length); return { bytes: Uint8Array.from(x.slice(0, n)), what: `truncated to ${n} bytes` }; }
  const n = 1 + int(r, 6);
  for (let i = 0; i < n && x.length; i++) {
    const at = int(r, x.length);
    if (k === 0) x[at] = pick(r, [0, 0xff, 0x80, 0x7f, int(r, 256)]);
    else if (k === 1) x.splice(at, 0, int(r, 256));
    else x.splice(at, 1);
  }
  return { bytes: Uint8Array.from(x), what: `${n} bytes ${["overwritten", "inserted", "deleted"][k]}` };
}

/**
 * One mutant of `seed`: one to three structural mutations, and sometimes raw byte edits.
 * A seed that does not decode gets byte edits only.
 */
export function mutate(seed: Uint8Array, r: Rng, ops: readonly OpForm[]): { bytes: Uint8Array; what: string[] } {
  const what: string[] = [];
  let bytes = seed;
  let m: Model | undefined;
  try { m = onnx.ModelProto.decode(seed); } catch { m = undefined; }
  if (m?.graph && !chance(r, 0.1)) {
    const gs = graphs(m.graph);
    for (let n = 1 + int(r, 3), tries = 0; n > 0 && tries < 20; tries++) {
      let x = r() * TOTAL, k = 0;
      while ((x -= MUTATIONS[k]![0]) > 0) k++;
      const did = MUTATIONS[k]![2](r, m, gs, ops);
      if (did !== undefined) { what.push(did); n--; }
    }
    bytes = onnx.ModelProto.encode(m).finish();
  }
  if (!m || what.length === 0 || chance(r, 0.1)) {
    const b = mutateBytes(r, bytes);
    bytes = b.bytes;
    what.push(b.what);
  }
  return { bytes, what };
}
