/**
 * @fileoverview qdq: a float op between DequantizeLinear and QuantizeLinear becomes the integer
 * kernel ONNX names for it, with the requantisation as its epilogue.
 *   Q(MatMul(DQ(a), DQ(b)))      -> QLinearMatMul(a, sa, za, b, sb, zb, sy, zy)
 *   Q(Conv(DQ(x), DQ(w), bias))  -> QLinearConv(x, sx, zx, w, sw, zw, sy, zy, round(bias / (sx*sw)))
 */
import { Graph, Node, numel } from "../ir/graph.ts";
import { ConstBuilder } from "./const-builder.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { Match, op, rewriteAll, v } from "./pattern.ts";

const INT8 = ["i8", "u8"];

/** Scale, zero point of a DequantizeLinear/QuantizeLinear node; per-tensor unless `perChannel`. */
function qparams(g: Graph, kb: ConstBuilder, n: Node, quantType: string, perChannelAxis?: number): [string, string] | undefined {
  const s = n.inputs[1]!;
  const axis = n.attrs.axis?.type === "int" ? n.attrs.axis.value : 1;
  if (n.attrs.block_size?.type === "int" && n.attrs.block_size.value !== 0) return undefined;
  const st = g.typeOf(s);
  if (st.dtype !== "f32") return undefined;
  if (numel(st.shape) !== 1 && (perChannelAxis === undefined || st.shape.length !== 1 || axis !== perChannelAxis)) return undefined;
  let z = n.inputs[2];
  if (z && (!g.constants.has(z) || g.typeOf(z).dtype !== quantType)) return undefined;
  if (!z) z = kb.tensor({ dtype: quantType as "i8" | "u8", shape: [], data: quantType === "i8" ? new Int8Array(1) : new Uint8Array(1) });
  return [s, z];
}

function fuse(g: Graph, m: Match, isConv: boolean): Node[] | undefined {
  const q = m.root;
  const dqs = ["a", "b"].map((x) => m.named.get(x)!);
  const mid = m.named.get("op")!;
  const [aq, bq] = dqs.map((d) => d.inputs[0]!) as [string, string];
  const outType = q.inputs[2] ? g.typeOf(q.inputs[2]).dtype : "u8";
  if (![aq, bq].every((x) => INT8.includes(g.typeOf(x).dtype)) || !INT8.includes(outType)) return undefined;
  if (!g.constants.has(q.inputs[1]!) || !dqs.every((d) => g.constants.has(d.inputs[1]!))) return undefined;
  if (q.attrs.saturate || (q.attrs.output_dtype?.type === "int" && q.attrs.output_dtype.value !== 0)) return undefined;
  const kb = new ConstBuilder(g, q.name);
  const pa = qparams(g, kb, dqs[0]!, g.typeOf(aq).dtype);
  const pb = qparams(g, kb, dqs[1]!, g.typeOf(bq).dtype, isConv ? 0 : undefined);
  const py = qparams(g, kb, q, outType);
  if (!pa || !pb || !py) return undefined;
  const y = q.outputs[0]!;
  if (!isConv) {
    return [{ name: `${q.name}/qlinear`, op: "QLinearMatMul", domain: "", inputs: [aq, ...pa, bq, ...pb, ...py], outputs: [y], attrs: {} }];
  }
  const inputs = [aq, ...pa, bq, ...pb, ...py];
  const bias = mid.inputs[2];
  if (bias) {
    if (!g.constants.has(bias) || g.typeOf(bias).dtype !== "f32") return undefined;
    // Bias in int32 at scale sx*sw, as QLinearConv expects.
    const scale = kb.op("Mul", [pa[0], pb[0]]);
    const r = kb.op("Round", [kb.op("Div", [bias, scale])]);
    inputs.push(kb.op("Cast", [r], { to: { type: "int", value: 6 } }));
  }
  return [{ name: `${q.name}/qlinear`, op: "QLinearConv", domain: "", inputs, outputs: [y], attrs: { ...mid.attrs } }];
}

export function fuseQdq(g: Graph, ctx: PassContext): void {
  const dq = (as: string) => op("DequantizeLinear", undefined, { as });
  const mm = op("QuantizeLinear", [op("MatMul", [dq("a"), dq("b")], { as: "op" }), v("ys"), v("yz")]);
  const mmNoZ = op("QuantizeLinear", [op("MatMul", [dq("a"), dq("b")], { as: "op" }), v("ys")]);
  const cv = (bias: boolean) => op("Conv", bias ? [dq("a"), dq("b"), v("bias")] : [dq("a"), dq("b")], { as: "op" });
  let n = 0;
  for (const p of [mm, mmNoZ]) n += rewriteAll(g, p, (m) => fuse(g, m, false));
  for (const bias of [true, false])
    for (const withZ of [true, false])
      n += rewriteAll(g, op("QuantizeLinear", withZ ? [cv(bias), v("ys"), v("yz")] : [cv(bias), v("ys")]), (m) => fuse(g, m, true));
  bump(ctx, "qdq", n);
}

export default { name: "qdq", minOptLevel: 2, run: fuseQdq } satisfies GraphPass;
