/**
 * @fileoverview Lowers one Graph IR node, through its op's compute definition, to a Tensor IR
 * PrimFunc.
 */
import { Graph, Node } from "../ir/graph.ts";
import { Buffer, PrimFunc, TensorRef } from "../ir/tir.ts";
import { check } from "../ir/diagnostics.ts";
import { opCtx } from "../ops/infer.ts";
import { computeOutputTypes, getOp } from "../ops/registry.ts";
import { TE, at } from "../ops/te.ts";
import { lowerTE } from "./lower-te.ts";
import { TileConfig } from "./schedule-tile.ts";

export interface LoweredNode {
  func: PrimFunc;
  /** Node input names bound to the leading params, in order (omitted inputs dropped). */
  inputs: string[];
  /** Node output names bound to the params after the inputs. */
  outputs: string[];
  scratch: Buffer[];
}

export function lowerNode(g: Graph, n: Node, name: string, tile?: TileConfig): LoweredNode {
  const def = getOp(n.op);
  check(def, `no definition for ${n.op}`);
  const ctx = opCtx(g, n);
  const te = new TE();
  const refs: (TensorRef | undefined)[] = n.inputs.map((v, i) => {
    if (!v) return undefined;
    const t = g.typeOf(v);
    return te.placeholder(`x${i}`, t.dtype, t.shape);
  });
  const outTypes = computeOutputTypes(def, ctx, (v) => g.typeOf(v));
  const results = def.compute(ctx, te, refs, outTypes);
  const inputs = refs.filter((r): r is TensorRef => !!r);
  const outs: TensorRef[] = [];
  const outNames: string[] = [];
  const seen = new Set<number>(inputs.map((r) => r.id));
  n.outputs.forEach((o, i) => {
    if (!o) return;
    let r = results[i];
    check(r, `${n.op} produced no output ${i}`);
    // An output that is an input or another output is copied so each param is written once.
    if (seen.has(r.id)) {
      const src = r;
      r = te.compute("copy", src.shape, (idx) => at(src, ...idx), { materialize: true });
    }
    seen.add(r.id);
    outs.push(r);
    outNames.push(o);
  });
  const { func, scratch } = lowerTE(te, name, inputs, outs, tile);
  return { func, inputs: n.inputs.filter((v) => v), outputs: outNames, scratch };
}
