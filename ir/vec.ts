/**
 * @fileoverview Constructors and type names of the Tensor IR's vector forms (see ir/tir.ts).
 * Each constructor checks that lane counts agree, so a malformed vector never reaches a backend.
 */
import { ALL_DTYPES, DType } from "./dtype.ts";
import { BinOp, Buffer, Expr, HReduceOp, INDEX, Stmt, UnOp, Var, VecShape, isCompare } from "./tir.ts";

export const SCALAR: VecShape = {};

const isDType = (s: string): s is DType => (ALL_DTYPES as readonly string[]).includes(s);

/** The vector shape of an expression; `{}` for a scalar. */
export function shapeOf(e: Expr): VecShape {
  const v = e as VecShape;
  return v.lanes ? (v.scalable ? { lanes: v.lanes, scalable: true } : { lanes: v.lanes }) : SCALAR;
}

export const isVector = (e: Expr): boolean => !!(e as VecShape).lanes;

export const sameShape = (a: VecShape, b: VecShape): boolean => (a.lanes ?? 0) === (b.lanes ?? 0) && !!a.scalable === !!b.scalable;

/** Lanes at a given vscale (1 for a scalar). */
export const laneCount = (s: VecShape, vscale = 1): number => (s.lanes ? s.lanes * (s.scalable ? vscale : 1) : 1);

/** `f32`, `f32x8`, `f32xv4` (4 × vscale lanes). */
export function typeName(dtype: DType, s: VecShape): string {
  return s.lanes ? `${dtype}x${s.scalable ? "v" : ""}${s.lanes}` : dtype;
}

/** Reads a type name back; undefined when it is not one. */
export function parseTypeName(name: string): { dtype: DType; shape: VecShape } | undefined {
  if (isDType(name)) return { dtype: name, shape: SCALAR };
  const m = /^(.+)x(v?)([0-9]+)$/.exec(name);
  if (!m || !isDType(m[1]!)) return undefined;
  const lanes = Number(m[3]);
  if (!Number.isSafeInteger(lanes) || lanes < (m[2] ? 1 : 2)) return undefined;
  return { dtype: m[1]!, shape: m[2] ? { lanes, scalable: true } : { lanes } };
}

export const exprTypeName = (e: Expr): string => typeName(e.dtype, shapeOf(e));

function agree(what: string, ...es: Expr[]): VecShape {
  const s = shapeOf(es[0]!);
  for (const e of es.slice(1))
    if (!sameShape(s, shapeOf(e)))
      throw new Error(`internal error: ${what} of ${es.map(exprTypeName).join(", ")}: lane counts differ`);
  return s;
}

const withShape = <T extends object>(e: T, s: VecShape): T => (s.lanes ? { ...e, ...s } : e);

export function ramp(base: Expr, stride: number, s: VecShape): Expr {
  if (!s.lanes || base.dtype !== INDEX || isVector(base)) throw new Error("internal error: ramp needs a scalar i32 base and lanes");
  return { k: "ramp", base, stride, dtype: INDEX, ...s };
}

export function bcast(a: Expr, s: VecShape): Expr {
  if (!s.lanes) return a;
  if (isVector(a)) throw new Error(`internal error: bcast of a vector (${exprTypeName(a)})`);
  return { k: "bcast", a, dtype: a.dtype, ...s };
}

export function vbin(op: BinOp, a: Expr, b: Expr): Expr {
  const s = agree(op, a, b);
  return withShape({ k: "bin" as const, op, a, b, dtype: isCompare(op) ? "bool" as DType : a.dtype }, s);
}

export function vun(op: UnOp, a: Expr): Expr {
  const dtype: DType = op === "isnan" || op === "isinf" || op === "lnot" ? "bool" : a.dtype;
  return withShape({ k: "un" as const, op, a, dtype }, shapeOf(a));
}

export function vcast(a: Expr, dtype: DType): Expr {
  return a.dtype === dtype ? a : withShape({ k: "cast" as const, a, dtype }, shapeOf(a));
}

export function vbitcast(a: Expr, dtype: DType): Expr {
  return a.dtype === dtype ? a : withShape({ k: "bitcast" as const, a, dtype }, shapeOf(a));
}

export function vselect(cond: Expr, a: Expr, b: Expr): Expr {
  const s = agree("select", cond, a, b);
  return withShape({ k: "select" as const, c: cond, a, b, dtype: a.dtype }, s);
}

export function fma(a: Expr, b: Expr, c: Expr): Expr {
  const s = agree("fma", a, b, c);
  return withShape({ k: "fma" as const, a, b, c, dtype: a.dtype }, s);
}

export function hreduce(op: HReduceOp, a: Expr): Expr {
  if (!isVector(a)) throw new Error("internal error: hreduce of a scalar");
  return { k: "hreduce", op, a, dtype: a.dtype };
}

/** Lane i of the result is lane idx[i] of a's lanes followed by b's. */
export function shuffle(a: Expr, b: Expr | undefined, idx: number[]): Expr {
  const s = b ? agree("shuffle", a, b) : shapeOf(a);
  if (!s.lanes || s.scalable) throw new Error("internal error: shuffle needs fixed-length vectors");
  const n = s.lanes * (b ? 2 : 1);
  if (!idx.length || idx.some((i) => !Number.isInteger(i) || i < 0 || i >= n))
    throw new Error(`internal error: shuffle index out of 0..${n - 1}`);
  const out = { k: "shuffle" as const, a, ...(b ? { b } : {}), idx, dtype: a.dtype };
  return idx.length > 1 ? { ...out, lanes: idx.length } : out;
}

/** A load of one element per lane of `index`; masked lanes read 0. */
export function vload(buf: Buffer, index: Expr, mask?: Expr): Expr {
  const s = mask ? agree("masked load", index, mask) : shapeOf(index);
  return withShape({ k: "load" as const, buf, index, dtype: buf.dtype, ...(mask ? { mask } : {}) }, s);
}

export function vstore(buf: Buffer, index: Expr, value: Expr, mask?: Expr): Stmt {
  if (mask) agree("masked store", index, value, mask);
  else agree("store", index, value);
  return { k: "store", buf, index, value, ...(mask ? { mask } : {}) };
}

/** The machine's vscale, an i32 known at run time (ir/tir.ts). */
export const vscale = (): Expr => ({ k: "vscale", dtype: INDEX });

/** Lanes of a vector shape as an i32 expression: `lanes`, or `lanes × vscale` when scalable. */
export function laneExpr(s: VecShape): Expr {
  if (!s.lanes) return { k: "const", dtype: INDEX, v: 1 };
  const n: Expr = { k: "const", dtype: INDEX, v: s.lanes };
  return s.scalable ? (s.lanes === 1 ? vscale() : { k: "bin", op: "mul", a: vscale(), b: n, dtype: INDEX }) : n;
}

export function vvar(v: Var, s: VecShape): Var {
  return s.lanes ? { ...v, ...s } : v;
}
