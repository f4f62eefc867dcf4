/**
 * @fileoverview Import-time expansion of ai.onnx.preview FlexAttention, whose score_mod and
 * prob_mod attributes are whole subgraphs over the [B, H, L, S] score and probability tensors.
 * With neither, it is the ONNX Attention op. With either, the scores come from Attention's
 * qk_matmul output (scaled Q·Kᵀ, grouped-query heads resolved), the subgraphs are inlined around
 * a Softmax, and the probabilities meet V through a broadcasting MatMul over the KV-head groups,
 * all in default-domain ops that shape folding then settles.
 */
import { Attr, Graph, Node } from "../../ir/graph.ts";
import { nodeError } from "../../ir/diagnostics.ts";

export const FLEX_DOMAIN = "ai.onnx.preview";

export function expandFlexAttention(n: Node, g: Graph): Node[] {
  if (n.op !== "FlexAttention") nodeError(n, `op domain "${FLEX_DOMAIN}" holds no op ${n.op} that is supported`, "only FlexAttention is");
  for (const a of Object.keys(n.attrs))
    if (!["scale", "score_mod", "prob_mod"].includes(a)) nodeError(n, `attribute '${a}' is not supported`);
  const [q, k, v] = n.inputs;
  if (!q || !k || !v || n.inputs.length !== 3) nodeError(n, "takes exactly the inputs Q, K and V");
  const y = n.outputs[0];
  if (!y || n.outputs.length !== 1) nodeError(n, "has exactly one output, Y");
  const scale: Record<string, Attr> = n.attrs.scale ? { scale: n.attrs.scale } : {};
  const scoreMod = subgraph(n, "score_mod"), probMod = subgraph(n, "prob_mod");
  if (!scoreMod && !probMod) return [{ name: n.name, op: "Attention", domain: "", inputs: [q, k, v], outputs: [y], attrs: scale }];

  const p = `${n.name}/`;
  const nodes: Node[] = [];
  let count = 0;
  const emit = (op: string, inputs: string[], attrs: Record<string, Attr> = {}, out = `${p}${op}_${count}`): string => {
    nodes.push({ name: `${p}${op}_${count++}`, op, domain: "", inputs, outputs: [out], attrs });
    return out;
  };
  const ints = (name: string, values: number[]): string => {
    const full = `${p}${name}`;
    g.constants.set(full, { dtype: "i64", shape: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    g.types.set(full, { dtype: "i64", shape: [values.length] });
    return full;
  };
  const int = (a: number): Attr => ({ type: "int", value: a });
  // Softmax runs in f64 for doubles, else in f32. Q's type is known here when Q is a graph input
  // or initializer; otherwise f32 is assumed and Y is cast back like Q.
  const qType = g.types.get(q)?.dtype;
  const sp = qType === "f64" ? "f64" : "f32";
  const toSp = (x: string): string => (qType === sp ? x : emit("Cast", [x], { to: int(sp === "f64" ? 11 : 1) }));
  const scoresOut = `${p}scores`;
  nodes.push({ name: `${p}scores`, op: "Attention", domain: "", inputs: [q, k, v], outputs: ["", "", "", scoresOut], attrs: scale });
  let s = toSp(scoresOut);
  if (scoreMod) s = inline(scoreMod, s, `${p}score_mod/`, nodes, g);
  let probs = emit("Softmax", [s], { axis: int(-1) });
  if (probMod) probs = inline(probMod, probs, `${p}prob_mod/`, nodes, g);
  // Probabilities [B, Hq, L, S] as [B, Hkv, G, L, S] against V [B, Hkv, 1, S, E].
  const hkv = emit("Shape", [k], { start: int(1), end: int(2) });
  const b = emit("Shape", [probs], { start: int(0), end: int(1) });
  const ls = emit("Shape", [probs], { start: int(2), end: int(4) });
  const grouped = emit("Reshape", [probs, emit("Concat", [b, hkv, ints("minus_one", [-1]), ls], { axis: int(0) })]);
  const v5 = emit("Unsqueeze", [toSp(v), ints("axis2", [2])]);
  const y5 = emit("MatMul", [grouped, v5]);
  const yShape = emit("Concat", [emit("Shape", [q], { start: int(0), end: int(3) }), emit("Shape", [v], { start: int(3), end: int(4) })], { axis: int(0) });
  if (qType === sp) emit("Reshape", [y5, yShape], {}, y);
  else emit("CastLike", [emit("Reshape", [y5, yShape]), q], {}, y);
  return nodes;
}

function subgraph(n: Node, name: string): Graph | undefined {
  const a = n.attrs[name];
  if (!a) return undefined;
  if (a.type !== "graph") nodeError(n, `attribute '${name}' must be a graph, got ${a.type}`);
  const sg = a.value;
  if (sg.inputs.length !== 1 || sg.outputs.length !== 1) nodeError(n, `${name} must take one tensor and return one, got ${sg.inputs.length} and ${sg.outputs.length}`);
  for (const m of sg.nodes)
    if (Object.values(m.attrs).some((x) => x.type === "graph" || x.type === "graphs"))
      nodeError(n, `${name} holds a node with its own subgraph (${m.op}), which is not supported`);
  return sg;
}

/** Appends `sg`'s nodes reading `input`, with its values and constants renamed under `prefix`; returns its output. */
function inline(sg: Graph, input: string, prefix: string, nodes: Node[], g: Graph): string {
  const own = new Set<string>([...sg.constants.keys(), ...sg.nodes.flatMap((m) => m.outputs)]);
  const r = (x: string) => (x === "" ? "" : x === sg.inputs[0] ? input : own.has(x) ? prefix + x : x);
  for (const [name, t] of sg.constants) {
    g.constants.set(prefix + name, t);
    g.types.set(prefix + name, { dtype: t.dtype, shape: t.shape });
  }
  for (const m of sg.nodes) nodes.push({ ...m, name: prefix + m.name, inputs: m.inputs.map(r), outputs: m.outputs.map(r) });
  return r(sg.outputs[0]!);
}
