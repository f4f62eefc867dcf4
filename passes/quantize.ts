/**
 * @fileoverview quantize: rewrites a float graph into the standard QDQ form, given calibrated
 * activation ranges (the TFLite Micro / CMSIS-NN scheme):
 *   Conv/MatMul/Gemm(x, W, B)   -> op(DQ(Q(x)), DQ(W int8, per channel), DQ(B int32, sx*sw))
 *   op -> Relu|Clip             -> the Q/DQ pair sits after the activation (its clamp folds into requantize)
 * Weights are symmetric int8 in [-127, 127]; activations asymmetric int8 (or u8); bias int32 with
 * zero point 0. Other ops stay float between a DequantizeLinear and the next QuantizeLinear.
 */
import { Graph, Node, Tensor, numel } from "../ir/graph.ts";
import { getNumber } from "../ir/dtype.ts";
import { topoSort } from "../ops/infer.ts";
import { Range } from "./calibrate.ts";

export interface QuantizeOptions {
  activations: "s8" | "u8";
  /** One scale per weight tensor instead of one per output channel. */
  perTensor: boolean;
}

/** A node to quantize: its activation input, weight and optional bias, and the weight's channel axis. */
export interface QuantTarget {
  node: Node;
  x: string;
  w: string;
  bias?: string;
  axis: number;
  /** The tensor whose Q/DQ pair follows the op: its output, or the fused Relu/Clip's. */
  out: string;
}

const int = (n: Node, a: string, d: number) => (n.attrs[a]?.type === "int" ? (n.attrs[a] as { value: number }).value : d);
const float = (n: Node, a: string, d: number) => (n.attrs[a]?.type === "float" ? (n.attrs[a] as { value: number }).value : d);
const isF32Const = (g: Graph, v: string | undefined) => !!v && g.constants.get(v)?.dtype === "f32";

/** The Conv/MatMul/Gemm nodes this scheme quantizes, with the tensors that need ranges. */
export function quantTargets(g: Graph): QuantTarget[] {
  const consumers = g.consumers();
  const outputs = new Set(g.outputs);
  const out: QuantTarget[] = [];
  for (const n of g.nodes) {
    const [x, w, b] = n.inputs;
    if (!x || g.typeOf(x).dtype !== "f32" || g.constants.has(x) || !isF32Const(g, w)) continue;
    const ws = g.typeOf(w!).shape;
    let axis: number;
    if (n.op === "Conv") axis = 0;
    else if (n.op === "MatMul" && ws.length === 2) axis = 1;
    else if (n.op === "Gemm" && int(n, "transA", 0) === 0 && float(n, "alpha", 1) === 1 && float(n, "beta", 1) === 1) axis = int(n, "transB", 0) ? 0 : 1;
    else continue;
    const channels = ws[axis]!;
    // Bias is quantized when it is one value per output channel; other shapes stay float (and block the integer kernel).
    const bias = n.op !== "MatMul" && b && isF32Const(g, b) && g.typeOf(b).shape.length === 1 && g.typeOf(b).shape[0] === channels ? b : undefined;
    if (n.op !== "MatMul" && b && !bias) continue;
    const y = n.outputs[0]!;
    const next = consumers.get(y) ?? [];
    const act = next.length === 1 && !outputs.has(y) && isClamp(g, next[0]!) ? next[0]!.outputs[0]! : y;
    out.push({ node: n, x, w: w!, bias, axis, out: act });
  }
  return out;
}

/** Relu, or Clip with constant (or absent) bounds: a clamp the requantize step can apply. */
function isClamp(g: Graph, n: Node): boolean {
  if (n.op === "Relu") return true;
  if (n.op !== "Clip") return false;
  return n.inputs.slice(1).every((v) => !v || (g.constants.has(v) && numel(g.typeOf(v).shape) === 1));
}

/** The tensors whose ranges calibration must measure, in graph order. */
export function tensorsToCalibrate(targets: QuantTarget[]): string[] {
  return [...new Set(targets.flatMap((t) => [t.x, t.out]))];
}

