/**
 * @fileoverview qdq: a float op between DequantizeLinear and QuantizeLinear becomes the integer
 * kernel ONNX names for it, with the requantisation as its epilogue.
 *   Q(MatMul(DQ(a), DQ(b)))          -> QLinearMatMul(a, sa, za, b, sb, zb, sy, zy)   (b per tensor or per column)
 *   Q(Conv(DQ(x), DQ(w), bias))      -> QLinearConv(x, sx, zx, w, sw, zw, sy, zy, bias_i32)
 *   Q(Gemm(DQ(a), DQ(b), bias))      -> Reshape(QLinearConv(Reshape(a, [M,K,1,1]), b as [N,K,1,1], ..., bias_i32), [M,N])
 *   Q(Relu|Clip(op(...)))            -> the same kernel, then an integer Clip at Q(lo), Q(hi) (dropped when
 *                                       the bounds are the type's: Q(relu(y)) = max(Q(y), zy) since Q is monotonic)
 * bias is a float constant, or DequantizeLinear of an int32 constant: used as is when its scale is
 * sx*sw (what edgec quantize and ONNX Runtime's quantizer write), requantised otherwise.
 */
import { getNumber } from "../ir/dtype.ts";
import { Graph, Node, numel } from "../ir/graph.ts";
import { ConstBuilder } from "./const-builder.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { Match, Pat, op, rewriteAll, v } from "./pattern.ts";
import { roundEven } from "./quantize.ts";

const INT8 = ["i8", "u8"];
const RANGE: Record<string, [number, number]> = { i8: [-128, 127], u8: [0, 255] };

/** Scale, zero point of a DequantizeLinear/QuantizeLinear node; per-tensor unless its axis is `perChannelAxis`. */
function qparams(g: Graph, kb: ConstBuilder, n: Node, quantType: string, perChannelAxis?: number): [string, string] | undefined {
  const s = n.inputs[1]!;
  const rank = g.typeOf(n.inputs[0]!).shape.length;
  let axis = n.attrs.axis?.type === "int" ? n.attrs.axis.value : 1;
  if (axis < 0) axis += rank;
  if (n.attrs.block_size?.type === "int" && n.attrs.block_size.value !== 0) return undefined;
  const st = g.typeOf(s);
  if (st.dtype !== "f32") return undefined;
  if (numel(st.shape) !== 1 && (perChannelAxis === undefined || st.shape.length !== 1 || axis !== perChannelAxis)) return undefined;
  let z = n.inputs[2];
  if (z && (!g.constants.has(z) || g.typeOf(z).dtype !== quantType)) return undefined;
  if (!z) z = kb.tensor({ dtype: quantType as "i8" | "u8", shape: [], data: quantType === "i8" ? new Int8Array(1) : new Uint8Array(1) });
  return [s, z];
}

/** The int32 bias at scale sx*sw for a kernel with `channels` outputs, or undefined if it cannot be made. */
function int32Bias(g: Graph, kb: ConstBuilder, bias: string, sx: string, sw: string, channels: number): string | undefined {
  const scale = kb.op("Mul", [sx, sw]);
  let fbias = bias;
  if (!g.constants.has(bias)) {
    const dq = g.producers().get(bias);
    if (!dq || dq.op !== "DequantizeLinear" || !dq.inputs.slice(0, 3).every((i) => !i || g.constants.has(i))) return undefined;
    const [bq, bs, bz] = dq.inputs as [string, string, string | undefined];
    if (g.typeOf(bq).dtype !== "i32" || numel(g.typeOf(bq).shape) !== channels) return undefined;
    const zeroZp = !bz || Array.from(g.constants.get(bz)!.data, Number).every((x) => x === 0);
    if (zeroZp && sameScales(g, bs, scale, channels)) return kb.op("Reshape", [bq, kb.ints([channels])]);
    fbias = kb.op("DequantizeLinear", dq.inputs.filter((i) => i), { ...dq.attrs });
  }
  const bt = g.typeOf(fbias);
  if (bt.dtype !== "f32" || numel(bt.shape) !== channels) return undefined;
  const r = kb.op("Round", [kb.op("Div", [kb.op("Reshape", [fbias, kb.ints([channels])]), scale])]);
  return kb.op("Cast", [r], { to: { type: "int", value: 6 } });
}

