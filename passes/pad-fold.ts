/**
 * @fileoverview pad-fold: folds a zero constant Pad of the spatial dims into the pads of the
 * Conv (or count_include_pad AveragePool) that consumes it.
 *   Conv(Pad(x, p)) -> Conv(x, pads += p)
 */
import { getNumber, toNumbers } from "../ir/dtype.ts";
import { Graph, Node } from "../ir/graph.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

function padSpec(g: Graph, pad: Node): number[] | undefined {
  const mode = pad.attrs.mode?.type === "string" ? pad.attrs.mode.value : "constant";
  if (mode !== "constant") return undefined;
  let pads: number[] | undefined, value = 0;
  if (pad.attrs.pads?.type === "ints") {
    pads = pad.attrs.pads.value;
    if (pad.attrs.value?.type === "float") value = pad.attrs.value.value;
  } else {
    const p = pad.inputs[1] && g.constants.get(pad.inputs[1]);
    if (!p) return undefined;
    pads = toNumbers(p.data);
    if (pad.inputs[2]) {
      const cv = g.constants.get(pad.inputs[2]);
      if (!cv) return undefined;
      value = cv.data.length ? getNumber(cv.data, 0) : 0;
    }
    if (pad.inputs[3]) return undefined; // axes input: rare, not folded
  }
  return value === 0 && pads.every((x) => x >= 0) ? pads : undefined;
}

export function foldPad(g: Graph, ctx: PassContext): void {
  const consumers = g.consumers();
  const outputs = new Set(g.outputs);
  const removed = new Set<Node>();
  for (const pad of g.nodes) {
    if (pad.op !== "Pad") continue;
    const y = pad.outputs[0]!;
    const users = consumers.get(y) ?? [];
    if (outputs.has(y) || users.length !== 1) continue;
    const user = users[0]!;
    const includePad = user.attrs.count_include_pad?.type === "int" && user.attrs.count_include_pad.value === 1;
    if (!(user.op === "Conv" || (user.op === "AveragePool" && includePad)) || user.inputs[0] !== y) continue;
    if (user.attrs.auto_pad?.type === "string" && user.attrs.auto_pad.value !== "NOTSET") continue;
    const pads = padSpec(g, pad);
    const r = g.typeOf(y).shape.length;
    if (!pads || pads.length !== 2 * r || pads[0] || pads[1] || pads[r] || pads[r + 1]) continue;
    const n = r - 2;
    const old = user.attrs.pads?.type === "ints" ? user.attrs.pads.value : new Array(2 * n).fill(0);
    const merged = old.map((p, i) => p + pads[(i < n ? 2 : r + 2) + (i % n)]!);
    user.attrs = { ...user.attrs, pads: { type: "ints", value: merged } };
    user.inputs = [pad.inputs[0]!, ...user.inputs.slice(1)];
    removed.add(pad);
    bump(ctx, "pad-fold");
  }
  g.nodes = g.nodes.filter((x) => !removed.has(x));
}

export default { name: "pad-fold", minOptLevel: 1, run: foldPad } satisfies GraphPass;
