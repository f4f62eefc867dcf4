/**
 * @fileoverview conv-bias: folds a per-channel constant Add after a Conv into its bias; the
 * shared folding also serves conv-scale (a per-channel Mul, TVM's FoldScaleAxis).
 *   Conv(x, W, B) + c  ->  Conv(x, W, B + c)
 *   Conv(x, W, B) * s  ->  Conv(x, W * s, B * s)
 */
import { Graph, Node, numel } from "../ir/graph.ts";
import { ConstBuilder } from "./const-builder.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

/** The per-output-channel form of constant `c` against a conv output of shape [N, M, ...], or undefined. */
function perChannel(g: Graph, c: string, out: number[]): boolean {
  const t = g.typeOf(c);
  const m = out[1]!;
  if (numel(t.shape) !== m || t.shape.length > out.length) return false;
  // Right-aligned broadcast: the channel dim must line up with out[1], all others size 1.
  const off = out.length - t.shape.length;
  return t.shape.every((d, i) => (i + off === 1 ? d === m : d === 1)) && (m === 1 || off <= 1);
}

export function foldPerChannel(g: Graph, ctx: PassContext, which: "Add" | "Mul"): void {
  const producers = g.producers();
  const consumers = g.consumers();
  const outputs = new Set(g.outputs);
  const removed = new Set<Node>();
  for (const n of g.nodes) {
    if (n.op !== which || removed.has(n)) continue;
    const [a, b] = n.inputs as [string, string];
    const convOut = g.constants.has(b) ? a : g.constants.has(a) ? b : undefined;
    if (!convOut) continue;
    const c = convOut === a ? b : a;
    const conv = producers.get(convOut);
    if (!conv || conv.op !== "Conv" || removed.has(conv) || outputs.has(convOut) || (consumers.get(convOut) ?? []).length !== 1) continue;
    if (!g.constants.has(conv.inputs[1]!) || (conv.inputs[2] && !g.constants.has(conv.inputs[2]))) continue;
    const out = g.typeOf(convOut);
    if (!["f32", "f64"].includes(out.dtype) || g.typeOf(c).dtype !== out.dtype || !perChannel(g, c, out.shape)) continue;
    const m = out.shape[1]!;
    const kb = new ConstBuilder(g, n.name);
    const vec = kb.op("Reshape", [c, kb.ints([m])]);
    const bias = conv.inputs[2] || kb.op("Sub", [vec, vec]);
    if (which === "Add") {
      conv.inputs = [conv.inputs[0]!, conv.inputs[1]!, kb.op("Add", [bias, vec])];
    } else {
      const w = g.typeOf(conv.inputs[1]!);
      const ws = kb.op("Reshape", [c, kb.ints([m, ...w.shape.slice(1).map(() => 1)])]);
      conv.inputs = [conv.inputs[0]!, kb.op("Mul", [conv.inputs[1]!, ws]), kb.op("Mul", [bias, vec])];
    }
    conv.outputs = [n.outputs[0]!];
    removed.add(n);
    bump(ctx, which === "Add" ? "conv-bias" : "conv-scale");
  }
  g.nodes = g.nodes.filter((x) => !removed.has(x));
}

export default { name: "conv-bias", minOptLevel: 1, run: (g, ctx) => foldPerChannel(g, ctx, "Add") } satisfies GraphPass;
