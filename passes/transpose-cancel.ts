/**
 * @fileoverview transpose-cancel: composes back-to-back Transposes and removes pairs that cancel.
 *   Transpose(Transpose(x, p), q) -> x              when p∘q is the identity
 *   Transpose(Transpose(x, p), q) -> Transpose(x, r) otherwise, r[i] = p[q[i]]
 */
import { Graph, Node } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

const permOf = (g: Graph, n: Node): number[] => {
  const a = n.attrs.perm;
  const r = g.typeOf(n.inputs[0]!).shape.length;
  return a?.type === "ints" ? a.value : [...Array(r).keys()].reverse();
};

export function cancelTransposes(g: Graph, ctx: PassContext): void {
  const outputs = new Set(g.outputs);
  for (let changed = true; changed;) {
    changed = false;
    const producers = g.producers();
    const consumers = g.consumers();
    for (const outer of g.nodes) {
      if (outer.op !== "Transpose") continue;
      const inner = producers.get(outer.inputs[0]!);
      if (!inner || inner.op !== "Transpose" || outputs.has(inner.outputs[0]!) || (consumers.get(inner.outputs[0]!) ?? []).length !== 1) continue;
      const p = permOf(g, inner), q = permOf(g, outer);
      const r = q.map((i) => p[i]!);
      const x = inner.inputs[0]!;
      const y = outer.outputs[0]!;
      if (r.every((v, i) => v === i) && !outputs.has(y)) {
        for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === y ? x : i));
        g.nodes = g.nodes.filter((n) => n !== inner && n !== outer);
      } else {
        outer.inputs = [x];
        outer.attrs = { ...outer.attrs, perm: { type: "ints", value: r } };
        g.nodes = g.nodes.filter((n) => n !== inner);
      }
      bump(ctx, "transpose-cancel");
      changed = true;
      break;
    }
  }
}

export default { name: "transpose-cancel", minOptLevel: 1, run: cancelTransposes } satisfies GraphPass;
