/**
 * @fileoverview attention: MatMul(Q, Kᵀ) · scale (+ mask) → Softmax → MatMul(·, V) becomes one
 * edgec.Attention kernel that never materialises the score matrix; Transposes of Q, K, V and of
 * the result are absorbed as read/write permutations.
 */
import { Graph, Node } from "../ir/graph.ts";
import { ATTENTION } from "../ops/attention.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";
import { Matcher, k, op, v } from "./pattern.ts";

const lastAxis = (n: Node) => {
  const a = n.attrs.axis;
  return !a || (a.type === "int" && (a.value === -1 || a.value === 3));
};

const scores = op("MatMul", [v("q"), v("k")], { as: "qk" });
const scaled = [
  op(["Div", "Mul"], [scores, k(() => true, "scale")], { as: "sc" }),
  scores,
];
const patterns = scaled.flatMap((s) => [
  op("MatMul", [op("Softmax", [op("Add", [s, v("mask")])], { as: "sm", attrs: lastAxis }), v("v")]),
  op("MatMul", [op("Softmax", [s], { as: "sm", attrs: lastAxis }), v("v")]),
]);

export function fuseAttention(g: Graph, ctx: PassContext): void {
  const outputs = new Set(g.outputs);
  for (let changed = true; changed;) {
    changed = false;
    const mt = new Matcher(g);
    for (const root of g.nodes) {
      if (root.op !== "MatMul") continue;
      const m = patterns.map((p) => mt.match(root, p)).find((x) => x);
      if (!m) continue;
      const sc = m.named.get("sc");
      let scale = m.consts.get("scale") ?? 1;
      if (sc?.op === "Div") scale = 1 / scale;
      const names = ["q", "k", "v"].map((x) => m.values.get(x)!);
      const mask = m.values.get("mask");
      if (names.some((x) => g.typeOf(x).shape.length !== 4) || !["f32", "f64"].includes(g.typeOf(names[0]!).dtype)) continue;
      if (mask && (g.typeOf(mask).shape.length > 4 || g.typeOf(mask).dtype !== g.typeOf(names[0]!).dtype)) continue;
      // Absorb single-use Transposes feeding Q, K, V.
      const drop = new Set(m.nodes);
      const operand = (name: string) => {
        const t = mt.producers.get(name);
        const uses = mt.consumers.get(name) ?? [];
        if (t?.op === "Transpose" && uses.length === 1 && !outputs.has(name) && t.attrs.perm?.type === "ints") {
          drop.add(t);
          return { src: t.inputs[0]!, perm: t.attrs.perm.value };
        }
        return { src: name, perm: [0, 1, 2, 3] };
      };
      const [q, kk, vv] = names.map(operand) as [ReturnType<typeof operand>, ReturnType<typeof operand>, ReturnType<typeof operand>];
      let out = root.outputs[0]!, outPerm = [0, 1, 2, 3];
      const users = mt.consumers.get(out) ?? [];
      if (users.length === 1 && users[0]!.op === "Transpose" && !outputs.has(out) && users[0]!.attrs.perm?.type === "ints") {
        drop.add(users[0]!);
        outPerm = users[0]!.attrs.perm.value;
        out = users[0]!.outputs[0]!;
      }
      const node: Node = {
        name: `${root.name}/attention`, op: ATTENTION, domain: "",
        inputs: [q.src, kk.src, vv.src, ...(mask ? [mask] : [])], outputs: [out],
        attrs: {
          scale: { type: "float", value: scale },
          q_perm: { type: "ints", value: q.perm }, k_perm: { type: "ints", value: kk.perm },
          v_perm: { type: "ints", value: vv.perm }, out_perm: { type: "ints", value: outPerm },
        },
      };
      const last = Math.max(...[...drop].map((n) => g.nodes.indexOf(n)));
      const anchor = g.nodes[last]!;
      g.nodes = g.nodes.flatMap((n) => (n === anchor ? [node] : drop.has(n) ? [] : [n]));
      bump(ctx, "attention");
      changed = true;
      break;
    }
  }
}

export default { name: "attention", minOptLevel: 2, run: fuseAttention } satisfies GraphPass;
