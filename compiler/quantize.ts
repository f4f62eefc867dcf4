/**
 * @fileoverview `edgec quantize`: INT8 post-training quantization. Loads a float model, folds
 * BatchNormalization into its Conv/Gemm, runs it on calibration data through edgec's own
 * lowering (built as wasm in process) to measure activation ranges, and writes a QDQ ONNX model.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TypedArray } from "../ir/dtype.ts";
import { Graph, Tensor, cloneGraph, numel, shapeStr } from "../ir/graph.ts";
import { fail, q } from "../ir/diagnostics.ts";
import { inferTypes, topoSort } from "../ops/infer.ts";
import { foldNode } from "../passes/fold-constants.ts";
import { runPipeline } from "../passes/registry.ts";
import { CalibrationMethod, Range, TensorStats } from "../passes/calibrate.ts";
import { QuantizeOptions, insertQdq, insertWeightDq, quantTargets, tensorsToCalibrate, weightTargets } from "../passes/quantize.ts";
import { upgradeOpset } from "./onnx/upgrade.ts";
import { wasmSession } from "./wasm-session.ts";
import { exportModel } from "./onnx/export.ts";
import { loadModel } from "./onnx/import.ts";
import { readTensorFile } from "./onnx/tensor.ts";
import { listDataSets } from "./testrun.ts";

export const SCHEMES = ["int8", "int4-weights"] as const;
export type Scheme = (typeof SCHEMES)[number];

export interface QuantizeRequest extends QuantizeOptions {
  /** int8: weights and activations (calibrated); int4-weights: weights only, blocked. */
  scheme: Scheme;
  /** int4 block size along the reduced axis. */
  block: number;
  /** int8: correct each bias for the mean shift weight quantization causes (passes/quantize.ts). */
  biasCorrection?: boolean;
  method: CalibrationMethod;
  percentile: number;
}

/** The defaults of 'edgec quantize': int8, minmax, s8 activations, per-channel weights. */
export const DEFAULT_REQUEST: QuantizeRequest = { scheme: "int8", block: 128, method: "minmax", percentile: 99.99, activations: "s8", perTensor: false };

export interface QuantizeResult {
  model: Uint8Array;
  /** Quantized nodes by op, and the calibrated range of each tensor that got a Q/DQ pair. */
  quantized: Record<string, number>;
  ranges: Map<string, Range>;
  samples: number;
}

const QUANT_OPS = new Set(["QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"]);

/** The float graph quantization starts from: types inferred, constants and BatchNormalization folded. */
export function prepareGraph(file: string): Graph {
  const g = loadModel(file);
  const already = g.nodes.find((n) => QUANT_OPS.has(n.op));
  if (already) fail(`node ${q(already.name)} (${already.op}): the model is already quantized; quantize its float original`);
  if (g.opset < 13) fail(`the model imports opset ${g.opset}; QDQ with per-channel scales needs opset 13 or newer: convert it with onnx.version_converter`);
  topoSort(g);
  const outputs = new Set(g.outputs);
  inferTypes(g, (n) => foldNode(g, n, outputs));
  runPipeline(g, { optLevel: 1, passes: ["fold-constants", "conv-bn", "fold-constants", "dead-code"] });
  return g;
}