/** Whether two f32 scale constants (scalar or per channel) hold the same value for every channel. */
function sameScales(g: Graph, a: string, b: string, channels: number): boolean {
  const [ta, tb] = [g.constants.get(a)!, g.constants.get(b)!];
  for (let c = 0; c < channels; c++)
    if (getNumber(ta.data, numel(ta.shape) === 1 ? 0 : c) !== getNumber(tb.data, numel(tb.shape) === 1 ? 0 : c)) return false;
  return true;
}

/** Integer bounds of a fused Relu/Clip in the output's quantized domain; undefined when they are the type's own. */
function clampBounds(g: Graph, act: Node | undefined, ys: string, yz: string, type: string): [number, number] | undefined {
  if (!act) return undefined;
  let lo = -Infinity, hi = Infinity;
  if (act.op === "Relu") lo = 0;
  else {
    const val = (i: number, attr: string, d: number) => {
      const name = act.inputs[i];
      if (name) return getNumber(g.constants.get(name)!.data, 0);
      return act.attrs[attr]?.type === "float" ? (act.attrs[attr] as { value: number }).value : d;
    };
    lo = val(1, "min", -Infinity);
    hi = val(2, "max", Infinity);
  }
  const s = getNumber(g.constants.get(ys)!.data, 0), z = getNumber(g.constants.get(yz)!.data, 0);
  const [qmin, qmax] = RANGE[type]!;
  const q = (x: number) => (Number.isFinite(x) ? Math.max(qmin, Math.min(qmax, roundEven(x / s) + z)) : x > 0 ? qmax : qmin);
  const [a, b] = [q(lo), q(hi)];
  return a === qmin && b === qmax ? undefined : [a, b];
}

function fuse(g: Graph, m: Match): Node[] | undefined {
  const q = m.root;
  const dqs = ["a", "b"].map((x) => m.named.get(x)!);
  const mid = m.named.get("op")!;
  const act = m.named.get("act");
  const [aq, bq] = dqs.map((d) => d.inputs[0]!) as [string, string];
  const outType = q.inputs[2] ? g.typeOf(q.inputs[2]).dtype : "u8";
  if (![aq, bq].every((x) => INT8.includes(g.typeOf(x).dtype)) || !INT8.includes(outType)) return undefined;
  if (!g.constants.has(q.inputs[1]!) || !dqs.every((d) => g.constants.has(d.inputs[1]!))) return undefined;
  if (q.attrs.saturate || (q.attrs.output_dtype?.type === "int" && q.attrs.output_dtype.value !== 0)) return undefined;
  const kb = new ConstBuilder(g, q.name);
  const isGemm = mid.op === "Gemm";
  const transB = isGemm && mid.attrs.transB?.type === "int" && mid.attrs.transB.value === 1;
  const bAxis = mid.op === "Conv" ? 0 : mid.op === "MatMul" ? (g.typeOf(bq).shape.length === 2 ? 1 : undefined) : transB ? 0 : 1;
  const pa = qparams(g, kb, dqs[0]!, g.typeOf(aq).dtype);
  const pb = qparams(g, kb, dqs[1]!, g.typeOf(bq).dtype, bAxis);
  const py = qparams(g, kb, q, outType);
  if (!pa || !pb || !py) return undefined;
  const y = q.outputs[0]!;
  const clamp = clampBounds(g, act, py[0], py[1], outType);
  // The kernel writes `y` directly, or a temporary that an integer Clip reads.
  const kout = clamp ? `${q.name}/unclamped` : y;
  const tail: Node[] = [];
  if (clamp) {
    const bound = (x: number) => kb.tensor({ dtype: outType as "i8", shape: [], data: outType === "i8" ? Int8Array.of(x) : Uint8Array.of(x) });
    tail.push({ name: `${q.name}/clamp`, op: "Clip", domain: "", inputs: [kout, bound(clamp[0]), bound(clamp[1])], outputs: [y], attrs: {} });
    g.types.set(kout, g.typeOf(y));
  }
  if (mid.op === "MatMul") {
    if (act && numel(g.typeOf(py[0]).shape) !== 1) return undefined;
    return [{ name: `${q.name}/qlinear`, op: "QLinearMatMul", domain: "", inputs: [aq, ...pa, bq, ...pb, ...py], outputs: [kout], attrs: {} }, ...tail];
  }
  const wShape = g.typeOf(bq).shape;
  const channels = mid.op === "Conv" ? wShape[0]! : wShape[transB ? 0 : 1]!;
  let bias: string | undefined;
  if (mid.inputs[2]) {
    bias = int32Bias(g, kb, mid.inputs[2], pa[0], pb[0], channels);
    if (!bias) return undefined;
  }
  if (!isGemm) {
    const inputs = [aq, ...pa, bq, ...pb, ...py, ...(bias ? [bias] : [])];
    return [{ name: `${q.name}/qlinear`, op: "QLinearConv", domain: "", inputs, outputs: [kout], attrs: { ...mid.attrs } }, ...tail];
  }
  // Gemm as a 1x1 QLinearConv over [M, K, 1, 1]: the same integer kernel, bias and requantize.
  const aShape = g.typeOf(aq).shape;
  if (aShape.length !== 2 || !g.constants.has(bq)) return undefined;
  const [rows, k] = aShape as [number, number];
  const w = transB ? bq : kb.op("Transpose", [bq], { perm: { type: "ints", value: [1, 0] } });
  const w4 = kb.op("Reshape", [w, kb.ints([channels, k, 1, 1])]);
  const a4 = `${q.name}/a4`, y4 = `${q.name}/y4`;
  g.types.set(a4, { dtype: g.typeOf(aq).dtype, shape: [rows, k, 1, 1] });
  g.types.set(y4, { dtype: g.typeOf(y).dtype, shape: [rows, channels, 1, 1] });
  return [
    { name: `${q.name}/a4`, op: "Reshape", domain: "", inputs: [aq, kb.ints([rows, k, 1, 1])], outputs: [a4], attrs: {} },
    { name: `${q.name}/qlinear`, op: "QLinearConv", domain: "", inputs: [a4, ...pa, w4, ...pb, ...py, ...(bias ? [bias] : [])], outputs: [y4], attrs: { kernel_shape: { type: "ints", value: [1, 1] } } },
    { name: `${q.name}/y2`, op: "Reshape", domain: "", inputs: [y4, kb.ints([rows, channels])], outputs: [kout], attrs: {} },
    ...tail,
  ];
}

