/**
 * @fileoverview Reads of enclosing values by subgraphs, made explicit: a node owning subgraphs
 * gets them as trailing inputs, so ordering, liveness and passes see them like any other input.
 */
import { Graph, Node } from "./graph.ts";

/**
 * The attribute listing, in order, the names a node's subgraphs read from enclosing scopes; its
 * trailing inputs are the enclosing values bound to them. The dot keeps it out of ONNX's namespace.
 */
export const CAPTURES = "edgec.captures";

const subgraphsOf = (n: Node): Graph[] =>
  Object.values(n.attrs).flatMap((a) => (a.type === "graph" ? [a.value] : a.type === "graphs" ? a.value : []));

/** Names `sub` (and the subgraphs inside it) read but do not define, in first-read order. */
export function freeValues(sub: Graph): string[] {
  const defined = new Set<string>([...sub.inputs, ...sub.constants.keys()]);
  for (const n of sub.nodes) for (const o of n.outputs) if (o) defined.add(o);
  const free: string[] = [];
  const use = (v: string) => { if (v && !defined.has(v) && !free.includes(v)) free.push(v); };
  for (const n of sub.nodes) {
    n.inputs.forEach(use);
    // A node already made explicit lists its captures as inputs.
    if (!n.attrs[CAPTURES]) for (const s of subgraphsOf(n)) freeValues(s).forEach(use);
  }
  sub.outputs.forEach(use);
  return free;
}

/** Appends each subgraph-owning node's reads of enclosing values to its inputs (see CAPTURES). */
export function makeCapturesExplicit(g: Graph): void {
  for (const n of g.nodes) {
    if (n.attrs[CAPTURES]) continue;
    const subs = subgraphsOf(n);
    if (!subs.length) continue;
    const free: string[] = [];
    for (const s of subs) for (const v of freeValues(s)) if (!free.includes(v)) free.push(v);
    n.attrs[CAPTURES] = { type: "strings", value: free };
    n.inputs.push(...free);
  }
}

/** The captured names of a node and how many inputs it declares before them. */
export function capturesOf(n: Node): { names: string[]; declared: number } {
  const a = n.attrs[CAPTURES];
  const names = a?.type === "strings" ? a.value : [];
  return { names, declared: n.inputs.length - names.length };
}

