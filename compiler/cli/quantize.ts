/**
 * @fileoverview `edgec quantize`: float ONNX model + calibration data -> QDQ ONNX model.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EdgecError } from "../../ir/diagnostics.ts";
import { CALIBRATION_METHODS, CalibrationMethod } from "../../passes/calibrate.ts";
import { QuantizeRequest, quantizeModel } from "../quantize.ts";
import { parse } from "./main.ts";

/** The calibration options 'edgec quantize' and 'edgec compile --quantize int8' share. */
export const QUANT_HELP = `  --method M               minmax (default), percentile or entropy (KL divergence, TensorRT's
                           threshold search over a 2048-bin histogram of |x|)
  --percentile P           the percentile of |x| kept by --method percentile (default 99.99)
  --activations s8|u8      activation type (default s8)
  --per-tensor             one weight scale per tensor instead of one per output channel`;

const HELP = `usage: edgec quantize MODEL.onnx --calibration DATA -o OUT.onnx [options]

INT8 post-training quantization. Folds BatchNormalization into Conv/Gemm, runs the float model
on the calibration data to measure the range of every tensor a quantized op reads or writes, and
writes a standard QDQ ONNX model (QuantizeLinear/DequantizeLinear pairs) that ONNX Runtime and
'edgec compile' both run. Conv, MatMul (2-D constant weight) and Gemm are quantized: weights
symmetric int8 in [-127, 127] per output channel, activations asymmetric int8, bias int32 with
scale = input scale x weight scale; a Relu or Clip after one of them is fused (the Q/DQ pair
follows it). Other ops stay float between a DequantizeLinear and the next QuantizeLinear.

DATA is a folder of test_data_set_*/input_N.pb sets, or one TensorProto holding a batch of
samples along dim 0 for a model with one input of batch 1.

options:
  --calibration DATA       calibration inputs (required)
  -o, --out OUT.onnx       the QDQ model to write (required); written only when complete
${QUANT_HELP}`;

export const QUANT_OPTIONS = {
  calibration: { type: "string" },
  method: { type: "string", default: "minmax" },
  percentile: { type: "string", default: "99.99" },
  activations: { type: "string", default: "s8" },
  "per-tensor": { type: "boolean" },
} as const;

/** The quantization request those options give (calibration checked by the caller). */
export function quantizeRequest(values: { method?: string; percentile?: string; activations?: string; "per-tensor"?: boolean }): QuantizeRequest {
  const method = CALIBRATION_METHODS.find((m) => m === values.method) as CalibrationMethod | undefined;
  if (!method) throw new EdgecError(`unknown --method '${values.method}'; available: ${CALIBRATION_METHODS.join(", ")}`);
  const percentile = Number(values.percentile);
  if (!(percentile > 0 && percentile <= 100)) throw new EdgecError(`--percentile ${values.percentile}: expected a number in (0, 100]`);
  if (values.activations !== "s8" && values.activations !== "u8") throw new EdgecError(`--activations ${values.activations}: expected s8 or u8`);
  return { method, percentile, activations: values.activations, perTensor: !!values["per-tensor"] };
}

export async function quantizeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...QUANT_OPTIONS,
    out: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("quantize takes one MODEL.onnx; run 'edgec quantize --help'");
  if (!values.calibration) throw new EdgecError("quantize needs --calibration DATA (a folder of test_data_set_* or a batch TensorProto)");
  if (!values.out) throw new EdgecError("quantize needs -o OUT.onnx");
  const req = quantizeRequest(values);
  const res = await quantizeModel(positionals[0]!, values.calibration, req);
  // Written beside the target and renamed, so a failure never leaves a half model.
  const out = path.resolve(values.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, res.model);
  fs.renameSync(tmp, out);
  const ops = Object.entries(res.quantized).map(([op, n]) => `${n} ${op}`).join(", ");
  console.log(`quantized ${ops} (${req.method}, ${res.samples} calibration samples, ${res.ranges.size} activation ranges) -> ${values.out}`);
  return 0;
}
