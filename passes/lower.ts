/**
 * @fileoverview Lowers one Graph IR node, through its op's compute definition, to a Tensor IR
 * PrimFunc.
 */
import { Graph, Node } from "../ir/graph.ts";
import { Buffer, INDEX, PrimFunc, Stmt, TensorRef, c, mapExpr, mapStmtExprs, visitStmt } from "../ir/tir.ts";
import { DType } from "../ir/dtype.ts";
import { check } from "../ir/diagnostics.ts";
import { opCtx } from "../ops/infer.ts";
import { computeOutputTypes, getOp } from "../ops/registry.ts";
import { TE, at } from "../ops/te.ts";
import { lowerTE } from "./lower-te.ts";
import { TileConfig } from "./schedule-tile.ts";
import { AppliedTile } from "../ir/schedule.ts";

export interface LoweredNode {
  func: PrimFunc;
  /** Node input names bound to the leading params, in order (omitted inputs dropped). */
  inputs: string[];
  /** Node output names bound to the params after the inputs. */
  outputs: string[];
  scratch: Buffer[];
  /** The register tiles lowering built (none: the kernel has no tiled reduction). */
  tiles: AppliedTile[];
}

export function lowerNode(g: Graph, n: Node, name: string, tile?: TileConfig): LoweredNode {
  const def = getOp(n.op);
  check(def, `no definition for ${n.op}`);
  const ctx = opCtx(g, n);
  const te = new TE({ stridedLoads: tile?.stridedLoads ?? !!tile?.vectors, padInPlace: tile?.padInPlace ?? !!tile?.vectors, int16Copies: tile?.int16Copies, ...(tile?.vectors && !tile.scalable ? { lanes: tile.vectors } : {}) });
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
  const lowered = lowerTE(te, name, inputs, outs, tile);
  const { func, inputs: bound } = inlineScalarConstants(g, lowered.func, n.inputs.filter((v): v is string => !!v));
  const wide = beyondIndex(func.body);
  if (wide !== undefined) ctx.fail(`the kernel would index ${wide} elements; edgec indexes with 32-bit integers (below 2^31)`);
  return { func, inputs: bound, outputs: outNames, scratch: lowered.scratch, tiles: lowered.tiles };
}

/** Dtypes whose every value a Tensor IR constant holds exactly. */
const EXACT: ReadonlySet<DType> = new Set<DType>(["f32", "f64", "i32", "i16", "i8", "u32", "u16", "u8", "bool"]);

/**
 * Reads of a one-element constant (Clip's bounds, a scalar Pow exponent or Div divisor) become
 * the constant itself, so it folds and the C compiler sees `x < 0.0f ? 0.0f : x`, not a load
 * through a pointer it cannot prove unchanged; a param no longer read is dropped.
 */
function inlineScalarConstants(g: Graph, func: PrimFunc, inputs: string[]): { func: PrimFunc; inputs: string[] } {
  const values = new Map<string, number>();
  inputs.forEach((v, i) => {
    const t = g.constants.get(v), p = func.params[i]!;
    if (t && t.data.length === 1 && EXACT.has(p.dtype) && !t.derivedFrom) values.set(p.name, Number(t.data[0]));
  });
  if (values.size === 0) return { func, inputs };
  const body = mapStmtExprs(func.body, (e) => mapExpr(e, (x) =>
    x.k === "load" && !x.lanes && values.has(x.buf.name) ? c(values.get(x.buf.name)!, x.dtype) : undefined));
  const read = new Set<string>();
  visitStmt(body, () => {}, (e) => { if (e.k === "load") read.add(e.buf.name); });
  const keep = inputs.map((_, i) => !values.has(func.params[i]!.name) || read.has(func.params[i]!.name));
  return {
    func: { ...func, body, params: func.params.filter((_, i) => i >= inputs.length || keep[i]) },
    inputs: inputs.filter((_, i) => keep[i]),
  };
}

/** A loop extent or i32 constant beyond 32-bit index arithmetic, if the kernel has one. */
function beyondIndex(body: Stmt): number | undefined {
  let found: number | undefined;
  const big = (v: number) => v >= 2 ** 31 || v < -(2 ** 31);
  visitStmt(body, (s) => { if (s.k === "for" && big(s.extent)) found ??= s.extent; },
    (e) => { if (e.k === "const" && e.dtype === INDEX && big(e.v)) found ??= Math.abs(e.v); });
  return found;
}
