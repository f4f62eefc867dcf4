/**
 * @fileoverview softmax: recognises exp / reduce-sum / div (with or without max-subtraction)
 * over the last axis as one Softmax op.
 *   exp(x - max(x)) / sum(exp(x - max(x)))  ->  Softmax(x)
 *   exp(x) / sum(exp(x))                    ->  Softmax(x)
 */
import { Graph } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { op, reducesLastAxis, rewriteAll, v } from "./pattern.ts";

export function recognizeSoftmax(g: Graph, ctx: PassContext): void {
  const last = (n: Parameters<typeof reducesLastAxis>[1]) => reducesLastAxis(g, n);
  const shifted = op("Exp", [op("Sub", [v("x"), op("ReduceMax", [v("x")], { attrs: last })])], { as: "e" });
  const plain = op("Exp", [v("x")], { as: "e" });
  for (const e of [shifted, plain]) {
    const n = rewriteAll(g, op("Div", [e, op("ReduceSum", [v("e")], { attrs: last })]), (m) => {
      const x = m.values.get("x")!;
      if (!["f32", "f64"].includes(g.typeOf(x).dtype)) return undefined;
      return [{ name: `${m.root.name}/softmax`, op: "Softmax", domain: "", inputs: [x], outputs: [m.root.outputs[0]!],
        attrs: { axis: { type: "int", value: -1 } } }];
    });
    bump(ctx, "softmax", n);
  }
}

export default { name: "softmax", minOptLevel: 2, run: recognizeSoftmax } satisfies GraphPass;
