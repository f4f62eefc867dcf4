/**
 * @fileoverview silu: recognises x * sigmoid(x) as one Swish (alpha 1) op.
 *   x * Sigmoid(x)  ->  Swish(x)
 */
import { Graph } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { op, rewriteAll, v } from "./pattern.ts";

export function recognizeSilu(g: Graph, ctx: PassContext): void {
  const n = rewriteAll(g, op("Mul", [v("x"), op("Sigmoid", [v("x")])]), (m) => {
    const x = m.values.get("x")!;
    if (g.constants.has(x) || !["f32", "f64"].includes(g.typeOf(x).dtype)) return undefined;
    return [{ name: `${m.root.name}/silu`, op: "Swish", domain: "", inputs: [x], outputs: [m.root.outputs[0]!], attrs: {} }];
  });
  bump(ctx, "silu", n);
}

export default { name: "silu", minOptLevel: 2, run: recognizeSilu } satisfies GraphPass;
