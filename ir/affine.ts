/**
 * @fileoverview Affine analysis of Tensor IR index expressions: the coefficient of a loop
 * variable, used to pick loop orders with contiguous inner accesses.
 */
import { BinOp, Expr, Var, add, bin, c, exprChildren, substExpr } from "./tir.ts";

const COMPARES: ReadonlySet<BinOp> = new Set(["ge", "gt", "le", "lt"]);

/** Coefficient of variable `v` in `e` if `e` is affine in `v`; undefined if it is not. */
export function coeffOf(e: Expr, v: string): number | undefined {
  switch (e.k) {
    case "const": return 0;
    case "var": return e.name === v ? 1 : 0;
    case "bin": {
      const a = coeffOf(e.a, v), b = coeffOf(e.b, v);
      if (a === undefined || b === undefined) return undefined;
      if (e.op === "add") return a + b;
      if (e.op === "sub") return a - b;
      if (e.op === "mul") {
        if (a === 0 && b === 0) return 0;
        if (a === 0 && e.a.k === "const") return e.a.v * b;
        if (b === 0 && e.b.k === "const") return e.b.v * a;
        return undefined;
      }
      return a === 0 && b === 0 ? 0 : undefined;
    }
    case "cast": return coeffOf(e.a, v);
    default: return mentions(e, v) ? undefined : 0;
  }
}

export function mentions(e: Expr, v: string): boolean {
  switch (e.k) {
    case "const": return false;
    case "var": return e.name === v;
    case "load": return mentions(e.index, v);
    case "bin": return mentions(e.a, v) || mentions(e.b, v);
    case "un": case "cast": case "bitcast": return mentions(e.a, v);
    case "select": return mentions(e.c, v) || mentions(e.a, v) || mentions(e.b, v);
    default: return exprChildren(e).some((x) => mentions(x, v));
  }
}

/** Every load in `e`. */
export function loadsIn(e: Expr, out: Extract<Expr, { k: "load" }>[] = []): Extract<Expr, { k: "load" }>[] {
  switch (e.k) {
    case "load": out.push(e); loadsIn(e.index, out); break;
    case "bin": loadsIn(e.a, out); loadsIn(e.b, out); break;
    case "un": case "cast": case "bitcast": loadsIn(e.a, out); break;
    case "select": loadsIn(e.c, out); loadsIn(e.a, out); loadsIn(e.b, out); break;
    default: break;
  }
  return out;
}

/** Conservative proof that an index expression is never negative. */
export function nonneg(e: Expr): boolean {
  switch (e.k) {
    case "const": return e.v >= 0;
    case "var": return true;
    case "bin":
      if (e.op === "add" || e.op === "mul" || e.op === "min" || e.op === "floordiv" || e.op === "floormod") return nonneg(e.a) && nonneg(e.b);
      if (e.op === "max") return nonneg(e.a) || nonneg(e.b);
      return false;
    default: return false;
  }
}

/** v >= e (lower) or v < e. */
export interface Bound { lower: boolean; e: Expr }

/** The bound on v that makes `cmp` true, if `cmp` is an affine comparison in v with a non-zero coefficient. */
export function boundOf(cmp: Expr, v: Var): Bound | undefined {
  if (cmp.k !== "bin" || !COMPARES.has(cmp.op) || cmp.a.dtype !== v.dtype || !mentions(cmp, v.name)) return undefined;
  const d = bin("sub", cmp.a, cmp.b);
  let k = coeffOf(d, v.name);
  if (k === undefined || k === 0) return undefined;
  let base = substExpr(d, new Map([[v.name, c(0)]]));
  let op = cmp.op;
  if (k < 0) {
    k = -k;
    base = bin("sub", c(0), base);
    op = ({ ge: "le", gt: "lt", le: "ge", lt: "gt" } as const)[op as "ge" | "gt" | "le" | "lt"];
  }
  // k*v + base OP 0, k > 0. ceil(a / k) = floordiv(a + k - 1, k).
  const ceilDiv = (a: Expr) => bin("floordiv", add(a, c(k! - 1)), c(k!));
  switch (op) {
    case "ge": return { lower: true, e: ceilDiv(bin("sub", c(0), base)) };
    case "gt": return { lower: true, e: ceilDiv(bin("sub", c(1), base)) };
    case "lt": return { lower: false, e: ceilDiv(bin("sub", c(0), base)) };
    case "le": return { lower: false, e: ceilDiv(bin("sub", c(1), base)) };
  }
  return undefined;
}
