/**
 * @fileoverview Graph IR: values with static shape and dtype, nodes, constant tensors.
 */
import { DType, TypedArray, allocArray } from "./dtype.ts";

export interface TensorType {
  dtype: DType;
  shape: number[];
}

/** A constant tensor: shape, dtype and little-endian element storage. */
export interface Tensor extends TensorType {
  data: TypedArray;
  /** How the data follows from a smaller constant, for targets that compute it when loading. */
  derivedFrom?: Derivation;
}

/** Winograd weights U of a [m, ch, 3, 3] f32 kernel (ir/winograd-weights.ts). */
export interface Derivation {
  kind: "winograd";
  source: Tensor;
  m: number;
  ch: number;
}

export type Attr =
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "string"; value: string }
  | { type: "ints"; value: number[] }
  | { type: "floats"; value: number[] }
  | { type: "strings"; value: string[] }
  | { type: "tensor"; value: Tensor }
  | { type: "graph"; value: Graph }
  | { type: "graphs"; value: Graph[] };

export interface Node {
  name: string;
  op: string;
  domain: string;
  /** Value names; "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

export class Graph {
  name = "graph";
  /** Runtime inputs supplied by the caller, in order. */
  inputs: string[] = [];
  outputs: string[] = [];
  nodes: Node[] = [];
  /** Type of every value: inputs, constants and node outputs. */
  types = new Map<string, TensorType>();
  /** Values known at compile time (initializers, folded results). */
  constants = new Map<string, Tensor>();
  /** The default-domain opset the model imports. */
  opset = 13;

  typeOf(name: string): TensorType {
    const t = this.types.get(name);
    if (!t) throw new Error(`value '${name}' has no type`);
    return t;
  }

  /** Map from value name to the nodes that read it. */
  consumers(): Map<string, Node[]> {
    const m = new Map<string, Node[]>();
    for (const n of this.nodes)
      for (const i of n.inputs) {
        if (!i) continue;
        let l = m.get(i);
        if (!l) m.set(i, (l = []));
        if (!l.includes(n)) l.push(n);
      }
    return m;
  }

  producers(): Map<string, Node> {
    const m = new Map<string, Node>();
    for (const n of this.nodes) for (const o of n.outputs) if (o) m.set(o, n);
    return m;
  }
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function makeTensor(dtype: DType, shape: number[], data?: TypedArray): Tensor {
  return { dtype, shape, data: data ?? allocArray(dtype, numel(shape)) };
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export const shapeStr = (s: readonly number[]): string => `[${s.join("x")}]`;

/** Copies the graph's structure (nodes, maps); tensors and attribute values are shared. */
export function cloneGraph(g: Graph): Graph {
  const c = new Graph();
  c.name = g.name;
  c.opset = g.opset;
  c.inputs = [...g.inputs];
  c.outputs = [...g.outputs];
  c.nodes = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } }));
  c.types = new Map(g.types);
  c.constants = new Map(g.constants);
  return c;
}