/** Scale and zero point of an asymmetric range over [qmin, qmax]. */
export function activationParams(r: Range, type: "s8" | "u8"): { scale: number; zp: number } {
  const [qmin, qmax] = type === "s8" ? [-128, 127] : [0, 255];
  const lo = Math.min(r.min, 0), hi = Math.max(r.max, 0);
  const scale = Math.fround(hi > lo ? (hi - lo) / (qmax - qmin) : 1);
  const zp = Math.min(qmax, Math.max(qmin, Math.round(qmin - lo / scale)));
  return { scale, zp };
}

/** Symmetric int8 [-127, 127] quantization of `w` along `axis` (or per tensor): values and scales. */
export function quantizeWeights(w: Tensor, axis: number, perTensor: boolean): { q: Int8Array; scales: Float32Array } {
  const data = w.data as Float32Array;
  const channels = perTensor ? 1 : w.shape[axis]!;
  const inner = perTensor ? 1 : numel(w.shape.slice(axis + 1));
  const chOf = (i: number) => (perTensor ? 0 : Math.floor(i / inner) % channels);
  const amax = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) amax[chOf(i)] = Math.max(amax[chOf(i)]!, Math.abs(data[i]!));
  const scales = Float32Array.from(amax, (a) => (a > 0 ? a / 127 : 1));
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) q[i] = Math.max(-127, Math.min(127, roundEven(data[i]! / scales[chOf(i)]!)));
  return { q, scales };
}

/** Adds constant `t` as `name` (with its type) and returns the name. */
function addConstant(g: Graph, name: string, t: Tensor): string {
  g.constants.set(name, t);
  g.types.set(name, { dtype: t.dtype, shape: t.shape });
  return name;
}

/** Per output channel, (W - dequantized W) applied to the input's channel means `xMean`. */
function meanError(n: Node, w: Tensor, q: Int8Array, scales: Float32Array, xMean: Float64Array, outs: number): Float64Array {
  const wf = w.data as Float32Array, scale = (o: number) => scales[scales.length === 1 ? 0 : o]!;
  const delta = new Float64Array(outs);
  if (n.op === "Conv") {
    // [M, C/group, k...]: filter m reads input channels (m / (M/group)) * C/group + c.
    const cpg = w.shape[1]!, taps = numel(w.shape.slice(2)), perGroup = outs / (xMean.length / cpg);
    for (let m = 0; m < outs; m++)
      for (let c = 0; c < cpg; c++)
        for (let k = 0; k < taps; k++) {
          const i = (m * cpg + c) * taps + k;
          delta[m] += (wf[i]! - q[i]! * scale(m)) * xMean[Math.floor(m / perGroup) * cpg + c]!;
        }
  } else {
    // Gemm [K, N] or, transposed, [N, K].
    const transB = int(n, "transB", 0) === 1, K = xMean.length;
    for (let o = 0; o < outs; o++)
      for (let k = 0; k < K; k++) {
        const i = transB ? o * K + k : k * outs + o;
        delta[o] += (wf[i]! - q[i]! * scale(o)) * xMean[k]!;
      }
  }
  return delta;
}

