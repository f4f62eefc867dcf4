/**
 * @fileoverview Short rows folded into one: a register tile whose output rows fill a vector
 * poorly (a 5-wide row fills 5 of 16 lanes) while consecutive rows are consecutive in memory,
 * and so are the input rows they read (a stride-1 window reading its padding in place), runs
 * along the merged position m = y*W + x instead, whole vectors at a time. The padding guards
 * become tests of m: a guard on the row, y + d in [0, H), holds exactly where m + d*W lies in
 * [0, H*W) (because 0 <= x < W); a guard on the column tests m mod W, which the tile computes per
 * vector as a lane local.
 */
import { coeffOf, loadsIn, mentions } from "../ir/affine.ts";
import { Expr, Stmt, Var, add, bin, c, conjuncts, mapChildren, mapExpr, mapStmtExprs, mkVar, mul, select, sub, substExpr } from "../ir/tir.ts";
import * as V from "../ir/vec.ts";
import { maskableLoad } from "./vectorize.ts";

/** The merged tile's body, with the column local its guards test (m mod W per lane). */
export interface FoldedRows { body: Expr; col: Var }

/** True when v occurs in e only inside load indices (and, with `conds`, select conditions). */
function onlyInLoads(e: Expr, v: string, conds = false): boolean {
  let ok = true;
  mapExpr(e, (x) => {
    if (x.k === "load") return x;
    if (conds && x.k === "select") { ok &&= onlyInLoads(x.a, v, conds) && onlyInLoads(x.b, v, conds); return x; }
    if (x.k === "var" && x.name === v) ok = false;
    return undefined;
  });
  return ok;
}

/**
 * Rows y (the axis before the row) folded into the row x of width W, or undefined when some
 * access or guard does not allow it. Every load must see y as W rows of x (coefficient W times
 * x's); outside loads, y and x may appear only in the conditions of zero-filled selects (padding
 * read in place), as conjuncts y + d >= 0, y + d < K, x + d >= 0 or x + d < K. The result still
 * names y and x: the caller sets y to 0 and lets x run over H*W.
 */
export function foldRows(body: Expr, others: Expr[], yVar: Var, xVar: Var, W: number): FoldedRows | undefined {
  const y = yVar.name, x = xVar.name;
  const all = [body, ...others];
  for (const l of all.flatMap((e) => loadsIn(e))) {
    const ky = coeffOf(l.index, y), kx = coeffOf(l.index, x);
    if (ky === undefined || kx === undefined || ky !== W * kx) return undefined;
  }
  if (!others.every((e) => onlyInLoads(e, y) && onlyInLoads(e, x))) return undefined;
  const col = mkVar("col");
  let ok = true, guarded = false;
  const rewrite = (cj: Expr): Expr => {
    const my = mentions(cj, y), mx = mentions(cj, x);
    if (!my && !mx) return cj;
    if (cj.k !== "bin" || (cj.op !== "ge" && cj.op !== "lt") || loadsIn(cj).length) { ok = false; return cj; }
    const d = sub(cj.a, cj.b);
    const ky = coeffOf(d, y), kx = coeffOf(d, x);
    if (my && !mx && ky === 1) return bin(cj.op, add(mul(c(W), d), xVar), c(0));
    if (mx && !my && kx === 1) return substExpr(cj, new Map([[x, col]]));
    ok = false;
    return cj;
  };
  const out = mapExpr(body, (e) => {
    if (e.k === "load") return e;
    if (e.k !== "select") return undefined;
    if (e.b.k !== "const" || e.b.v !== 0 || !maskableLoad(e.a, (z) => mentions(z, y) || mentions(z, x))) { ok = false; return e; }
    const cjs = conjuncts(e.c).map(rewrite);
    guarded = true;
    return select(cjs.reduce((p, q) => bin("land", p, q)), e.a, e.b);
  });
  if (!ok || !guarded || !onlyInLoads(out, y, true) || !onlyInLoads(out, x, true)) return undefined;
  return { body: out, col };
}

type Range = [number, number];

/**
 * The lane tests of a folded tile with the ones its positions decide removed: every ramp is a
 * position of the merged row, within `positions`, and each named column local lies in its range.
 * A mask found always true drops from its load; one found always false makes the load zero.
 * With the window unrolled, a 3x3 tile keeps one test per edge row and edge column.
 */
export function pruneLaneTests(s: Stmt, positions: Range, cols: ReadonlyMap<string, Range>): Stmt {
  const range = (e: Expr): Range | undefined => {
    if (e.k === "const") return [e.v, e.v];
    if (e.k === "bcast") return range(e.a);
    if (e.k === "ramp") {
      if (e.stride !== 1) return undefined;
      const b = e.base.k === "const" && !e.scalable ? e.base.v : undefined;
      return b === undefined ? positions : [Math.max(b, positions[0]), Math.min(b + e.lanes! - 1, positions[1])];
    }
    if (e.k === "var") return cols.get(e.name);
    if (e.k === "bin" && (e.op === "add" || e.op === "sub")) {
      const a = range(e.a), b = range(e.b);
      if (!a || !b) return undefined;
      return e.op === "add" ? [a[0] + b[0], a[1] + b[1]] : [a[0] - b[1], a[1] - b[0]];
    }
    return undefined;
  };
  const truth = (e: Expr): boolean | undefined => (e.k === "bcast" && e.a.k === "const" && e.dtype === "bool" ? !!e.a.v : undefined);
  const simp = (e: Expr): Expr => {
    const x = mapChildren(e, simp);
    const sh = V.shapeOf(x);
    if (!sh.lanes) return x;
    if (x.k === "bin" && (x.op === "ge" || x.op === "lt")) {
      const a = range(x.a), b = range(x.b);
      if (!a || !b) return x;
      const lo = a[0] - b[1], hi = a[1] - b[0];
      const holds = x.op === "ge" ? (lo >= 0 ? true : hi < 0 ? false : undefined) : (hi < 0 ? true : lo >= 0 ? false : undefined);
      return holds === undefined ? x : V.bcast(c(holds ? 1 : 0, "bool"), sh);
    }
    if (x.k === "bin" && x.op === "land") {
      const ta = truth(x.a), tb = truth(x.b);
      if (ta === true) return x.b;
      if (tb === true) return x.a;
      if (ta === false) return x.a;
      if (tb === false) return x.b;
    }
    if (x.k === "select") {
      const t = truth(x.c);
      if (t !== undefined) return t ? x.a : x.b;
    }
    if (x.k === "load" && x.mask) {
      const t = truth(x.mask);
      if (t === true) { const { mask: _m, ...rest } = x; return rest; }
      if (t === false) return V.bcast(c(0, x.dtype), sh);
    }
    return x;
  };
  return mapStmtExprs(s, simp);
}
