/**
 * @fileoverview conv-bn: folds an inference BatchNormalization into the Conv or Gemm before it.
 *   Conv(x, W, B) -> BN(s, b, m, v)  =>  Conv(x, W * s', (B - m) * s' + b),  s' = s / sqrt(v + eps)
 *   Gemm(a, W, C) -> BN              =>  Gemm(a, W * s' (along N), (C - m) * s' + b)
 */
import { Graph, Node } from "../ir/graph.ts";
import { ConstBuilder } from "./const-builder.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

export function foldConvBn(g: Graph, ctx: PassContext): void {
  const consumers = g.consumers();
  const producers = g.producers();
  const outputs = new Set(g.outputs);
  const removed = new Set<Node>();
  for (const bn of g.nodes) {
    if (bn.op !== "BatchNormalization" || bn.outputs.filter((o) => o).length !== 1) continue;
    const x = bn.inputs[0]!;
    const conv = producers.get(x);
    if (!conv || (conv.op !== "Conv" && conv.op !== "Gemm") || removed.has(conv)) continue;
    if ((consumers.get(x) ?? []).length !== 1 || outputs.has(x)) continue;
    if (![1, 2, 3, 4].every((i) => g.constants.has(bn.inputs[i]!))) continue;
    if (!g.constants.has(conv.inputs[1]!) || (conv.inputs[2] && !g.constants.has(conv.inputs[2]))) continue;
    const w = g.typeOf(conv.inputs[1]!);
    const out = g.typeOf(x);
    if (!["f32", "f64"].includes(out.dtype)) continue;
    const channels = out.shape[1]!;
    let wShape: number[];
    if (conv.op === "Conv") {
      wShape = [channels, ...w.shape.slice(1).map(() => 1)];
    } else {
      const transB = conv.attrs.transB?.type === "int" && conv.attrs.transB.value === 1;
      const beta = conv.attrs.beta?.type === "float" ? conv.attrs.beta.value : 1;
      if (beta !== 1 || out.shape.length !== 2) continue;
      if (conv.inputs[2]) {
        const cs = g.typeOf(conv.inputs[2]).shape;
        if (!(cs.length === 1 && cs[0] === channels) && !(cs.length === 2 && cs[0] === 1 && cs[1] === channels)) continue;
      }
      wShape = transB ? [channels, 1] : [1, channels];
    }
    const eps = bn.attrs.epsilon?.type === "float" ? bn.attrs.epsilon.value : 1e-5;
    const b = new ConstBuilder(g, bn.name);
    const [scale, bias, mean, vari] = [1, 2, 3, 4].map((i) => bn.inputs[i]!);
    const s = b.op("Div", [scale!, b.op("Sqrt", [b.op("Add", [vari!, b.scalar(eps, out.dtype)])])]);
    const w2 = b.op("Mul", [conv.inputs[1]!, b.op("Reshape", [s, b.ints(wShape)])]);
    const shifted = conv.inputs[2] ? b.op("Sub", [b.op("Reshape", [conv.inputs[2], b.ints([channels])]), mean!]) : b.op("Neg", [mean!]);
    const b2 = b.op("Add", [b.op("Mul", [shifted, s]), bias!]);
    conv.inputs = [conv.inputs[0]!, w2, b2];
    conv.outputs = [bn.outputs[0]!];
    removed.add(bn);
    bump(ctx, "conv-bn");
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
}

export default { name: "conv-bn", minOptLevel: 1, run: foldConvBn } satisfies GraphPass;
