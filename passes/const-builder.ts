/**
 * @fileoverview Builds constant arithmetic in a graph for rewrites (conv-bn and friends): each
 * helper adds an op node on constants, infers it and folds it through the op's own definition,
 * so rewrites never re-implement op math.
 */
import { DType } from "../ir/dtype.ts";
import { Attr, Graph, Node, Tensor } from "../ir/graph.ts";
import { opCtx } from "../ops/infer.ts";
import { getOp } from "../ops/registry.ts";
import { foldNode } from "./fold-constants.ts";

export class ConstBuilder {
  constructor(private g: Graph, private prefix: string) {}

  private next = 0;

  /** A value name not yet in the graph; deterministic for a given graph. */
  private fresh(): string {
    let name: string;
    do name = `${this.prefix}/c${this.next++}`; while (this.g.types.has(name));
    return name;
  }

  tensor(t: Tensor): string {
    const name = this.fresh();
    this.g.constants.set(name, t);
    this.g.types.set(name, { dtype: t.dtype, shape: t.shape });
    return name;
  }

  scalar(v: number, dtype: DType): string {
    const data = dtype === "f64" ? Float64Array.of(v) : Float32Array.of(v);
    return this.tensor({ dtype, shape: [], data });
  }

  ints(v: number[]): string {
    return this.tensor({ dtype: "i64", shape: [v.length], data: BigInt64Array.from(v.map(BigInt)) });
  }

  /** Adds `op(inputs)` on constants and folds it; returns the constant's name. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    const out = this.fresh();
    const n: Node = { name: out, op, domain: "", inputs, outputs: [out], attrs };
    const def = getOp(op)!;
    const [t] = def.infer(opCtx(this.g, n));
    this.g.types.set(out, t!);
    if (!foldNode(this.g, n, new Set(), true)) throw new Error(`internal error: ${op} on constants did not fold`);
    return out;
  }
}