/** Round half to even, as ONNX QuantizeLinear does. */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Rewrites `g` in place into QDQ form; `ranges` holds every tensor tensorsToCalibrate named.
 * With `means` (each target input's mean per channel on the calibration data), bias correction:
 * the error weight quantization adds to each output channel's mean, (W - dequantized W) applied
 * to those means, is added to the bias before it is quantized.
 */
export function insertQdq(g: Graph, targets: QuantTarget[], ranges: Map<string, Range>, opts: QuantizeOptions, means?: Map<string, Float64Array>): void {
  const zpType = opts.activations === "s8" ? "i8" : "u8";
  const added: Node[] = [];
  const constant = (name: string, t: Tensor) => addConstant(g, name, t);
  const params = new Map<string, { scale: number; zp: number }>();
  for (const t of tensorsToCalibrate(targets)) params.set(t, activationParams(ranges.get(t)!, opts.activations));

  for (const t of targets) {
    const n = t.node;
    const w = g.constants.get(t.w)!;
    const { q, scales } = quantizeWeights(w, t.axis, opts.perTensor);
    const wq = constant(`${n.name}/w_q`, { dtype: "i8", shape: w.shape, data: q });
    const shapeS = opts.perTensor ? [] : [scales.length];
    const ws = constant(`${n.name}/w_scale`, { dtype: "f32", shape: shapeS, data: scales });
    const wz = constant(`${n.name}/w_zp`, { dtype: "i8", shape: shapeS, data: new Int8Array(scales.length) });
    const wdq = `${n.name}/w_dq`;
    added.push({ name: wdq, op: "DequantizeLinear", domain: "", inputs: [wq, ws, wz], outputs: [wdq], attrs: opts.perTensor ? {} : { axis: { type: "int", value: t.axis } } });
    g.types.set(wdq, { dtype: "f32", shape: w.shape });
    n.inputs[1] = wdq;
    if (t.bias) {
      const b = g.constants.get(t.bias)!;
      const sx = params.get(t.x)!.scale;
      const channels = b.shape[0]!;
      const bs = Float32Array.from({ length: channels }, (_, c) => Math.fround(sx * scales[opts.perTensor ? 0 : c]!));
      const shift = means ? meanError(n, w, q, scales, means.get(t.x)!, channels) : undefined;
      const bq = Int32Array.from({ length: channels }, (_, c) =>
        Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, roundEven((getNumber(b.data, c) + (shift?.[c] ?? 0)) / bs[c]!))));
      const bqn = constant(`${n.name}/b_q`, { dtype: "i32", shape: [channels], data: bq });
      const bsn = constant(`${n.name}/b_scale`, { dtype: "f32", shape: [channels], data: bs });
      const bzn = constant(`${n.name}/b_zp`, { dtype: "i32", shape: [channels], data: new Int32Array(channels) });
      const bdq = `${n.name}/b_dq`;
      added.push({ name: bdq, op: "DequantizeLinear", domain: "", inputs: [bqn, bsn, bzn], outputs: [bdq], attrs: { axis: { type: "int", value: 0 } } });
      g.types.set(bdq, { dtype: "f32", shape: [channels] });
      n.inputs[2] = bdq;
    }
  }

  // One Q/DQ pair per calibrated tensor; every reader of it reads the DequantizeLinear.
  const producers = g.producers();
  for (const [t, p] of params) {
    const type = g.typeOf(t);
    const s = constant(`${t}/scale`, { dtype: "f32", shape: [], data: Float32Array.of(p.scale) });
    const z = constant(`${t}/zp`, { dtype: zpType, shape: [], data: zpType === "i8" ? Int8Array.of(p.zp) : Uint8Array.of(p.zp) });
    const qv = `${t}/q`;
    let src = t, dst = t;
    const prod = producers.get(t);
    if (prod) {
      // The producer writes a new name; the DequantizeLinear takes over `t`, graph outputs included.
      src = `${t}/float`;
      prod.outputs = prod.outputs.map((o) => (o === t ? src : o));
      g.types.set(src, type);
    } else {
      // A graph input keeps its name: its readers move to the DequantizeLinear's output.
      dst = `${t}/dq`;
      for (const c of g.nodes) c.inputs = c.inputs.map((i) => (i === t ? dst : i));
      g.types.set(dst, type);
    }
    added.push({ name: `${t}/QuantizeLinear`, op: "QuantizeLinear", domain: "", inputs: [src, s, z], outputs: [qv], attrs: {} });
    added.push({ name: `${t}/DequantizeLinear`, op: "DequantizeLinear", domain: "", inputs: [qv, s, z], outputs: [dst], attrs: {} });
    g.types.set(qv, { dtype: zpType, shape: type.shape });
  }
  g.nodes.push(...added);
  topoSort(g);
}

/** A weight quantized alone (weight-only): the node's input `input` is the constant `w`. */
export interface WeightTarget {
  node: Node;
  input: number;
  w: string;
  /** The axis along which the weight is blocked (int4) or the one scale per index runs along (int8). */
  axis: number;
}

/** Fewest values a 4-bit block spans: smaller blocks cost more in scales than they save. */
const MIN_BLOCK_SPAN = 16;

