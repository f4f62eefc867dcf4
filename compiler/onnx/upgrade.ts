/**
 * @fileoverview Raises a graph's opset where a rewrite needs newer ops (int4 and blocked
 * DequantizeLinear need opset 21). Ops whose meaning changed in between are rewritten to their
 * new form; a change with no rewrite here fails rather than silently altering the model.
 */
import { Graph } from "../../ir/graph.ts";
import { fail, q } from "../../ir/diagnostics.ts";

/** Reductions whose axes moved from an attribute to an input at opset 18. */
const AXES_TO_INPUT = new Set(["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"]);
/** Ops changed incompatibly before opset 21, by the opset of the change. */
const CHANGED: Record<string, number> = { GroupNormalization: 21, DFT: 20 };

export function upgradeOpset(g: Graph, to: number): void {
  if (g.opset >= to) return;
  const from = g.opset;
  for (const n of g.nodes) {
    if (n.domain !== "") continue;
    if (Object.values(n.attrs).some((a) => a.type === "graph" || a.type === "graphs"))
      fail(`node ${q(n.name)} (${n.op}): raising the model from opset ${from} to ${to} does not handle subgraphs; export the model at opset ${to}`);
    const at = CHANGED[n.op];
    if (at && from < at)
      fail(`node ${q(n.name)} (${n.op}): its definition changed at opset ${at}, between the model's ${from} and the ${to} it needs; export the model at opset ${to}`);
    const axes = n.attrs.axes;
    if (AXES_TO_INPUT.has(n.op) && from < 18 && axes) {
      if (axes.type !== "ints") fail(`node ${q(n.name)} (${n.op}): attribute axes is not a list of ints`);
      const name = `${n.name}/axes`;
      g.constants.set(name, { dtype: "i64", shape: [axes.value.length], data: BigInt64Array.from(axes.value.map(BigInt)) });
      g.types.set(name, { dtype: "i64", shape: [axes.value.length] });
      n.inputs = [n.inputs[0] ?? "", name];
      delete n.attrs.axes;
    }
  }
  g.opset = to;
}
