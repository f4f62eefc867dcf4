/**
 * @fileoverview A small tensor-expression DSL: placeholders, compute stages (an index map, maybe
 * reducing) and extern stages (written in Tensor IR). Op compute definitions are written in it;
 * passes/lower-te.ts lowers a definition to a PrimFunc.
 */
import { DType, isFloat, isSigned, bitWidth } from "../ir/dtype.ts";
import { stridesOf } from "../ir/graph.ts";
import { Buffer, Expr, IterVar, ReduceOp, Stmt, TensorRef, Var, add, c, cast, mapExpr, mkVar, mul } from "../ir/tir.ts";

export type ComputeFn = (idx: Var[]) => Expr;
export type ExternFn = (ins: Buffer[], outs: Buffer[]) => Stmt;

/** `inline`: the stage is substituted into its readers rather than stored (lowering may change it). */
export type Stage =
  | { kind: "input"; t: TensorRef }
  | { kind: "compute"; t: TensorRef; fn: ComputeFn; inline: boolean }
  | { kind: "extern"; outs: TensorRef[]; ins: TensorRef[]; build: ExternFn };

/** One op's compute definition under construction: placeholders in, stages out. */
/** What the target's schedule reads well, for ops that can compute a stage more than one way. */
export interface TEHints {
  /** Vector loads of every second element are cheap (two loads and a permute): no phase-split copies. */
  stridedLoads?: boolean;
  /** Zero-filled reads past an edge cost a masked load: windows read padding in place, no padded copies. */
  padInPlace?: boolean;
  /** Integer convolutions read a padded copy holding x - x_zp as i16 (TargetDesc.int16Copies). */
  int16Copies?: boolean;
  /** Lanes of the register tile's vectors (TileConfig.vectors); absent for scalar tiles. */
  lanes?: number;
}

export class TE {
  readonly stages: Stage[] = [];
  constructor(readonly hints: TEHints = {}) {}
  private byId = new Map<number, Stage>();
  private nextId = 0;

  /** The stage that produces tensor `id`. */
  stageOf(id: number): Stage | undefined {
    return this.byId.get(id);
  }

  private ref(name: string, dtype: DType, shape: number[]): TensorRef {
    return { id: this.nextId++, name, dtype, shape: [...shape] };
  }

  placeholder(name: string, dtype: DType, shape: number[]): TensorRef {
    const t = this.ref(name, dtype, shape);
    this.add({ kind: "input", t });
    return t;
  }

  /** out[idx] = fn(idx). Non-reducing stages are inlined into their consumers unless `materialize`. */
  compute(name: string, shape: number[], fn: ComputeFn, opts: { dtype?: DType; materialize?: boolean } = {}): TensorRef {
    const probeIdx = shape.map((_, i) => mkVar(`p${i}_`));
    const dtype = opts.dtype ?? fn(probeIdx).dtype;
    const t = this.ref(name, dtype, shape);
    let reduces = false;
    mapExpr(fn(probeIdx), (e) => { if (e.k === "reduce") reduces = true; return undefined; });
    const wrapped: ComputeFn = opts.dtype ? (idx) => cast(fn(idx), dtype) : fn;
    this.add({ kind: "compute", t, fn: wrapped, inline: !reduces && !opts.materialize });
    return t;
  }

  /** Stages written directly in Tensor IR for ops that are not a single index map (TopK, ArgMax, ...). */
  extern(outs: { name: string; dtype: DType; shape: number[] }[], ins: TensorRef[], build: ExternFn): TensorRef[] {
    const refs = outs.map((o) => this.ref(o.name, o.dtype, o.shape));
    this.add({ kind: "extern", outs: refs, ins, build });
    return refs;
  }

  private add(s: Stage): void {
    this.stages.push(s);
    if (s.kind === "extern") for (const t of s.outs) this.byId.set(t.id, s);
    else this.byId.set(s.t.id, s);
  }
}

export function flatIndex(idx: Expr[], shape: number[]): Expr {
  const strides = stridesOf(shape);
  let flat: Expr = c(0);
  idx.forEach((v, i) => { flat = add(flat, mul(v, c(strides[i]!))); });
  return flat;
}

export function reduceInit(op: ReduceOp, dtype: DType): Expr {
  switch (op) {
    case "sum": return c(0, dtype);
    case "prod": return c(1, dtype);
    case "max": return c(isFloat(dtype) ? -Infinity : minOf(dtype), dtype);
    case "min": return c(isFloat(dtype) ? Infinity : maxOf(dtype), dtype);
  }
}

export function minOf(t: DType): number {
  if (t === "bool") return 0;
  return isSigned(t) ? -(2 ** (bitWidth(t) - 1)) : 0;
}
export function maxOf(t: DType): number {
  if (t === "bool") return 1;
  return isSigned(t) ? 2 ** (bitWidth(t) - 1) - 1 : 2 ** bitWidth(t) - 1;
}

// ---- expression helpers for op definitions ----

export const at = (t: TensorRef, ...idx: Expr[]): Expr => ({ k: "access", t, idx, dtype: t.dtype });

export function reduce(op: ReduceOp, extents: number[], fn: (r: Var[]) => Expr, init?: Expr): Expr {
  const axes: IterVar[] = extents.map((extent, i) => ({ v: mkVar(`r${i}_`), extent }));
  const body = fn(axes.map((a) => a.v));
  const dtype = init?.dtype ?? body.dtype;
  return { k: "reduce", op, axes, body, init, dtype };
}
