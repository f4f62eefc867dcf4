/**
 * @fileoverview Evaluates nodes whose inputs are all known at compile time, through the op's own
 * lowering run in process, and replaces them by constants.
 */
import { evaluate } from "../ir/eval.ts";
import { allocArray } from "../ir/dtype.ts";
import { Graph, Node, numel } from "../ir/graph.ts";
import { foldControl } from "./control-flow.ts";
import { lowerNode } from "./lower.ts";
import { getOp } from "../ops/registry.ts";
import { GraphPass, bump } from "./pass.ts";
import { installSubgraphFolder } from "../ops/subgraph.ts";

/** Results larger than this stay computed at run time rather than bloating the weights. */
const MAX_FOLD_ELEMENTS = 1 << 22;

/** Replaces `n` by constants if its inputs are known; returns whether it did. */
export function foldNode(g: Graph, n: Node, outputs: Set<string> = new Set(g.outputs), force = false): boolean {
  const def = getOp(n.op);
  if (!def) return false;
  if (def.control) return foldControl(g, n);
  if (def.noFold) return false;
  const inputsKnown = n.inputs.every((i) => !i || g.constants.has(i));
  if (!inputsKnown && !def.shapeOnly) return false;
  const outs = n.outputs.filter((o) => o);
  if (!force && outs.some((o) => numel(g.typeOf(o).shape) > MAX_FOLD_ELEMENTS)) return false;
  // Growing a small constant into a large one (Expand, Tile) only costs weight bytes.
  const inElems = n.inputs.reduce((s, i) => s + (i ? numel(g.typeOf(i).shape) : 0), 0);
  const outElems = outs.reduce((s, o) => s + numel(g.typeOf(o).shape), 0);
  if (!force && outElems > 4 * inElems + 4096 && !outs.some((o) => outputs.has(o)) && def.kind !== "opaque") return false;
  const low = lowerNode(g, n, "fold");
  const bufs = [
    ...low.inputs.map((i) => g.constants.get(i)?.data ?? allocArray(g.typeOf(i).dtype, numel(g.typeOf(i).shape))),
    ...low.outputs.map((o) => allocArray(g.typeOf(o).dtype, numel(g.typeOf(o).shape))),
    ...low.scratch.map((b) => allocArray(b.dtype, numel(b.shape))),
  ];
  evaluate(low.func, bufs);
  low.outputs.forEach((o, i) => {
    const t = g.typeOf(o);
    g.constants.set(o, { dtype: t.dtype, shape: t.shape, data: bufs[low.inputs.length + i]! });
  });
  return true;
}

/**
 * shape-fold: counts folded nodes that compute on tensor shapes (Shape, Size and everything
 * folded from their results), the Shape→Gather→Unsqueeze→Concat→Reshape arithmetic exporters emit.
 */
export class ShapeFoldCounter {
  private derived = new Set<string>();
  count = 0;
  observe(n: Node): void {
    if (n.op === "Shape" || n.op === "Size" || n.inputs.some((i) => i && this.derived.has(i))) {
      for (const o of n.outputs) if (o) this.derived.add(o);
      this.count++;
    }
  }
}

export function foldConstants(g: Graph, shapes = new ShapeFoldCounter()): number {
  const outputs = new Set(g.outputs);
  const before = g.nodes.length;
  g.nodes = g.nodes.filter((n) => {
    if (!foldNode(g, n, outputs)) return true;
    shapes.observe(n);
    return false;
  });
  return before - g.nodes.length;
}

// Subgraphs (If branches, Loop and Scan bodies) fold the same way while their types are inferred.
installSubgraphFolder((g, n, outputs) => n.op !== "DequantizeLinear" && foldNode(g, n, outputs));

export default {
  name: "fold-constants", minOptLevel: 1,
  run: (g, ctx) => {
    const shapes = new ShapeFoldCounter();
    bump(ctx, "fold-constants", foldConstants(g, shapes));
    bump(ctx, "shape-fold", shapes.count);
  },
} satisfies GraphPass;
