/**
 * @fileoverview Subgraphs of If, Loop and Scan: their types inferred for given input types; If
 * nodes whose condition is known at compile time replaced by the branch they take, and short
 * Loops with small bodies unrolled into straight-line code.
 */
import { Graph, Node, Tensor, TensorType, cloneGraph, shapeStr } from "../ir/graph.ts";
import { check, nodeError, q } from "../ir/diagnostics.ts";
import { capturesOf, makeCapturesExplicit } from "../ir/captures.ts";
import { inferTypes, topoSort } from "./infer.ts";

/**
 * Folds node `n` of a subgraph when its inputs are known, returning whether it did; inference runs
 * it on each node. Folding lowers and evaluates ops, which the layers above the op library do:
 * passes/fold-constants.ts installs it. Until then subgraph nodes are left to run.
 */
export type SubgraphFolder = (g: Graph, n: Node, outputs: Set<string>) => boolean;
let folder: SubgraphFolder = () => false;
export function installSubgraphFolder(f: SubgraphFolder): void {
  folder = f;
}

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
  inferTypes(sub, (n) => folder(sub, n, outputs));
  simplifyControlFlow(sub);
  return sub;
}

/** Values of graph `g` as subgraph inputs: their types, and their values where constant. */
export function bodyInputs(g: Graph, names: readonly string[]): BodyInput[] {
  return names.map((v) => ({ type: g.typeOf(v), value: g.constants.get(v) }));
}

/**
 * Splices a prepared subgraph's nodes into `out`, its values renamed under `prefix` except those
 * `bind` maps (inputs and captures, to enclosing values). Output i takes the name targets[i] when
 * given; returns the enclosing name of each output.
 */
function splice(g: Graph, out: Node[], sub: Graph, prefix: string, bind: Map<string, string>, targets: (string | undefined)[]): string[] {
  const rename = new Map(bind);
  const producers = sub.producers();
  // An output computed by a subgraph node takes its target name directly.
  const direct = new Set<string>();
  sub.outputs.forEach((o, i) => {
    const t = targets[i];
    if (t && producers.has(o) && !rename.has(o)) { rename.set(o, t); direct.add(o); }
  });
  const r = (v: string) => (v === "" ? "" : rename.get(v) ?? `${prefix}/${v}`);
  for (const [k, t] of sub.constants) if (!bind.has(k)) g.constants.set(r(k), t);
  for (const [k, t] of sub.types) if (!bind.has(k)) g.types.set(r(k), t);
  for (const m of sub.nodes) out.push({ ...m, name: `${prefix}/${m.name}`, inputs: m.inputs.map(r), outputs: m.outputs.map(r) });
  return sub.outputs.map((o, i) => {
    const t = targets[i], src = r(o);
    if (!t || src === t) return src;
    const c = g.constants.get(src);
    if (c) g.constants.set(t, c);
    else out.push({ name: `${prefix}/output${i}`, op: "Identity", domain: "", inputs: [src], outputs: [t], attrs: {} });
    return t;
  });
}

/** Inlines constant-condition Ifs, then unrolls small Loops (see unrollLoop). */
export function simplifyControlFlow(g: Graph): void {
  const out: Node[] = [];
  for (const n of g.nodes) {
    const inlined = n.op === "If" ? inlineIf(g, n) : n.op === "Loop" ? unrollLoop(g, n) : undefined;
    out.push(...(inlined ?? [n]));
  }
  g.nodes = out;
}

/** The nodes of the branch an If takes, when its condition is a constant, renamed under its name. */
function inlineIf(g: Graph, n: Node): Node[] | undefined {
  const cond = g.constants.get(n.inputs[0] ?? "");
  if (!cond) return undefined;
  const branch = Number(cond.data[0]) ? n.attrs.then_branch : n.attrs.else_branch;
  check(branch?.type === "graph", "If without its branch after inference");
  const { names, declared } = capturesOf(n);
  const sub = prepareSubgraph(n, branch.value, [], bodyInputs(g, n.inputs.slice(declared)), "branch");
  const out: Node[] = [];
  splice(g, out, sub, n.name, new Map(names.map((c, i) => [c, n.inputs[declared + i]!])), n.outputs.map((o) => o || undefined));
  return out;
}

