/**
 * @fileoverview Helpers shared by op definitions: broadcasting, elementwise op builders, dtype sets.
 */
import { DType, isF8, isFloat } from "../ir/dtype.ts";
import { TensorType, shapeStr } from "../ir/graph.ts";
import { Expr, TensorRef, Var, c } from "../ir/tir.ts";
import { TE, at } from "./te.ts";
import { OpCtx, OpDef, OpKind, defineOp } from "./registry.ts";

export const FLOATS: readonly DType[] = ["f32", "f64", "f16", "bf16"];
export const INTS: readonly DType[] = ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"];
export const SIGNED_INTS: readonly DType[] = ["i8", "i16", "i32", "i64"];
export const NUMERIC: readonly DType[] = [...FLOATS, ...INTS];
export const ALL: readonly DType[] = [...NUMERIC, "bool"];

/**
 * Combines `xs` with `f`: left to right for a few operands (the order other runtimes use), as a
 * balanced tree for many, so the expression's depth grows with the logarithm of their number.
 */
export function foldOperands<T>(xs: T[], f: (a: T, b: T) => T): T {
  if (xs.length <= 8) return xs.reduce(f);
  const mid = xs.length >> 1;
  return f(foldOperands(xs.slice(0, mid), f), foldOperands(xs.slice(mid), f));
}

/** Numpy-style multidirectional broadcast of shapes. */
export function broadcastShapes(ctx: OpCtx, shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const o = rank - s.length + i;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o])
        ctx.fail(`shapes ${shapes.map(shapeStr).join(" and ")} do not broadcast`);
    }
  }
  return out;
}

/** Checks that input `i` broadcasts to `target` one way (numpy rules, `target` unchanged). */
export function broadcastsTo(ctx: OpCtx, i: number, target: number[], what = `input ${i}`): void {
  const s = ctx.input(i).shape, off = target.length - s.length;
  if (off < 0 || s.some((d, k) => d !== 1 && d !== target[off + k]))
    ctx.fail(`${what} has shape ${shapeStr(s)}, which does not broadcast to ${shapeStr(target)}`);
}

/** Reads `t` at the broadcast position of output index `idx`. */
export function bcast(t: TensorRef, idx: Expr[]): Expr {
  const off = idx.length - t.shape.length;
  return at(t, ...t.shape.map((d, i) => (d === 1 ? c(0) : idx[off + i]!)));
}

/** Computes f elementwise over broadcast inputs. */
export function mapBroadcast(te: TE, name: string, ins: TensorRef[], shape: number[],
  f: (xs: Expr[], idx: Var[]) => Expr, dtype?: DType): TensorRef {
  return te.compute(name, shape, (idx) => f(ins.map((t) => bcast(t, idx)), idx), { dtype });
}

/** Promotes f16/bf16/float8 math to f32 (the stored type stays narrow). */
export const computeType = (t: DType): DType => (t === "f16" || t === "bf16" || isF8(t) ? "f32" : t);

export interface ElementwiseSpec {
  op: string;
  kind?: OpKind;
  attrs?: readonly string[];
  dtypes: readonly DType[];
  /** The output dtype, when it is not the input's. */
  outDtype?: (t: DType, ctx: OpCtx) => DType;
  /** Scalar body, in `computeType` of the input dtype for floats. */
  f: (xs: Expr[], ctx: OpCtx, t: DType) => Expr;
  arity: number | "variadic";
  /** Inputs beyond this index are not broadcast with the rest (e.g. Clip's scalars). */
  checkInputs?: (ctx: OpCtx) => void;
}

/** Defines an elementwise (or broadcasting, for arity >= 2) op from its scalar body. */
export function defineElementwise(spec: ElementwiseSpec): void {
  const kind: OpKind = spec.kind ?? (spec.arity === 1 ? "elemwise" : "broadcast");
  const def: OpDef = {
    op: spec.op,
    kind,
    attrs: spec.attrs ?? [],
    infer(ctx) {
      const present = ctx.inputs.filter((t): t is TensorType => !!t);
      if (present.length === 0) ctx.fail("needs at least one input");
      if (typeof spec.arity === "number" && (ctx.inputs.length !== spec.arity || present.length !== spec.arity))
        ctx.fail(`takes ${spec.arity} input${spec.arity > 1 ? "s" : ""}, got ${present.length}`, "the model is malformed");
      const t = present[0]!.dtype;
      ctx.dtypeIn(t, spec.dtypes);
      for (const p of present)
        if (p.dtype !== t) ctx.fail(`inputs mix ${t} and ${p.dtype}`, "insert a Cast so all inputs share one type");
      spec.checkInputs?.(ctx);
      const shape = broadcastShapes(ctx, present.map((p) => p.shape));
      return [{ dtype: spec.outDtype ? spec.outDtype(t, ctx) : t, shape }];
    },
    compute(ctx, te, ins, outs) {
      const present = ins.filter((t): t is TensorRef => !!t);
      const t = present[0]!.dtype;
      const ct = isFloat(t) ? computeType(t) : t;
      return [mapBroadcast(te, spec.op, present, outs[0]!.shape,
        (xs) => spec.f(xs.map((x) => (x.dtype === ct ? x : { k: "cast", a: x, dtype: ct } as Expr)), ctx, t),
        outs[0]!.dtype)];
    },
  };
  defineOp(def);
}

/** Scalar constant of dtype t (floats use the compute type). */
export const k = (v: number, t: DType): Expr => c(v, isFloat(t) ? computeType(t) : t);
