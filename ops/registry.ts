/**
 * @fileoverview The op registry: each ONNX op is declared once with its attributes, shape/dtype
 * inference, fusion kind and compute definition.
 */
import { DType } from "../ir/dtype.ts";
import { Attr, Node, Tensor, TensorType, shapeStr } from "../ir/graph.ts";
import { TensorRef } from "../ir/tir.ts";
import { NeedsConstError, nodeError } from "../ir/diagnostics.ts";
import { TE } from "./te.ts";

/** Fusion kinds, as TVM names them; fusion decides by kind, never by op name. */
export type OpKind = "elemwise" | "broadcast" | "injective" | "reduce" | "out-ewise-fusable" | "opaque";

export class OpCtx {
  constructor(
    readonly node: Node,
    readonly opset: number,
    /** Types of the node's inputs; undefined where an optional input is omitted. */
    readonly inputs: (TensorType | undefined)[],
    private readonly consts: (Tensor | undefined)[],
  ) {}

  fail(what: string, fix?: string): never {
    return nodeError(this.node, what, fix);
  }

  has(i: number): boolean {
    return this.inputs[i] !== undefined;
  }

  input(i: number): TensorType {
    const t = this.inputs[i];
    if (!t) this.fail(`input ${i} is required but missing`, "check the model was exported correctly");
    return t;
  }

  /** The compile-time value of input i, if it is a constant. */
  constant(i: number): Tensor | undefined {
    return this.consts[i];
  }

  /** The value of input i, which this op needs at compile time. */
  requireConst(i: number, what: string): Tensor {
    const t = this.consts[i];
    if (!t) {
      try {
        this.fail(`${what} (input ${i}) must be known at compile time`,
          "make it an initializer, or freeze the graph input with --freeze-input NAME=FILE.pb");
      } catch (e) {
        throw new NeedsConstError((e as Error).message, this.node.inputs[i] ?? "");
      }
    }
    return t;
  }

  private attr(name: string): Attr | undefined {
    return this.node.attrs[name];
  }

  hasAttr(name: string): boolean {
    return this.attr(name) !== undefined;
  }

  int(name: string, def?: number): number {
    const a = this.attr(name);
    if (!a) return def ?? this.fail(`attribute '${name}' is required`);
    if (a.type !== "int") this.fail(`attribute '${name}' must be an int, got ${a.type}`);
    return a.value;
  }

  float(name: string, def?: number): number {
    const a = this.attr(name);
    if (!a) return def ?? this.fail(`attribute '${name}' is required`);
    if (a.type === "int") return a.value;
    if (a.type !== "float") this.fail(`attribute '${name}' must be a float, got ${a.type}`);
    return a.value;
  }

  ints(name: string, def?: number[]): number[] {
    const a = this.attr(name);
    if (!a) return def ?? this.fail(`attribute '${name}' is required`);
    if (a.type !== "ints") this.fail(`attribute '${name}' must be a list of ints, got ${a.type}`);
    return a.value;
  }

  floats(name: string, def?: number[]): number[] {
    const a = this.attr(name);
    if (!a) return def ?? this.fail(`attribute '${name}' is required`);
    if (a.type !== "floats") this.fail(`attribute '${name}' must be a list of floats, got ${a.type}`);
    return a.value;
  }

  string(name: string, def?: string): string {
    const a = this.attr(name);
    if (!a) return def ?? this.fail(`attribute '${name}' is required`);
    if (a.type !== "string") this.fail(`attribute '${name}' must be a string, got ${a.type}`);
    return a.value;
  }

  strings(name: string, def?: string[]): string[] {
    const a = this.attr(name);
    if (!a) return def ?? this.fail(`attribute '${name}' is required`);
    if (a.type !== "strings") this.fail(`attribute '${name}' must be a list of strings, got ${a.type}`);
    return a.value;
  }

  tensor(name: string): Tensor | undefined {
    const a = this.attr(name);
    if (!a) return undefined;
    if (a.type !== "tensor") this.fail(`attribute '${name}' must be a tensor, got ${a.type}`);
    return a.value;
  }

  /** Normalises a possibly negative axis against `rank`. */
  axis(a: number, rank: number, what = "axis"): number {
    if (!Number.isInteger(a)) this.fail(`${what} ${a} is not an integer`);
    if (a < -rank || a >= Math.max(rank, 1)) this.fail(`${what} ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  }

  dtypeIn(t: DType, allowed: readonly DType[], what = "input"): void {
    if (!allowed.includes(t)) this.fail(`${what} type ${t} is not supported`, `supported: ${allowed.join(", ")}`);
  }

  expectShape(i: number, shape: number[]): void {
    const s = this.input(i).shape;
    if (s.length !== shape.length || s.some((d, k) => d !== shape[k]))
      this.fail(`input ${i} has shape ${shapeStr(s)}, expected ${shapeStr(shape)}`);
  }
}

export interface OpDef {
  op: string;
  kind: OpKind;
  /** Attribute names this definition understands; any other attribute is rejected. */
  attrs: readonly string[];
  /** Output types from input types, attributes and constant inputs. */
  infer(ctx: OpCtx): TensorType[];
  /** Builds the outputs in the tensor-expression DSL; `ins[i]` is undefined for omitted inputs. */
  compute(ctx: OpCtx, te: TE, ins: (TensorRef | undefined)[], outs: TensorType[]): TensorRef[];
  /** Output 0 is input 0 reinterpreted with another shape (no data movement). */
  view?: boolean;
  /** Outputs depend only on input types, so they fold even when inputs are not constant. */
  shapeOnly?: boolean;
  /** Never folded into a constant: its inputs are the compact form of a weight (edgec.DequantizeWeight). */
  noFold?: boolean;
  /** Runs subgraphs (If, Loop, Scan): built as branch and loop steps, never lowered as one kernel. */
  control?: boolean;
  /** How many leading inputs must be present (default 1): infer and compute may rely on them. */
  requiredInputs?: number;
}

/**
 * The types of every output `def.compute` may build for `ctx.node`: the node's own, and the
 * inferred types of outputs the node omits or leaves off the end.
 */
export function computeOutputTypes(def: OpDef, ctx: OpCtx, typeOf: (v: string) => TensorType): TensorType[] {
  let inferred: TensorType[] = [];
  try {
    inferred = def.infer(ctx);
  } catch (e) {
    // A graph lowered before constant folding may not infer (a Reshape target computed at run
    // time); its declared types are enough when it names every output.
    if (!ctx.node.outputs.length || ctx.node.outputs.some((o) => !o)) throw e;
  }
  return Array.from({ length: Math.max(inferred.length, ctx.node.outputs.length) }, (_, i) => {
    const o = ctx.node.outputs[i];
    return o ? typeOf(o) : inferred[i] ?? { dtype: "f32", shape: [0] };
  });
}

const registry = new Map<string, OpDef>();

export function defineOp(def: OpDef): void {
  if (registry.has(def.op)) throw new Error(`op ${def.op} defined twice`);
  registry.set(def.op, def);
}

export function getOp(op: string): OpDef | undefined {
  return registry.get(op);
}

export function registeredOps(): string[] {
  return [...registry.keys()].sort();
}