/** Calibration feeds, one array per graph input per sample, checked against the graph's inputs. */
export function readCalibration(data: string, g: Graph): TypedArray[][] {
  if (!fs.existsSync(data)) fail(`--calibration ${data}: no such file or folder`);
  const types = g.inputs.map((i) => g.typeOf(i));
  const check = (t: Tensor & { name: string }, k: number, what: string, shape: number[]) => {
    const name = g.inputs[k]!;
    if (t.name && t.name !== name) fail(`${what} holds tensor ${q(t.name)} but model input ${k} is ${q(name)}`);
    if (t.dtype !== types[k]!.dtype) fail(`${what} is ${t.dtype} but input ${q(name)} is ${types[k]!.dtype}`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      fail(`${what} has shape ${shapeStr(t.shape)} but input ${q(name)} needs ${shapeStr(shape)}`);
  };
  if (fs.statSync(data).isDirectory()) {
    const sets = listDataSets(data);
    if (!sets.length) fail(`--calibration ${data}: the folder has no test_data_set_* folders`);
    return sets.map((s) => g.inputs.map((_, k) => {
      const f = path.join(data, s, `input_${k}.pb`);
      if (!fs.existsSync(f)) fail(`--calibration: ${path.join(s, `input_${k}.pb`)} is missing (model input ${q(g.inputs[k]!)})`);
      const t = readTensorFile(f);
      check(t, k, `${s}/input_${k}.pb`, types[k]!.shape);
      return t.data;
    }));
  }
  if (g.inputs.length !== 1) fail(`--calibration ${data}: one batch tensor feeds a model with one input, this one has ${g.inputs.length}; use a folder of test_data_set_*`);
  const t = readTensorFile(data);
  const shape = types[0]!.shape;
  // A batch of samples along dim 0, each shaped like the input with its batch dim of 1.
  const batch = t.shape[0] ?? 0;
  if (shape[0] !== 1) fail(`--calibration ${data}: a batch file needs an input with batch dim 1, input ${q(g.inputs[0]!)} is ${shapeStr(shape)}`);
  check({ ...t, shape: [1, ...t.shape.slice(1)] }, 0, `${data} (a sample of its batch of ${batch})`, shape);
  if (batch === 0) fail(`--calibration ${data}: the batch holds no samples`);
  const per = numel(shape);
  return Array.from({ length: batch }, (_, i) => [t.data.subarray(i * per, (i + 1) * per) as TypedArray]);
}

/** Runs the float graph (built as wasm) on every sample and returns each named tensor's statistics. */
export async function calibrate(g: Graph, names: string[], feeds: TypedArray[][], histograms: boolean): Promise<Map<string, TensorStats>> {
  const stats = new Map(names.map((n) => [n, new TensorStats(g.typeOf(n).shape)]));
  const probe = cloneGraph(g);
  // Every measured tensor becomes an output, so fusion cannot hide it.
  probe.outputs = names.filter((n) => !g.inputs.includes(n));
  const session = await wasmSession(probe, 1);
  const pass = (observe: (s: TensorStats, d: Float32Array) => void) => {
    for (const feed of feeds) {
      const outs = session.run(Object.fromEntries(g.inputs.map((n, k) => [n, feed[k]!])));
      for (const n of names) observe(stats.get(n)!, (g.inputs.includes(n) ? feed[g.inputs.indexOf(n)] : outs[n]) as Float32Array);
    }
  };
  pass((s, d) => s.observeRange(d));
  if (histograms) pass((s, d) => s.observeHistogram(d));
  return stats;
}

const countOps = (nodes: { op: string }[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const n of nodes) out[n.op] = (out[n.op] ?? 0) + 1;
  return out;
};

/** int4 weight-only quantization: no calibration; the model is raised to opset 21 for int4 DequantizeLinear. */
function quantizeInt4(file: string, req: QuantizeRequest): QuantizeResult {
  const g = prepareGraph(file);
  const targets = weightTargets(g, 4);
  if (!targets.length) fail("the model has no MatMul, Gemm, Conv or Gather with constant float weights to quantize to int4");
  upgradeOpset(g, 21);
  insertWeightDq(g, targets, 4, req.block);
  return { model: exportModel(g, { opset: g.opset }), quantized: countOps(targets.map((t) => t.node)), ranges: new Map(), samples: 0 };
}

export async function quantizeModel(file: string, data: string | undefined, req: QuantizeRequest): Promise<QuantizeResult> {
  if (req.scheme === "int4-weights") return quantizeInt4(file, req);
  if (data === undefined) fail("int8 quantization needs --calibration DATA (a folder of test_data_set_* or a batch TensorProto)");
  const g = prepareGraph(file);
  const targets = quantTargets(g);
  if (!targets.length) fail("the model has no Conv, MatMul or Gemm with constant float weights to quantize");
  const feeds = readCalibration(data, g);
  const names = tensorsToCalibrate(targets);
  const stats = await calibrate(g, names, feeds, req.method !== "minmax");
  const ranges = new Map(names.map((n) => [n, stats.get(n)!.range(req.method, req.percentile)]));
  // Bias correction reads each input's channel means, gathered by the calibration pass above.
  const means = req.biasCorrection ? new Map(targets.map((t) => [t.x, stats.get(t.x)!.channelMeans()])) : undefined;
  insertQdq(g, targets, ranges, req, means);
  // Embedding tables are weights no activation meets: int8 per column, dequantized as they are gathered.
  const tables = weightTargets(g, 8);
  insertWeightDq(g, tables, 8, 0);
  const quantized = countOps([...targets.map((t) => t.node), ...tables.map((t) => t.node)]);
  return { model: exportModel(g, { opset: g.opset }), quantized, ranges, samples: feeds.length };
}
