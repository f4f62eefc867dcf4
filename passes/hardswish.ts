/**
 * @fileoverview hardswish: recognises x * relu6(x + 3) / 6 and x * HardSigmoid(x) (alpha 1/6,
 * beta 1/2) as one HardSwish op.
 *   x * Clip(x + 3, 0, 6) / 6        ->  HardSwish(x)
 *   x * HardSigmoid(x, 1/6, 1/2)     ->  HardSwish(x)
 */
import { Graph, Node } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { Matcher, k, op, rewriteAll, v } from "./pattern.ts";

function isRelu6(g: Graph, n: Node): boolean {
  if (n.op !== "Clip") return false;
  const mt = new Matcher(g);
  const lo = n.attrs.min?.type === "float" ? n.attrs.min.value : n.inputs[1] ? mt.scalar(n.inputs[1]) : undefined;
  const hi = n.attrs.max?.type === "float" ? n.attrs.max.value : n.inputs[2] ? mt.scalar(n.inputs[2]) : undefined;
  return lo === 0 && hi === 6;
}

const hardSigmoid = (n: Node) => {
  const a = n.attrs.alpha?.type === "float" ? n.attrs.alpha.value : 0.2;
  const b = n.attrs.beta?.type === "float" ? n.attrs.beta.value : 0.5;
  return Math.abs(a - 1 / 6) < 1e-6 && Math.abs(b - 0.5) < 1e-6;
};

export function recognizeHardSwish(g: Graph, ctx: PassContext): void {
  const clip = op("Clip", undefined, { as: "clip", attrs: (n) => isRelu6(g, n) });
  const forms = [
    op("Div", [op("Mul", [v("x"), clip]), k(6)]),
    op("Mul", [v("x"), op("Div", [clip, k(6)])]),
    op("Mul", [op("Mul", [v("x"), clip]), k(1 / 6)]),
    op("Mul", [v("x"), op("HardSigmoid", [v("x")], { attrs: hardSigmoid })]),
  ];
  for (const pat of forms) {
    const n = rewriteAll(g, pat, (m, mt) => {
      const x = m.values.get("x")!;
      const c = m.named.get("clip");
      if (c) {
        // The clipped value must be x + 3, used only here.
        const add = mt.producers.get(c.inputs[0]!);
        const plus3 = add?.op === "Add" && add.inputs.includes(x) && add.inputs.some((i) => i !== x && mt.scalar(i) === 3);
        if (!plus3 || (mt.consumers.get(add!.outputs[0]!) ?? []).length !== 1) return undefined;
        m.nodes.push(add!);
      }
      if (g.constants.has(x) || !["f32", "f64"].includes(g.typeOf(x).dtype)) return undefined;
      return [{ name: `${m.root.name}/hardswish`, op: "HardSwish", domain: "", inputs: [x], outputs: [m.root.outputs[0]!], attrs: {} }];
    });
    bump(ctx, "hardswish", n);
  }
}

export default { name: "hardswish", minOptLevel: 2, run: recognizeHardSwish } satisfies GraphPass;
