/**
 * @fileoverview Prints Graph IR as text, deterministically:
 *
 *   graph @main opset 13 {
 *     input %x : f32[1,3,224,224]
 *     const %w = dense<f32[64,3,7,7] @weights:0>
 *     %y : f32[1,64,112,112] = Conv(%x, %w, _) {pads = [3, 3, 3, 3], strides = [2, 2]} name "conv1"
 *     output %y
 *   }
 *
 * Values are typed where they are defined; `value %v : T` lines carry any other known types.
 * Attributes print sorted by name; floats print as the shortest decimal that reads back exactly.
 */
import { Attr, Graph, Node, Tensor, TensorType, numel } from "../graph.ts";
import { bytesOf } from "../dtype.ts";
import { BlobStore, elementsStr, floatNum, hexStr, ident, intNum, ref, str, typeStr } from "./literals.ts";

export interface PrintGraphOptions {
  /** Tensors above `inlineLimit` elements go to this store instead of the text (as hex without it). */
  blobs?: BlobStore;
  /** Tensors with at most this many elements print their values; default 16. */
  inlineLimit?: number;
}

const sameType = (a: TensorType | undefined, b: TensorType | undefined): boolean =>
  !!a && !!b && a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

export function printGraph(g: Graph, opts: PrintGraphOptions = {}): string {
  return new GraphPrinter(opts).graph(g, "") + "\n";
}

class GraphPrinter {
  private inlineLimit: number;

  constructor(private opts: PrintGraphOptions) {
    this.inlineLimit = opts.inlineLimit ?? 16;
  }

  graph(g: Graph, indent: string): string {
    const ind = indent + "  ";
    const lines = [`graph ${ref("@", g.name)} opset ${g.opset} {`];
    const typed = new Set<string>();
    const valueType = (v: string): string => {
      const t = g.types.get(v);
      if (!t) return "";
      typed.add(v);
      return ` : ${typeStr(t)}`;
    };
    for (const i of g.inputs) lines.push(`${ind}input ${ref("%", i)}${valueType(i)}`);
    for (const [name, t] of g.constants) {
      const declared = g.types.get(name);
      // A constant's type is its tensor's unless the graph says otherwise.
      const ann = sameType(declared, t) ? (typed.add(name), "") : valueType(name);
      lines.push(`${ind}const ${ref("%", name)}${ann} = ${this.tensor(t)}`);
    }
    const nodeLines = g.nodes.map((n) => ind + this.node(n, valueType, ind));
    const extra: string[] = [];
    for (const [v, t] of g.types) if (!typed.has(v)) extra.push(`${ind}value ${ref("%", v)} : ${typeStr(t)}`);
    lines.push(...extra, ...nodeLines);
    for (const o of g.outputs) lines.push(`${ind}output ${ref("%", o)}`);
    lines.push(`${indent}}`);
    return lines.join("\n");
  }

  private node(n: Node, valueType: (v: string) => string, indent: string): string {
    const outs = n.outputs.map((o) => (o ? ref("%", o) + valueType(o) : "_"));
    const ins = n.inputs.map((i) => (i ? ref("%", i) : "_"));
    let s = `${outs.length ? outs.join(", ") + " = " : ""}${ident(n.op)}(${ins.join(", ")})`;
    const keys = Object.keys(n.attrs).sort();
    if (keys.length) s += ` {${keys.map((k) => `${ident(k)} = ${this.attr(n.attrs[k]!, indent)}`).join(", ")}}`;
    if (n.name) s += ` name ${str(n.name)}`;
    if (n.domain) s += ` domain ${str(n.domain)}`;
    return s;
  }

  private attr(a: Attr, indent: string): string {
    const list = (kind: string, xs: string[]) => (xs.length ? `[${xs.join(", ")}]` : `[] : ${kind}`);
    switch (a.type) {
      case "int": return intNum(a.value);
      case "float": return floatNum(a.value);
      case "string": return str(a.value);
      case "ints": return list("ints", a.value.map(intNum));
      case "floats": return list("floats", a.value.map(floatNum));
      case "strings": return list("strings", a.value.map(str));
      case "tensor": return this.tensor(a.value);
      case "graph": return this.graph(a.value, indent);
      case "graphs": return list("graphs", a.value.map((g) => this.graph(g, indent)));
    }
  }

  tensor(t: Tensor): string {
    const head = `dense<${typeStr(t)} `;
    const n = numel(t.shape);
    if (n <= this.inlineLimit) {
      const vals = elementsStr(t);
      if (vals !== undefined) return `${head}${vals}>`;
    }
    const bytes = bytesOf(t.data);
    const blobs = this.opts.blobs;
    if (blobs && n > this.inlineLimit) return `${head}${ref("@", blobs.name)}:${blobs.append(bytes)}>`;
    return `${head}${hexStr(bytes)}>`;
  }
}
