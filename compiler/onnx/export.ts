/**
 * @fileoverview Graph IR → ONNX ModelProto bytes: the inverse of import.ts for the graphs the
 * quantize command writes (constants as initializers, inputs/outputs with their types).
 */
import type { onnx as O } from "onnx-proto";
import { onnxCode } from "../../ir/dtype.ts";
import { Attr, Graph, TensorType } from "../../ir/graph.ts";
import { fail, q } from "../../ir/diagnostics.ts";
import { encodeTensor, onnx } from "./tensor.ts";

const ML = "ai.onnx.ml.";

function valueInfo(name: string, t: TensorType): O.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnxCode(t.dtype), shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } } };
}

function attribute(name: string, a: Attr, node: string): O.IAttributeProto {
  switch (a.type) {
    case "int": return { name, type: 2, i: a.value };
    case "float": return { name, type: 1, f: a.value };
    case "string": return { name, type: 3, s: new TextEncoder().encode(a.value) };
    case "ints": return { name, type: 7, ints: a.value };
    case "floats": return { name, type: 6, floats: a.value };
    case "strings": return { name, type: 8, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case "tensor": return { name, type: 4, t: encodeTensor(a.value) };
    // Subgraphs would need their captures written back; no caller needs them yet.
    default: return fail(`node ${q(node)}: attribute '${name}' holds a subgraph, which cannot be written back to ONNX yet`);
  }
}

/** Encodes `g` as an ONNX model at opset `opset` (g.opset by default). */
export function exportModel(g: Graph, opts: { opset?: number; producer?: string } = {}): Uint8Array {
  const used = new Set(g.nodes.flatMap((n) => n.inputs).concat(g.outputs));
  const initializer = [...g.constants].filter(([name]) => used.has(name)).map(([name, t]) => encodeTensor(t, name));
  let ml = false;
  const node = g.nodes.map((n): O.INodeProto => {
    const isMl = n.op.startsWith(ML);
    ml ||= isMl;
    return {
      name: n.name, opType: isMl ? n.op.slice(ML.length) : n.op, domain: isMl ? "ai.onnx.ml" : n.domain,
      input: n.inputs, output: n.outputs,
      attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a, n.name)),
    };
  });
  const domains = new Set(g.nodes.map((n) => n.domain).filter((d) => d !== ""));
  const graph: O.IGraphProto = {
    name: g.name, node, initializer,
    input: g.inputs.map((i) => valueInfo(i, g.typeOf(i))),
    output: g.outputs.map((o) => valueInfo(o, g.typeOf(o))),
  };
  const opset = opts.opset ?? g.opset;
  // The oldest IR version that knows the opset's types (int4 came with IR 10 and opset 21).
  const model = onnx.ModelProto.create({
    irVersion: opset >= 21 ? 10 : opset >= 19 ? 9 : 8, producerName: opts.producer ?? "edgec",
    opsetImport: [{ domain: "", version: opset }, ...(ml ? [{ domain: "ai.onnx.ml", version: 3 }] : []),
      ...[...domains].map((domain) => ({ domain, version: 1 }))],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
