/**
 * @fileoverview The fused-group op: a node whose `body` subgraph is lowered as one kernel by
 * composing its members' compute definitions (TE inlining keeps intermediates in registers).
 */
import { Graph, Node } from "../ir/graph.ts";
import { TensorRef } from "../ir/tir.ts";
import { OpCtx, OpKind, computeOutputTypes, defineOp, getOp } from "./registry.ts";

/** Internal op name; model ops in the "edgec." namespace are rejected on import. */
export const FUSED = "edgec.Fused";

export function fusedBody(n: Node): Graph {
  const a = n.attrs.body;
  if (!a || a.type !== "graph") throw new Error("internal error: fused node without a body");
  return a.value;
}

/** The fusion kind of a node; a fused group takes its anchor's kind. */
export function kindOf(n: Node): OpKind {
  if (n.op === FUSED) {
    const k = n.attrs.kind;
    return (k && k.type === "string" ? k.value : "opaque") as OpKind;
  }
  return getOp(n.op)?.kind ?? "opaque";
}

defineOp({
  op: FUSED,
  kind: "opaque",
  attrs: ["body", "patterns", "kind"],
  infer(ctx) {
    const body = fusedBody(ctx.node);
    return body.outputs.map((o) => body.typeOf(o));
  },
  compute(ctx, te, ins) {
    const body = fusedBody(ctx.node);
    const refs = new Map<string, TensorRef>();
    body.inputs.forEach((name, i) => refs.set(name, ins[i]!));
    for (const n of body.nodes) {
      const def = getOp(n.op)!;
      const types = n.inputs.map((v) => (v ? body.typeOf(v) : undefined));
      const inner = new OpCtx(n, ctx.opset, types, n.inputs.map((v) => (v ? body.constants.get(v) : undefined)));
      const outTypes = computeOutputTypes(def, inner, (v) => body.typeOf(v));
      const outs = def.compute(inner, te, n.inputs.map((v) => (v ? refs.get(v) : undefined)), outTypes);
      n.outputs.forEach((o, j) => { if (o) refs.set(o, outs[j]!); });
    }
    return body.outputs.map((o) => refs.get(o)!);
  },
});
