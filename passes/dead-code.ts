/**
 * @fileoverview Removes nodes none of whose outputs reach a graph output, and unused constants.
 */
import { Graph } from "../ir/graph.ts";
import { GraphPass } from "./pass.ts";

export function eliminateDeadCode(g: Graph): void {
  const live = new Set(g.outputs);
  const keep = new Array<boolean>(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (n.outputs.some((o) => o && live.has(o))) {
      keep[i] = true;
      for (const x of n.inputs) if (x) live.add(x);
    }
  }
  g.nodes = g.nodes.filter((_, i) => keep[i]);
  for (const name of [...g.constants.keys()]) if (!live.has(name)) g.constants.delete(name);
  for (const name of [...g.types.keys()])
    if (!live.has(name) && !g.inputs.includes(name) && !g.nodes.some((n) => n.outputs.includes(name))) g.types.delete(name);
}

export default { name: "dead-code", minOptLevel: 1, run: (g) => eliminateDeadCode(g) } satisfies GraphPass;
