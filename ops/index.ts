/**
 * @fileoverview Loads every op family so each registers its definitions.
 */
import "./unary.ts";
import "./binary.ts";
import "./compare-logic.ts";
import "./activation.ts";
import "./conv-pool.ts";
import "./linalg.ts";
import "./shape.ts";
import "./cast.ts";
import "./generate.ts";
import "./gather-scatter.ts";
import "./pad-rearrange.ts";
import "./resize.ts";
import "./reduce.ts";
import "./norm.ts";
import "./argmax-topk.ts";
import "./conv-transpose.ts";
import "./quant.ts";
import "./einsum.ts";
import "./causal-conv.ts";
import "./loss.ts";
import "./grid-sample.ts";

export { getOp, registeredOps } from "./registry.ts";
import "./fused.ts";
import "./winograd.ts";
import "./packed-conv.ts";
import "./qconv-dot.ts";
import "./weight-dq.ts";
import "./attention.ts";
import "./recurrent.ts";
import "./onnx-attention.ts";
import "./rotary-swiglu.ts";
import "./linear-attention.ts";
import "./ml.ts";
import "./spectral.ts";
import "./image.ts";
import "./text.ts";
import "./control-flow.ts";
