/**
 * @fileoverview The ordered registry of graph passes and the pipeline of each optimisation level.
 *   -O0  nothing beyond what compilation needs (shapes folded during inference)
 *   -O1  safe folds: constants, BatchNormalization into Conv/Gemm, dead code
 *   -O2  everything, including operator fusion (the default)
 */
import { Graph } from "../ir/graph.ts";
import { EdgecError } from "../ir/diagnostics.ts";
import attention from "./attention.ts";
import convBias from "./conv-bias.ts";
import convBn from "./conv-bn.ts";
import convScale from "./conv-scale.ts";
import deadCode from "./dead-code.ts";
import foldConstants from "./fold-constants.ts";
import fuseOps from "./fuse-ops.ts";
import gelu from "./gelu.ts";
import hardswish from "./hardswish.ts";
import layernorm from "./layernorm.ts";
import padFold from "./pad-fold.ts";
import qdq from "./qdq.ts";
import silu from "./silu.ts";
import softmax from "./softmax.ts";
import transposeCancel from "./transpose-cancel.ts";
import winograd from "./winograd.ts";
import convLayout from "./conv-layout.ts";
import weightPack from "./weight-pack.ts";
import { GraphPass, PassContext } from "./pass.ts";

/** Every graph pass, in pipeline order. */
export const GRAPH_PASSES: readonly GraphPass[] = [
  qdq, weightPack, foldConstants, transposeCancel, padFold, convBn, convBias, convScale, layernorm, gelu, softmax, silu, hardswish,
  attention, winograd, convLayout, deadCode, fuseOps,
];

export function passByName(name: string): GraphPass {
  const p = GRAPH_PASSES.find((x) => x.name === name);
  if (!p) throw new EdgecError(`unknown pass '${name}'; available: ${GRAPH_PASSES.map((x) => x.name).join(", ")}`);
  return p;
}

export function pipelineFor(optLevel: number): GraphPass[] {
  return GRAPH_PASSES.filter((p) => optLevel >= p.minOptLevel && (optLevel > 0 || p.minOptLevel < 0));
}

export interface PassOptions {
  optLevel: number;
  /** An explicit pass list (overrides the level's pipeline). */
  passes?: string[];
  /** Passed to the passes' context (PassContext.winograd). */
  winograd?: boolean;
  /** Passed to the passes' context (PassContext.vectorLanes). */
  vectorLanes?: number;
  /** Passed to the passes' context (PassContext.winogradMinChannels). */
  winogradMinChannels?: number;
  /** Passed to the passes' context (PassContext.dot4). */
  dot4?: "ss" | "us";
  /** Called after each pass that runs, e.g. to print the IR. */
  afterPass?: (pass: string, g: Graph) => void;
}

/** Runs the selected pipeline; returns the pattern counts. */
export function runPipeline(g: Graph, opts: PassOptions): Map<string, number> {
  const ctx: PassContext = { optLevel: opts.optLevel, stats: new Map(), winograd: opts.winograd, vectorLanes: opts.vectorLanes, winogradMinChannels: opts.winogradMinChannels, dot4: opts.dot4 };
  const list = opts.passes ? opts.passes.map(passByName) : pipelineFor(opts.optLevel);
  for (const p of list) {
    p.run(g, ctx);
    opts.afterPass?.(p.name, g);
  }
  return ctx.stats;
}
