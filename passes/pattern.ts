/**
 * @fileoverview A small dataflow pattern language for graph rewrites.
 *   op("Mul", [v("x"), op("Sigmoid", [v("x")])])   matches x * sigmoid(x)
 * A pattern matches the node producing a value; v(name) binds a value (repeated names must
 * match the same value); k(pred) matches a constant scalar. Intermediate values inside a match
 * must have no consumers outside it, so the rewrite can delete them.
 */
import { getNumber } from "../ir/dtype.ts";
import { Graph, Node, Tensor, numel } from "../ir/graph.ts";

export type Pat =
  | { kind: "op"; ops: string[]; inputs?: Pat[]; commutative: boolean; as?: string; attrs?: (n: Node) => boolean }
  | { kind: "value"; name: string }
  | { kind: "const"; pred: (v: number) => boolean; as?: string };

export const op = (ops: string | string[], inputs?: Pat[], opts: { as?: string; attrs?: (n: Node) => boolean } = {}): Pat =>
  ({ kind: "op", ops: typeof ops === "string" ? [ops] : ops, inputs, commutative: ["Add", "Mul"].includes(String(ops)), ...opts });
export const v = (name: string): Pat => ({ kind: "value", name });
/** A constant holding one value (any shape with a single element) that satisfies pred. */
export const k = (pred: number | ((x: number) => boolean), as?: string): Pat =>
  ({ kind: "const", pred: typeof pred === "number" ? (x) => Math.abs(x - pred) <= 1e-4 * Math.max(1, Math.abs(pred)) : pred, as });

export interface Match {
  root: Node;
  nodes: Node[];
  values: Map<string, string>;
  named: Map<string, Node>;
  consts: Map<string, number>;
}

export class Matcher {
  readonly producers: Map<string, Node>;
  readonly consumers: Map<string, Node[]>;
  constructor(readonly g: Graph) {
    this.producers = g.producers();
    this.consumers = g.consumers();
  }

  scalar(name: string): number | undefined {
    const t: Tensor | undefined = this.g.constants.get(name);
    return t && numel(t.shape) === 1 ? getNumber(t.data, 0) : undefined;
  }

  /** Matches `p` against the node producing value `root`'s outputs[0]. */
  match(root: Node, p: Pat): Match | undefined {
    const m: Match = { root, nodes: [], values: new Map(), named: new Map(), consts: new Map() };
    if (p.kind !== "op" || !this.node(root, p, m)) return undefined;
    // Everything but the root must be private to the match.
    const inside = new Set(m.nodes);
    for (const n of m.nodes) {
      if (n === root) continue;
      for (const o of n.outputs) {
        if (!o) continue;
        if (this.g.outputs.includes(o)) return undefined;
        if ((this.consumers.get(o) ?? []).some((c) => !inside.has(c))) return undefined;
      }
    }
    return m;
  }

  private node(n: Node, p: Extract<Pat, { kind: "op" }>, m: Match): boolean {
    if (!p.ops.includes(n.op) || (p.attrs && !p.attrs(n))) return false;
    if (p.inputs) {
      // Trailing constant inputs (axes of a Reduce*, say) are the attributes' business.
      const all = n.inputs.filter((i) => i);
      if (all.length < p.inputs.length || all.slice(p.inputs.length).some((i) => !this.g.constants.has(i))) return false;
      const ins = all.slice(0, p.inputs.length);
      const tryOrder = (order: string[]) => {
        const snap = { nodes: m.nodes.length, values: new Map(m.values), named: new Map(m.named), consts: new Map(m.consts) };
        if (order.every((val, i) => this.value(val, p.inputs![i]!, m))) return true;
        m.nodes.length = snap.nodes; m.values = snap.values; m.named = snap.named; m.consts = snap.consts;
        return false;
      };
      if (!tryOrder(ins) && !(p.commutative && ins.length === 2 && tryOrder([ins[1]!, ins[0]!]))) return false;
    }
    m.nodes.push(n);
    if (p.as) { m.named.set(p.as, n); m.values.set(p.as, n.outputs[0]!); }
    return true;
  }

  private value(val: string, p: Pat, m: Match): boolean {
    if (p.kind === "value") {
      const prev = m.values.get(p.name);
      if (prev !== undefined) return prev === val;
      m.values.set(p.name, val);
      return true;
    }
    if (p.kind === "const") {
      const x = this.scalar(val);
      if (x === undefined || !p.pred(x)) return false;
      if (p.as) { m.consts.set(p.as, x); m.values.set(p.as, val); }
      return true;
    }
    const prod = this.producers.get(val);
    return !!prod && this.node(prod, p, m);
  }
}

/** Replaces the matched nodes by `replacement` nodes placed where the root was. */
export function replaceMatch(g: Graph, m: Match, replacement: Node[]): void {
  const drop = new Set(m.nodes);
  const at = g.nodes.indexOf(m.root);
  g.nodes = [...g.nodes.slice(0, at).filter((n) => !drop.has(n)), ...replacement, ...g.nodes.slice(at + 1).filter((n) => !drop.has(n))];
}

/** Rewrites every match of `pat` (roots in graph order) with `rewrite`; returns the count. */
export function rewriteAll(g: Graph, pat: Pat, rewrite: (m: Match, mt: Matcher) => Node[] | undefined): number {
  let count = 0;
  for (let changed = true; changed;) {
    changed = false;
    const mt = new Matcher(g);
    for (const n of g.nodes) {
      const m = mt.match(n, pat);
      if (!m) continue;
      const rep = rewrite(m, mt);
      if (!rep) continue;
      replaceMatch(g, m, rep);
      count++;
      changed = true;
      break;
    }
  }
  return count;
}

/** The reduced axes of a Reduce* node if it reduces exactly the last axis of a rank-r input. */
export function reducesLastAxis(g: Graph, n: Node): boolean {
  const r = g.typeOf(n.inputs[0]!).shape.length;
  let axes: number[] | undefined;
  const a = n.attrs.axes;
  if (a && a.type === "ints") axes = a.value;
  else if (n.inputs[1] && g.constants.has(n.inputs[1])) axes = Array.from(g.constants.get(n.inputs[1])!.data, Number);
  const keep = n.attrs.keepdims?.type === "int" ? n.attrs.keepdims.value : 1;
  return keep === 1 && !!axes && axes.length === 1 && (axes[0] === -1 || axes[0] === r - 1);
}
