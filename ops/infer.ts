/**
 * @fileoverview Orders the graph topologically and infers every value's static type.
 */
import { Graph, Node, TensorType, numel, shapeStr } from "../ir/graph.ts";
import { fail, nodeError, q } from "../ir/diagnostics.ts";
import { OpCtx, getOp } from "./registry.ts";
import { upgradeLegacy } from "./legacy.ts";
import "./index.ts";

/** Sorts nodes so producers come first; a cycle or an undefined input is an error. */
export function topoSort(g: Graph): void {
  const producer = new Map<string, Node>();
  for (const n of g.nodes)
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || g.constants.has(o) || g.inputs.includes(o))
        nodeError(n, `output ${q(o)} is produced twice`, "each value must have one producer");
      producer.set(o, n);
    }
  const state = new Map<Node, 1 | 2>();
  const order: Node[] = [];
  const visit = (root: Node) => {
    // Iterative DFS: deep graphs must not overflow the stack.
    const stack: [Node, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [n, i] = top;
      if (i < n.inputs.length) {
        top[1]++;
        const inp = n.inputs[i]!;
        if (!inp) continue;
        const p = producer.get(inp);
        if (!p) {
          if (!g.types.has(inp)) nodeError(n, `input ${q(inp)} is not defined by any node, input or initializer`, "the model is malformed");
          continue;
        }
        const s = state.get(p);
        if (s === 1) nodeError(n, `the graph has a cycle through value ${q(inp)}`, "the model is malformed");
        if (s === undefined) {
          state.set(p, 1);
          stack.push([p, 0]);
        }
      } else {
        state.set(n, 2);
        order.push(n);
        stack.pop();
      }
    }
  };
  for (const n of g.nodes) if (!state.has(n)) visit(n);
  g.nodes = order;
  for (const o of g.outputs)
    if (!producer.has(o) && !g.types.has(o)) fail(`graph output ${q(o)} is not produced by any node`);
}

export function opCtx(g: Graph, n: Node): OpCtx {
  const types = n.inputs.map((i) => (i ? g.types.get(i) : undefined));
  const consts = n.inputs.map((i) => (i ? g.constants.get(i) : undefined));
  return new OpCtx(n, g.opset, types, consts);
}

const MAX_ELEMENTS = 2 ** 31 - 1;

/** Checks each node's op and attributes and assigns types to its outputs. */
export function inferTypes(g: Graph, afterNode?: (n: Node) => boolean): void {
  const kept: Node[] = [];
  // Generated kernels index with int32: larger tensors would overflow.
  for (const i of g.inputs) {
    const t = g.types.get(i);
    if (t && numel(t.shape) > MAX_ELEMENTS) fail(`input ${q(i)}: shape ${shapeStr(t.shape)} has more than 2^31-1 elements, which is not supported; use a smaller --input-shape`);
  }
  // Old-opset nodes are upgraded once their inputs have types (some rules need ranks).
  for (const n of (function* () { for (const x of g.nodes) yield* upgradeLegacy(g, x); })()) {
    if (n.domain !== "")
      nodeError(n, `op domain ${q(n.domain)} is not supported`, "only the default ONNX domain can be compiled");
    const def = n.op.startsWith("edgec.") ? undefined : getOp(n.op);
    if (!def) nodeError(n, "this op is not supported", "see the supported-op list in the README");
    for (const a of Object.keys(n.attrs))
      if (!def.attrs.includes(a)) nodeError(n, `attribute '${a}' is not supported`);
    for (let i = 0; i < (def.requiredInputs ?? 1); i++)
      if (!n.inputs[i]) nodeError(n, `input ${i} is required but missing`, "check the model was exported correctly");
    const outs: TensorType[] = def.infer(opCtx(g, n));
    n.outputs.forEach((o, i) => {
      if (!o) return;
      const t = outs[i];
      if (!t) nodeError(n, `output ${i} is not supported`, "remove the extra output");
      if (t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) nodeError(n, `inferred an invalid shape [${t.shape}]`);
      if (numel(t.shape) > MAX_ELEMENTS) nodeError(n, `output ${q(o)} would have shape ${shapeStr(t.shape)}, more than 2^31-1 elements`, "this is not supported; use smaller input shapes");
      g.types.set(o, t);
    });
    if (!afterNode?.(n)) kept.push(n);
  }
  g.nodes = kept;
  for (const o of g.outputs) if (!g.types.has(o)) fail(`graph output ${q(o)} has no type`);
}

