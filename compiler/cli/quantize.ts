/**
 * @fileoverview `edgec quantize`: float ONNX model + calibration data -> QDQ ONNX model.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EdgecError } from "../../ir/diagnostics.ts";
import { CALIBRATION_METHODS, CalibrationMethod } from "../../passes/calibrate.ts";
import { QuantizeRequest, SCHEMES, quantizeModel } from "../quantize.ts";
import { parse } from "./main.ts";

/** The calibration options 'edgec quantize' and 'edgec compile --quantize int8' share. */
export const QUANT_HELP = `  --block N                int4-weights: values per scale along the reduced axis (default 128)
  --method M               minmax (default), percentile or entropy (KL divergence, TensorRT's
                           threshold search over a 2048-bin histogram of |x|)
  --percentile P           the percentile of |x| kept by --method percentile (default 99.99)
  --activations s8|u8      activation type (default s8)
  --per-tensor             one weight scale per tensor instead of one per output channel
  --bias-correction        int8: shift each bias by the change quantization makes to its output's
                           mean per channel (measured on the calibration data)`;

const HELP = `usage: edgec quantize MODEL.onnx --calibration DATA -o OUT.onnx [options]
       edgec quantize MODEL.onnx --scheme int4-weights [--block N] -o OUT.onnx

INT8 post-training quantization. Folds BatchNormalization into Conv/Gemm, runs the float model
on the calibration data to measure the range of every tensor a quantized op reads or writes, and
writes a standard QDQ ONNX model (QuantizeLinear/DequantizeLinear pairs) that ONNX Runtime and
'edgec compile' both run. Conv, MatMul (2-D constant weight) and Gemm are quantized: weights
symmetric int8 in [-127, 127] per output channel, activations asymmetric int8, bias int32 with
scale = input scale x weight scale; a Relu or Clip after one of them is fused (the Q/DQ pair
follows it). Other ops stay float between a DequantizeLinear and the next QuantizeLinear.

DATA is a folder of test_data_set_*/input_N.pb sets, or one TensorProto holding a batch of
samples along dim 0 for a model with one input of batch 1. Embedding tables (Gather of a
constant) get int8 weights with one scale per column.

--scheme int4-weights quantizes weights only, needs no calibration, and writes the model at
opset 21: MatMul, Gemm and Conv weights (and embedding tables) become symmetric int4 in blocks
of N values along the reduced axis (input channels, K, a table's rows), one float scale a
block, read through DequantizeLinear with block_size. Activations stay float. A weight whose
blocked axis is shorter than 16 (a depthwise or first convolution) stays float.

options:
  --scheme S               int8 (default) or int4-weights
  --calibration DATA       calibration inputs (required for int8)
  -o, --out OUT.onnx       the QDQ model to write (required); written only when complete
${QUANT_HELP}`;

export const QUANT_OPTIONS = {
  calibration: { type: "string" },
  method: { type: "string", default: "minmax" },
  percentile: { type: "string", default: "99.99" },
  activations: { type: "string", default: "s8" },
  "per-tensor": { type: "boolean" },
  block: { type: "string", default: "128" },
  "bias-correction": { type: "boolean" },
} as const;

/** The quantization request those options give (calibration checked by the caller). */
export function quantizeRequest(scheme: string, values: { method?: string; percentile?: string; activations?: string; "per-tensor"?: boolean; block?: string; "bias-correction"?: boolean }): QuantizeRequest {
  const sch = SCHEMES.find((x) => x === scheme);
  if (!sch) throw new EdgecError(`unknown quantization scheme '${scheme}'; available: ${SCHEMES.join(", ")}`);
  const block = Number(values.block);
  if (!Number.isInteger(block) || block < 2 || block % 2) throw new EdgecError(`--block ${values.block}: expected an even number of values, e.g. 32, 64 or 128`);
  const method = CALIBRATION_METHODS.find((m) => m === values.method) as CalibrationMethod | undefined;
  if (!method) throw new EdgecError(`unknown --method '${values.method}'; available: ${CALIBRATION_METHODS.join(", ")}`);
  const percentile = Number(values.percentile);
  if (!(percentile > 0 && percentile <= 100)) throw new EdgecError(`--percentile ${values.percentile}: expected a number in (0, 100]`);
  if (values.activations !== "s8" && values.activations !== "u8") throw new EdgecError(`--activations ${values.activations}: expected s8 or u8`);
  return { scheme: sch, block, method, percentile, activations: values.activations, perTensor: !!values["per-tensor"], biasCorrection: !!values["bias-correction"] };
}

export async function quantizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...QUANT_OPTIONS,
    scheme: { type: "string", default: "int8" },
    out: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("quantize takes one MODEL.onnx; run 'edgec quantize --help'");
  const req = quantizeRequest(values.scheme!, values);
  if (!values.calibration && req.scheme === "int8") throw new EdgecError("quantize needs --calibration DATA (a folder of test_data_set_* or a batch TensorProto)");
  if (values.calibration && req.scheme !== "int8") throw new EdgecError(`--calibration applies to int8; ${req.scheme} quantizes weights only`);
  if (!values.out) throw new EdgecError("quantize needs -o OUT.onnx");
  const res = await quantizeModel(positionals[0]!, values.calibration, req);
  // Written beside the target and renamed, so a failure never leaves a half model.
  const out = path.resolve(values.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, res.model);
  fs.renameSync(tmp, out);
  const ops = Object.entries(res.quantized).map(([op, n]) => `${n} ${op}`).join(", ");
  const how = req.scheme === "int8" ? `${req.method}, ${res.samples} calibration samples, ${res.ranges.size} activation ranges` : `int4 weights, blocks of ${req.block}`;
  console.log(`quantized ${ops} (${how}) -> ${values.out}`);
  return 0;
}
