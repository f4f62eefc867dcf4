/**
 * @fileoverview What the Tensor IR text spells and what it leaves implied, shared by its printer
 * and parser: the op names, the infix ones, and the dtype each expression form implies.
 */
import { DType } from "../dtype.ts";
import { BinOp, INDEX, UnOp, VecShape } from "../tir.ts";

export const INFIX: Partial<Record<BinOp, string>> = {
  add: "+", sub: "-", mul: "*", eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=", land: "&&", lor: "||",
};

export const BIN_OPS: ReadonlySet<string> = new Set<BinOp>([
  "add", "sub", "mul", "div", "mod", "floordiv", "floormod", "min", "max", "pow",
  "and", "or", "xor", "shl", "shr", "eq", "ne", "lt", "le", "gt", "ge", "land", "lor", "fmod", "atan2", "dot4ss", "dot4us",
]);

export const UN_OPS: ReadonlySet<string> = new Set<UnOp>([
  "neg", "abs", "not", "lnot", "sqrt", "exp", "log", "tanh", "sin", "cos", "tan",
  "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
  "floor", "ceil", "round", "trunc", "erf", "isnan", "isinf", "sign", "sigmoid", "expm1", "log1p",
]);

const COMPARE: ReadonlySet<string> = new Set(["eq", "ne", "lt", "le", "gt", "ge", "land", "lor"]);

/** The dtype an expression has unless its text says otherwise. */
export const binType = (op: string, a: DType): DType => (COMPARE.has(op) ? "bool" : a);
export const unType = (op: string, a: DType): DType => (op === "isnan" || op === "isinf" || op === "lnot" ? "bool" : a);
export const NUMBER_TYPE: DType = INDEX;

/** Variables in scope: name -> type name (`f32`, `f32x8`), copied on entering a block. */
export type Scope = Map<string, string>;

/** The lane count written in angle brackets: `8`, or `v4` for 4 × vscale. */
export const lanesText = (s: VecShape): string => `${s.scalable ? "v" : ""}${s.lanes}`;
