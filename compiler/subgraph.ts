/**
 * @fileoverview Subgraphs of If, Loop and Scan: their types inferred for given input types, and
 * If nodes whose condition is known at compile time replaced by the branch they take.
 */
import { Graph, Node, Tensor, TensorType, cloneGraph, shapeStr } from "../ir/graph.ts";
import { foldNode } from "../passes/fold-constants.ts";
import { check, nodeError, q } from "./diagnostics.ts";
import { capturesOf, makeCapturesExplicit } from "./captures.ts";
import { inferTypes, topoSort } from "./infer.ts";

/** One subgraph input: its type, and its value when known at compile time. */
export interface BodyInput {
  type: TensorType;
  value?: Tensor;
}

/**
 * Infers a subgraph for the given input types (in the subgraph's input order) and captured values
 * (in CAPTURES order), folding what is known. Inputs and captures with a value become constants;
 * the rest are the returned graph's runtime inputs.
 */
export function prepareSubgraph(owner: Node, body: Graph, inputs: BodyInput[], captures: BodyInput[], what: string): Graph {
  const sub = cloneGraph(body);
  if (inputs.length !== sub.inputs.length)
    nodeError(owner, `the ${what} has ${sub.inputs.length} inputs, expected ${inputs.length}`, "the model is malformed");
  const { names } = capturesOf(owner);
  check(names.length === captures.length, "captures and their values differ in number");
  const bind = (name: string, b: BodyInput, declared: boolean) => {
    const t = sub.types.get(name);
    if (declared && t && (t.dtype !== b.type.dtype || (t.shape.length === b.type.shape.length && t.shape.some((d, i) => d > 0 && d !== b.type.shape[i]))))
      nodeError(owner, `${what} input ${q(name)} is declared ${t.dtype}${shapeStr(t.shape)} but receives ${b.type.dtype}${shapeStr(b.type.shape)}`,
        "loop-carried values must keep their type and shape");
    sub.types.set(name, b.type);
    if (b.value) sub.constants.set(name, b.value);
  };
  sub.inputs.forEach((name, i) => bind(name, inputs[i]!, true));
  names.forEach((name, i) => bind(name, captures[i]!, false));
  sub.inputs = [...sub.inputs, ...names].filter((name) => !sub.constants.has(name));
  makeCapturesExplicit(sub);
  topoSort(sub);
  const outputs = new Set(sub.outputs);
  inferTypes(sub, (n) => n.op !== "DequantizeLinear" && foldNode(sub, n, outputs));
  inlineConstantIfs(sub);
  return sub;
}

/** The inputs of a node from `from` on, as BodyInputs of graph `g` (undefined where omitted). */
export function bodyInputs(g: Graph, names: readonly string[]): BodyInput[] {
  return names.map((v) => ({ type: g.typeOf(v), value: g.constants.get(v) }));
}

/**
 * Replaces every If whose condition is a constant by the nodes of the branch it takes, renamed
 * under the If's name; the branch's outputs become the If's outputs.
 */
export function inlineConstantIfs(g: Graph): void {
  const out: Node[] = [];
  for (const n of g.nodes) {
    const cond = n.op === "If" ? g.constants.get(n.inputs[0] ?? "") : undefined;
    if (!cond) { out.push(n); continue; }
    const branch = Number(cond.data[0]) ? n.attrs.then_branch : n.attrs.else_branch;
    check(branch?.type === "graph", "If without its branch after inference");
    const { names, declared } = capturesOf(n);
    const caps = bodyInputs(g, n.inputs.slice(declared));
    const sub = prepareSubgraph(n, branch.value, [], caps, "branch");
    const rename = new Map<string, string>();
    names.forEach((c, i) => rename.set(c, n.inputs[declared + i]!));
    const producers = sub.producers();
    // A branch output computed by a branch node takes the If output's name directly.
    const direct = new Set<string>();
    sub.outputs.forEach((o, i) => {
      const target = n.outputs[i];
      if (target && producers.has(o) && !rename.has(o) && !direct.has(o) && !sub.outputs.slice(0, i).includes(o)) {
        rename.set(o, target);
        direct.add(o);
      }
    });
    const r = (v: string) => (v === "" ? "" : rename.get(v) ?? `${n.name}/${v}`);
    for (const [k, t] of sub.constants) if (!names.includes(k)) g.constants.set(r(k), t);
    for (const [k, t] of sub.types) if (!names.includes(k)) g.types.set(r(k), t);
    for (const m of sub.nodes) out.push({ ...m, name: `${n.name}/${m.name}`, inputs: m.inputs.map(r), outputs: m.outputs.map(r) });
    sub.outputs.forEach((o, i) => {
      const target = n.outputs[i];
      if (!target || direct.has(o)) return;
      const src = r(o);
      const c = g.constants.get(src);
      if (c) g.constants.set(target, c);
      else out.push({ name: `${n.name}/output${i}`, op: "Identity", domain: "", inputs: [src], outputs: [target], attrs: {} });
    });
  }
  g.nodes = out;
}