/**
 * The weights weight-only quantization takes: for int4, MatMul/Gemm weights blocked along K,
 * Conv weights along input channels, embedding tables (Gather) along their rows; for int8, the
 * embedding tables only, one scale per column (the rest is quantized with its activations).
 */
export function weightTargets(g: Graph, bits: 4 | 8): WeightTarget[] {
  const out: WeightTarget[] = [];
  for (const n of g.nodes) {
    const add = (input: number, axis: number, minRank = 2, maxRank = 2) => {
      const w = n.inputs[input];
      if (!isF32Const(g, w)) return;
      const shape = g.typeOf(w!).shape;
      if (shape.length < minRank || shape.length > maxRank || numel(shape) < 256) return;
      if (bits === 4 && shape[axis]! < MIN_BLOCK_SPAN) return;
      out.push({ node: n, input, w: w!, axis });
    };
    // A table's int8 scales run along its columns: one per row would cost 4 bytes a row.
    if (n.op === "Gather" && int(n, "axis", 0) === 0) add(0, 1);
    if (bits === 8) continue;
    if (n.op === "MatMul") add(1, 0);
    else if (n.op === "Gemm") add(1, int(n, "transB", 0) ? 1 : 0);
    else if (n.op === "Conv") add(1, 1, 3, 5);
  }
  return out;
}

/**
 * Symmetric int4 quantization of `w` in blocks of `block` along `axis`: values in [-8, 7] at
 * scale max|w| / 7 per block, and the scales (shaped as w, with axis divided into blocks).
 */
export function quantizeBlocked(w: Tensor, axis: number, block: number): { q: Int8Array; scales: Float32Array; shape: number[] } {
  const data = w.data as Float32Array;
  const dim = w.shape[axis]!, inner = numel(w.shape.slice(axis + 1)), nb = Math.ceil(dim / block);
  const shape = w.shape.map((d, i) => (i === axis ? nb : d));
  const sIndex = (i: number) => {
    const outer = Math.floor(i / (dim * inner)), a = Math.floor(i / inner) % dim, r = i % inner;
    return (outer * nb + Math.floor(a / block)) * inner + r;
  };
  const amax = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) amax[sIndex(i)] = Math.max(amax[sIndex(i)]!, Math.abs(data[i]!));
  const scales = Float32Array.from(amax, (a) => (a > 0 ? a / 7 : 1));
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) q[i] = Math.max(-8, Math.min(7, roundEven(data[i]! / scales[sIndex(i)]!)));
  return { q, scales, shape };
}

/** Rewrites each target's weight as DequantizeLinear of its quantized form (one per weight). */
export function insertWeightDq(g: Graph, targets: WeightTarget[], bits: 4 | 8, block: number): void {
  const made = new Map<string, string>();
  const added: Node[] = [];
  const constant = (name: string, t: Tensor) => addConstant(g, name, t);
  for (const t of targets) {
    let dq = made.get(t.w);
    if (!dq) {
      const w = g.constants.get(t.w)!;
      dq = `${t.w}/dq`;
      if (bits === 4) {
        const { q, scales, shape } = quantizeBlocked(w, t.axis, block);
        const wq = constant(`${t.w}/q4`, { dtype: "i4", shape: w.shape, data: q });
        const ws = constant(`${t.w}/scale`, { dtype: "f32", shape, data: scales });
        added.push({ name: dq, op: "DequantizeLinear", domain: "", inputs: [wq, ws], outputs: [dq], attrs: { axis: { type: "int", value: t.axis }, block_size: { type: "int", value: block } } });
      } else {
        const { q, scales } = quantizeWeights(w, t.axis, false);
        const wq = constant(`${t.w}/q8`, { dtype: "i8", shape: w.shape, data: q });
        const ws = constant(`${t.w}/scale`, { dtype: "f32", shape: [scales.length], data: scales });
        added.push({ name: dq, op: "DequantizeLinear", domain: "", inputs: [wq, ws], outputs: [dq], attrs: { axis: { type: "int", value: t.axis } } });
      }
      g.types.set(dq, { dtype: "f32", shape: w.shape });
      made.set(t.w, dq);
    }
    t.node.inputs[t.input] = dq;
  }
  g.nodes.push(...added);
  topoSort(g);
}
