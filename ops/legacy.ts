/**
 * @fileoverview Upgrades nodes of old opsets (1–8) to the forms the op library defines, as ONNX's
 * version converter does: attributes that were dropped lose their meaning or become inputs of
 * today's form, and the old one-directional `broadcast`/`axis` becomes numpy broadcasting. Rules
 * that depend on shapes run while types are inferred, once a node's inputs have types.
 */
import { onnxCode } from "../ir/dtype.ts";
import { Attr, Graph, Node, Tensor } from "../ir/graph.ts";
import { nodeError } from "../ir/diagnostics.ts";

/** The newest opset any rule applies to: models at or above it skip the upgrade. */
const NEWEST = 8;

interface Ctx {
  g: Graph;
  n: Node;
  /** Adds a node before `n`; returns its output name. */
  emit(op: string, inputs: string[], attrs: Record<string, Attr>): string;
  /** Adds a constant; returns its name. */
  constant(t: Tensor): string;
}

interface Rule {
  /** Ops the rule applies to; "*" for every op. */
  ops: readonly string[] | "*";
  /** The rule applies to graphs of opsets below this one. */
  before: number;
  apply(ctx: Ctx): void;
}

const BROADCASTING = ["Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "Equal", "Greater", "Less"];
/** Cast-1 names its target type; later opsets give the TensorProto code. */
const CAST_CODES: Record<string, number> = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
};

const int = (value: number): Attr => ({ type: "int", value });
const ints = (value: number[]): Attr => ({ type: "ints", value });
const intAttr = (n: Node, a: string, dflt: number): number => { const v = n.attrs[a]; return v?.type === "int" ? v.value : dflt; };
const typeOf = (g: Graph, n: Node, v: string) => g.types.get(v) ?? nodeError(n, `input ${JSON.stringify(v)} has no type`, "the model is malformed");
const rankOf = (g: Graph, n: Node, v: string): number => typeOf(g, n, v).shape.length;
const range = (lo: number, hi: number): number[] => Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);

/** Unsqueezes value `v` at `axes` (the opset-1 form, axes an attribute), if there are any. */
function unsqueeze(ctx: Ctx, v: string, axes: number[]): string {
  return axes.length ? ctx.emit("Unsqueeze", [v], { axes: ints(axes) }) : v;
}

