/**
 * @fileoverview Operator fusion by op kind, as TVM does it: an anchor (a Conv/Gemm/MatMul/pool,
 * a reduction, or an elementwise op) absorbs the chain of elementwise and broadcast ops that
 * consume it, and the group becomes one `edgec.Fused` node lowered as one kernel.
 * Counted patterns: act-epilogue, residual-epilogue, elementwise-chain, reduce-epilogue.
 */
import { Graph, Node, TensorType } from "../ir/graph.ts";
import { FUSED, kindOf } from "../ops/fused.ts";
import { DEQUANTIZE_WEIGHT } from "../ops/weight-dq.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

const ACTIVATIONS = new Set(["Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Gelu", "Elu", "Selu", "Softplus", "Mish", "Swish"]);
const RESIDUAL = new Set(["Add", "Sum", "Sub", "Mul"]);

/**
 * Ops in one group at most. Longer chains are split: a kernel's straight-line code stays a size
 * the C compiler and binaryen (whose optimiser re-nests single-use locals, and whose writer
 * recurses on nesting) handle in bounded depth.
 */
const MAX_GROUP = 64;

const sameShape = (a: TensorType, b: TensorType) => a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

export function fuseOps(g: Graph, ctx: PassContext): void {
  const consumers = g.consumers();
  const producers = g.producers();
  const outputs = new Set(g.outputs);
  const grouped = new Set<Node>();
  const replace = new Map<Node, Node>();
  for (const anchor of g.nodes) {
    if (grouped.has(anchor)) continue;
    const kind = kindOf(anchor);
    if (!["out-ewise-fusable", "reduce", "elemwise", "broadcast"].includes(kind) || anchor.op === FUSED) continue;
    // transpose-into-matmul: single-use Transposes of MatMul/Gemm operands become its access pattern;
    // a compact weight (edgec.DequantizeWeight) is unpacked where MatMul, Gemm or Conv reads it.
    const single = (i: string | undefined, ops: string[]): Node | undefined => {
      const t = i ? producers.get(i) : undefined;
      return t && ops.includes(t.op) && !grouped.has(t) && !outputs.has(i!) && (consumers.get(i!) ?? []).length === 1 ? t : undefined;
    };
    const prologue = ["MatMul", "Gemm", "Conv"].includes(anchor.op) ? anchor.inputs.flatMap((i) => {
      const t = single(i, anchor.op === "Conv" ? [DEQUANTIZE_WEIGHT] : [DEQUANTIZE_WEIGHT, "Transpose"]);
      if (!t) return [];
      // A transposed compact weight (MatMulNBits' [N, K]) is unpacked in the same access.
      const dw = t.op === "Transpose" ? single(t.inputs[0], [DEQUANTIZE_WEIGHT]) : undefined;
      return dw ? [dw, t] : [t];
    }) : [];
    const members = [...new Set(prologue), anchor];
    let cur = anchor;
    while (members.length < MAX_GROUP) {
      const live = cur.outputs.filter((o) => o);
      if (live.length !== 1 || cur.outputs.length !== 1) break;
      const v = live[0]!;
      const cs = consumers.get(v) ?? [];
      if (outputs.has(v) || cs.length !== 1) break;
      const next = cs[0]!;
      const nk = kindOf(next);
      if (grouped.has(next) || next.op === FUSED || (nk !== "elemwise" && nk !== "broadcast")) break;
      if (next.outputs.filter((o) => o).length !== 1 || !sameShape(g.typeOf(v), g.typeOf(next.outputs[0]!))) break;
      // The fused value must be read once by the consumer (x*x keeps two reads of one register, fine).
      members.push(next);
      cur = next;
    }
    if (members.length < 2) continue;
    for (const m of members) grouped.add(m);
    const transposes = prologue.filter((p) => p.op === "Transpose");
    bump(ctx, "weight-dequant", prologue.length - transposes.length);
    const patterns = [...transposes.map(() => "transpose-into-matmul"), ...patternNames(g, members.slice(prologue.length), kind)];
    for (const p of patterns) bump(ctx, p);
    replace.set(members[members.length - 1]!, makeFused(g, members, kind, patterns));
    for (const m of members.slice(0, -1)) replace.set(m, m);
  }
  g.nodes = g.nodes.flatMap((n) => {
    const r = replace.get(n);
    if (!r) return [n];
    return r === n ? [] : [r];
  });
}

function patternNames(g: Graph, members: Node[], kind: string): string[] {
  const out: string[] = [];
  if (members.length < 2) return out;
  if (kind === "out-ewise-fusable") {
    const linear = ["MatMul", "Gemm"].includes(members[0]!.op);
    for (const m of members.slice(1)) {
      const constOperand = m.inputs.some((i) => i && g.constants.has(i));
      if (ACTIVATIONS.has(m.op)) out.push("act-epilogue");
      else if (linear && m === members[1] && m.op === "Add" && constOperand) out.push("matmul-bias");
      else if (RESIDUAL.has(m.op) && m.inputs.some((i) => i && !g.constants.has(i) && !members.some((x) => x.outputs.includes(i)))) out.push("residual-epilogue");
    }
    if (out.length === 0) out.push("act-epilogue");
  } else if (kind === "reduce") {
    out.push("reduce-epilogue");
  } else {
    out.push("elementwise-chain");
  }
  return out;
}

function makeFused(g: Graph, members: Node[], kind: string, patterns: string[]): Node {
  const inner = new Set(members.flatMap((m) => m.outputs));
  const inputs: string[] = [];
  for (const m of members) for (const i of m.inputs) if (i && !inner.has(i) && !inputs.includes(i)) inputs.push(i);
  const last = members[members.length - 1]!;
  const body = new Graph();
  body.name = `${members[0]!.name}+${members.length - 1}`;
  body.opset = g.opset;
  body.inputs = inputs;
  body.outputs = [last.outputs[0]!];
  body.nodes = members;
  for (const m of members) for (const v of [...m.inputs, ...m.outputs]) if (v) body.types.set(v, g.typeOf(v));
  for (const i of inputs) { const t = g.constants.get(i); if (t) body.constants.set(i, t); }
  return {
    name: `${members[0]!.name}+fused`,
    op: FUSED,
    domain: "",
    inputs,
    outputs: [last.outputs[0]!],
    attrs: {
      body: { type: "graph", value: body },
      kind: { type: "string", value: kind },
      patterns: { type: "strings", value: patterns },
    },
  };
}

export default { name: "fuse-ops", minOptLevel: 2, run: fuseOps } satisfies GraphPass;