const dq = (as: string) => op("DequantizeLinear", undefined, { as });
const plainGemm = (n: Node) => !(n.attrs.transA?.type === "int" && n.attrs.transA.value) &&
  [n.attrs.alpha, n.attrs.beta].every((a) => !a || (a.type === "float" && a.value === 1));
const CORES: Pat[] = [
  op("MatMul", [dq("a"), dq("b")], { as: "op" }),
  op("Conv", [dq("a"), dq("b"), v("bias")], { as: "op" }),
  op("Conv", [dq("a"), dq("b")], { as: "op" }),
  op("Gemm", [dq("a"), dq("b"), v("bias")], { as: "op", attrs: plainGemm }),
  op("Gemm", [dq("a"), dq("b")], { as: "op", attrs: plainGemm }),
];

/** Gives each Conv/MatMul/Gemm reader of a shared DequantizeLinear its own copy (placed after it), so each can fuse. */
function splitSharedDq(g: Graph): void {
  const consumers = g.consumers();
  const outputs = new Set(g.outputs);
  const order: Node[] = [];
  for (const d of g.nodes) {
    order.push(d);
    if (d.op !== "DequantizeLinear") continue;
    const x = d.outputs[0]!;
    const readers = consumers.get(x) ?? [];
    const kernels = readers.filter((r) => CORE_OPS.includes(r.op));
    if (readers.length < 2) continue;
    // The first kernel keeps the original when nothing else (graph output, float op) reads it.
    const keep = kernels.length === readers.length && !outputs.has(x) ? 1 : 0;
    kernels.slice(keep).forEach((r) => {
      const copy = `${x}/for/${r.name}`;
      g.types.set(copy, g.typeOf(x));
      order.push({ ...d, name: `${d.name}/for/${r.name}`, outputs: [copy], attrs: { ...d.attrs } });
      r.inputs = r.inputs.map((v) => (v === x ? copy : v));
    });
  }
  g.nodes = order;
}

const CORE_OPS = ["MatMul", "Conv", "Gemm"];

export function fuseQdq(g: Graph, ctx: PassContext): void {
  splitSharedDq(g);
  let n = 0;
  for (const core of CORES)
    for (const body of [core, op("Relu", [core], { as: "act" }), op("Clip", [core], { as: "act" })])
      for (const withZ of [true, false])
        n += rewriteAll(g, op("QuantizeLinear", withZ ? [body, v("ys"), v("yz")] : [body, v("ys")]), (m) => fuse(g, m));
  bump(ctx, "qdq", n);
}

export default { name: "qdq", minOptLevel: 2, run: fuseQdq } satisfies GraphPass;
