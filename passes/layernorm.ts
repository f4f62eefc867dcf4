/**
 * @fileoverview layernorm: recognises the decomposed form exporters emit before opset 17.
 *   (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta  ->  LayerNormalization(x, gamma, beta)
 */
import { Graph } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { Match, Matcher, k, op, reducesLastAxis, rewriteAll, v } from "./pattern.ts";

export function recognizeLayerNorm(g: Graph, ctx: PassContext): void {
  const last = (n: Parameters<typeof reducesLastAxis>[1]) => reducesLastAxis(g, n);
  const centered = op("Sub", [v("x"), op("ReduceMean", [v("x")], { attrs: last })], { as: "d" });
  const variance = op("ReduceMean", [op("Pow", [v("d"), k(2)])], { attrs: last });
  const normed = op("Div", [centered, op("Sqrt", [op("Add", [variance, k((x) => x > 0 && x < 1, "eps")])])]);
  const pat = op("Add", [op("Mul", [normed, v("gamma")]), v("beta")]);
  const n = rewriteAll(g, pat, (m: Match, _mt: Matcher) => {
    const x = m.values.get("x")!, gamma = m.values.get("gamma")!, beta = m.values.get("beta")!;
    const xt = g.typeOf(x);
    const d = xt.shape[xt.shape.length - 1];
    const vec = (name: string) => { const t = g.typeOf(name); return t.shape.length === 1 && t.shape[0] === d && t.dtype === xt.dtype; };
    if (!vec(gamma) || !vec(beta) || (xt.dtype !== "f32" && xt.dtype !== "f64")) return undefined;
    return [{
      name: `${m.root.name}/layernorm`, op: "LayerNormalization", domain: "",
      inputs: [x, gamma, beta], outputs: [m.root.outputs[0]!],
      attrs: { axis: { type: "int", value: -1 }, epsilon: { type: "float", value: m.consts.get("eps")! } },
    }];
  });
  bump(ctx, "layernorm", n);
}

export default { name: "layernorm", minOptLevel: 2, run: recognizeLayerNorm } satisfies GraphPass;