const RULES: Rule[] = [
  // consumed_inputs (opsets 1-5) was a memory-reuse hint with no effect on results: dropped.
  { ops: "*", before: 7, apply: ({ n }) => { delete n.attrs.consumed_inputs; } },
  // A op B with broadcast=1, axis=k (opsets 1-6): B's dims align with A's from axis k. Trailing
  // ones appended to B make numpy broadcasting give the same result.
  {
    ops: BROADCASTING, before: 7,
    apply: (ctx) => {
      const { g, n } = ctx;
      const broadcast = intAttr(n, "broadcast", 0), given = n.attrs.axis ? intAttr(n, "axis", 0) : undefined;
      delete n.attrs.broadcast;
      delete n.attrs.axis;
      // Without an axis B aligns with A's trailing dims, as numpy broadcasting does.
      if (!broadcast || given === undefined || !n.inputs[0] || !n.inputs[1]) return;
      const ra = rankOf(g, n, n.inputs[0]), rb = rankOf(g, n, n.inputs[1]);
      const axis = given < 0 ? given + ra : given;
      if (axis < 0 || axis + rb > ra) nodeError(n, `broadcast axis ${given} does not fit B (rank ${rb}) into A (rank ${ra})`, "the model is malformed");
      n.inputs[1] = unsqueeze(ctx, n.inputs[1], range(rb, ra - axis));
    },
  },
  // Gemm's broadcast (opsets 1-6): C broadcasts to [M, N] either way today.
  { ops: ["Gemm"], before: 7, apply: ({ n }) => { delete n.attrs.broadcast; } },
  // PRelu (opsets 1-6): a slope of shape [C] is per channel (dim 1), not per last dim.
  {
    ops: ["PRelu"], before: 7,
    apply: (ctx) => {
      const { g, n } = ctx;
      if (!n.inputs[0] || !n.inputs[1]) return;
      const x = typeOf(g, n, n.inputs[0]).shape, s = typeOf(g, n, n.inputs[1]).shape;
      if (x.length >= 3 && s.length === 1 && s[0] !== 1 && s[0] === x[1]) n.inputs[1] = unsqueeze(ctx, n.inputs[1], range(1, x.length - 1));
    },
  },
  // Dropout's is_test (opsets 1-6): inference is all edgec does.
  { ops: ["Dropout"], before: 7, apply: ({ n }) => { delete n.attrs.is_test; } },
  // BatchNormalization: is_test (opsets 1-6) only chose inference; spatial=0 (opsets 1-8)
  // normalises per activation with parameters of shape [C, D1, ...], elementwise arithmetic.
  {
    ops: ["BatchNormalization"], before: 9,
    apply: (ctx) => {
      const { n } = ctx;
      const test = intAttr(n, "is_test", 1), spatial = intAttr(n, "spatial", 1);
      if (!test && n.outputs.filter((o) => o).length > 1)
        nodeError(n, "training mode (is_test=0 with statistics outputs) is not supported", "export the model for inference");
      delete n.attrs.is_test;
      delete n.attrs.spatial;
      if (spatial) return;
      const eps = n.attrs.epsilon?.type === "float" ? n.attrs.epsilon.value : 1e-5;
      const [x, scale, bias, mean, variance] = n.inputs as [string, string, string, string, string];
      const epsName = ctx.constant({ dtype: "f32", shape: [], data: Float32Array.of(eps) });
      const varType = typeOf(ctx.g, n, variance).dtype;
      const epsTyped = varType === "f32" ? epsName : ctx.emit("Cast", [epsName], { to: int(onnxCode(varType)) });
      const std = ctx.emit("Sqrt", [ctx.emit("Add", [variance, epsTyped], {})], {});
      const gain = ctx.emit("Div", [scale, std], {});
      const centred = ctx.emit("Sub", [x, mean], {});
      Object.assign(n, { op: "Add", inputs: [ctx.emit("Mul", [centred, gain], {}), bias], attrs: {}, outputs: [n.outputs[0]!] });
    },
  },
  // Cast-1 names the target type ("FLOAT"); later opsets give its code.
  {
    ops: ["Cast"], before: 6,
    apply: ({ n }) => {
      const to = n.attrs.to;
      if (to?.type !== "string") return;
      const code = CAST_CODES[to.value.toUpperCase()];
      if (code === undefined) nodeError(n, `unknown target type '${to.value}'`, "the model is malformed");
      n.attrs.to = int(code);
    },
  },
  // Concat's axis was optional before opset 4, defaulting to 1.
  { ops: ["Concat"], before: 4, apply: ({ n }) => { if (!n.attrs.axis) n.attrs.axis = int(1); } },
  // Upsample-1 scales the two trailing dims by height_scale and width_scale; "bilinear" is "linear".
  {
    ops: ["Upsample"], before: 7,
    apply: ({ n }) => {
      const f = (a: string) => { const v = n.attrs[a]; return v?.type === "float" || v?.type === "int" ? v.value : 1; };
      n.attrs.scales = { type: "floats", value: [1, 1, f("height_scale"), f("width_scale")] };
      delete n.attrs.height_scale;
      delete n.attrs.width_scale;
      const mode = n.attrs.mode;
      if (mode?.type === "string" && mode.value === "bilinear") n.attrs.mode = { type: "string", value: "linear" };
    },
  },
  // Split-1 may take its sizes as a second input; opsets 2-12 hold them in the attribute.
  {
    ops: ["Split"], before: 2,
    apply: ({ g, n }) => {
      const s = n.inputs[1];
      if (!s) return;
      const t = g.constants.get(s);
      if (!t) nodeError(n, "the split sizes (input 1) must be known at compile time", "make them an initializer");
      n.attrs.split = ints(Array.from(t.data as ArrayLike<number | bigint>, Number));
      n.inputs = [n.inputs[0]!];
    },
  },
  // Tile-1 repeats along one axis (inputs tiles, axis); opset 6 takes one repeat count per dim.
  {
    ops: ["Tile"], before: 6,
    apply: (ctx) => {
      const { g, n } = ctx;
      const [x, tiles, axis] = n.inputs;
      const tv = tiles ? g.constants.get(tiles) : undefined, av = axis ? g.constants.get(axis) : undefined;
      if (!x || !tv || !av) nodeError(n, "tiles and axis (inputs 1 and 2) must be known at compile time", "make them initializers");
      const repeats = new Array<number>(rankOf(g, n, x)).fill(1);
      const a = Number(av.data[0]);
      if (!(a >= 0 && a < repeats.length)) nodeError(n, `axis ${a} is out of range`, "the model is malformed");
      repeats[a] = Number(tv.data[0]);
      n.inputs = [x, ctx.constant({ dtype: "i64", shape: [repeats.length], data: BigInt64Array.from(repeats.map(BigInt)) })];
    },
  },
];

/**
 * The nodes that replace `n` in a graph of an old opset (n itself, upgraded in place, last);
 * `n` alone for current opsets. The inputs of `n` must have types.
 */
export function upgradeLegacy(g: Graph, n: Node): Node[] {
  if (g.opset > NEWEST || n.domain !== "") return [n];
  const added: Node[] = [];
  let k = 0;
  const fresh = (): string => {
    let name;
    do name = `${n.name}/legacy${k++}`; while (g.types.has(name) || g.constants.has(name));
    return name;
  };
  const ctx: Ctx = {
    g, n,
    emit(op, inputs, attrs) {
      const out = fresh();
      added.push({ name: out, op, domain: "", inputs, outputs: [out], attrs });
      return out;
    },
    constant(t) {
      const name = fresh();
      g.constants.set(name, t);
      g.types.set(name, { dtype: t.dtype, shape: t.shape });
      return name;
    },
  };
  for (const r of RULES)
    if (g.opset < r.before && (r.ops === "*" || r.ops.includes(n.op))) r.apply(ctx);
  return [...added, n];
}