/** Loops this short, with bodies this small, become straight-line code (iteration number known). */
const MAX_UNROLL_TRIPS = 4;
const MAX_UNROLL_BODY_NODES = 8;

const scalarOf = (dtype: "i64" | "bool", v: number): Tensor =>
  ({ dtype, shape: [], data: dtype === "i64" ? new BigInt64Array([BigInt(v)]) : new Uint8Array([v]) });

/**
 * A Loop with a constant trip count of at most MAX_UNROLL_TRIPS whose condition stays true,
 * spliced once per iteration with the iteration number a constant; scan outputs are the
 * iterations' values, each reshaped with a leading 1, concatenated.
 */
function unrollLoop(g: Graph, n: Node): Node[] | undefined {
  const m = g.constants.get(n.inputs[0] ?? "");
  const trips = m ? Number(m.data[0]) : 0;
  const cond = n.inputs[1] ? g.constants.get(n.inputs[1]) : scalarOf("bool", 1);
  const body = n.attrs.body;
  if (trips < 1 || trips > MAX_UNROLL_TRIPS || !cond || !Number(cond.data[0]) || body?.type !== "graph" || g.opset < 5) return undefined;
  const { names, declared } = capturesOf(n);
  const carried = declared - 2;
  const caps = bodyInputs(g, n.inputs.slice(declared));
  const carriedNames = body.value.inputs.slice(2);
  // Every iteration is prepared before anything is spliced: a loop unrolls whole or not at all.
  const iters: Graph[] = [];
  let types = n.inputs.slice(2, declared).map((v) => ({ type: g.typeOf(v), value: g.constants.get(v) }));
  for (let t = 0; t < trips; t++) {
    const sub = prepareSubgraph(n, body.value, [{ type: { dtype: "i64", shape: [] }, value: scalarOf("i64", t) },
      { type: { dtype: "bool", shape: [] }, value: scalarOf("bool", 1) }, ...types], caps, "body");
    const c = sub.constants.get(sub.outputs[0] ?? "");
    if (!c || !Number(c.data[0]) || sub.nodes.length > MAX_UNROLL_BODY_NODES) return undefined;
    // Empty scan values would read as Reshape's copy-this-dim zeros.
    if (sub.outputs.slice(1 + carried).some((o) => sub.typeOf(o).shape.includes(0))) return undefined;
    iters.push(sub);
    types = sub.outputs.slice(1, 1 + carried).map((o) => ({ type: sub.typeOf(o), value: sub.constants.get(o) }));
  }
  const out: Node[] = [];
  let cur = n.inputs.slice(2, declared);
  const scans: string[][] = [];
  iters.forEach((sub, t) => {
    const bind = new Map(names.map((c, i) => [c, n.inputs[declared + i]!]));
    carriedNames.forEach((v, k) => bind.set(v, cur[k]!));
    const last = t === trips - 1;
    const targets = sub.outputs.map((_, i) => (last && i >= 1 && i <= carried ? n.outputs[i - 1] || undefined : undefined));
    const where = splice(g, out, sub, `${n.name}/it${t}`, bind, targets);
    cur = where.slice(1, 1 + carried);
    scans.push(where.slice(1 + carried));
  });
  scans[0]?.forEach((_, j) => {
    const target = n.outputs[carried + j];
    if (!target) return;
    const t = g.typeOf(target);
    const shape = { dtype: "i64" as const, shape: [t.shape.length], data: new BigInt64Array([1n, ...t.shape.slice(1).map(BigInt)]) };
    const shapeName = `${n.name}/scan${j}_shape`;
    g.constants.set(shapeName, shape);
    g.types.set(shapeName, { dtype: "i64", shape: shape.shape });
    const parts = scans.map((it, k) => {
      const v = `${n.name}/it${k}/scan${j}`;
      g.types.set(v, { dtype: t.dtype, shape: [1, ...t.shape.slice(1)] });
      out.push({ name: v, op: "Reshape", domain: "", inputs: [it[j]!, shapeName], outputs: [v], attrs: {} });
      return v;
    });
    out.push({ name: `${n.name}/scan${j}`, op: "Concat", domain: "", inputs: parts, outputs: [target], attrs: { axis: { type: "int", value: 0 } } });
  });
  return out;
}
