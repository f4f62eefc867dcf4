/**
 * @fileoverview gelu: recognises erf- and tanh-form GELU subgraphs as one Gelu op.
 *   x * (erf(x / sqrt2) + 1) * 0.5                                   -> Gelu(x)
 *   x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))          -> Gelu(x, approximate="tanh")
 */
import { Graph, Node } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { Match, Pat, k, op, rewriteAll, v } from "./pattern.ts";

const SQRT2 = Math.SQRT2, SQRT_2_PI = Math.sqrt(2 / Math.PI);
const erfTerm = op("Add", [op("Erf", [op(["Div", "Mul"], [v("x"), k((c) => Math.abs(c - SQRT2) < 1e-3 || Math.abs(c - 1 / SQRT2) < 1e-3)])]), k(1)]);
const cube = op("Mul", [k(0.044715), op("Pow", [v("x"), k(3)])]);
const tanhTerm = op("Add", [op("Tanh", [op("Mul", [k(SQRT_2_PI), op("Add", [v("x"), cube])])]), k(1)]);

const forms: [Pat, "none" | "tanh"][] = [
  [op("Mul", [op("Mul", [v("x"), erfTerm]), k(0.5)]), "none"],    // (x * (1 + erf)) * 0.5
  [op("Mul", [v("x"), op("Mul", [erfTerm, k(0.5)])]), "none"],    // x * ((1 + erf) * 0.5)
  [op("Mul", [op("Mul", [v("x"), k(0.5)]), erfTerm]), "none"],    // (x * 0.5) * (1 + erf)
  [op("Mul", [op("Mul", [v("x"), k(0.5)]), tanhTerm]), "tanh"],   // (x * 0.5) * (1 + tanh)
  [op("Mul", [op("Mul", [v("x"), tanhTerm]), k(0.5)]), "tanh"],   // (x * (1 + tanh)) * 0.5
];

export function recognizeGelu(g: Graph, ctx: PassContext): void {
  for (const [pat, approximate] of forms) {
    const n = rewriteAll(g, pat, (m: Match) => {
      const x = m.values.get("x")!;
      if (!["f32", "f64"].includes(g.typeOf(x).dtype)) return undefined;
      // Only the variable operand is x; the constants must not have been bound as x.
      if (g.constants.has(x)) return undefined;
      const attrs: Node["attrs"] = approximate === "tanh" ? { approximate: { type: "string", value: "tanh" } } : {};
      return [{ name: `${m.root.name}/gelu`, op: "Gelu", domain: "", inputs: [x], outputs: [m.root.outputs[0]!], attrs }];
    });
    bump(ctx, "gelu", n);
  }
}

export default { name: "gelu", minOptLevel: 2, run: recognizeGelu } satisfies GraphPass;
