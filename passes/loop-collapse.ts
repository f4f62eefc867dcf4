/**
 * @fileoverview Two perfectly nested loops that walk one contiguous run as one loop: for a in
 * 0..A { for b in 0..B { body } } where every use of a and b is an index that sees them as
 * a*B + b (a's coefficient B times b's) becomes for m in 0..A*B with a = 0, b = m. A global
 * average over a 25x5 plane then runs as one loop of 125, which fills vectors; the inner loop of 5
 * alone does not.
 */
import { coeffOf } from "../ir/affine.ts";
import { Expr, Stmt, Var, c, isConst, mapExpr, stmtExprs, substStmt, visitStmt } from "../ir/tir.ts";

type For = Extract<Stmt, { k: "for" }>;

/** True when every use of a and b in s is inside an index where a counts B steps of b. */
function seenAsOne(s: Stmt, a: string, b: string, B: number): boolean {
  let ok = true;
  const affine = (ix: Expr) => {
    const ka = coeffOf(ix, a), kb = coeffOf(ix, b);
    if (ka === undefined || kb === undefined || ka !== B * kb) ok = false;
  };
  const check = (e: Expr) => mapExpr(e, (x) => {
    if (x.k === "load") { affine(x.index); if (x.mask) check(x.mask); return x; }
    if (x.k === "var" && (x.name === a || x.name === b)) ok = false;
    return undefined;
  });
  visitStmt(s, (st) => {
    if (st.k === "store") { affine(st.index); check(st.value); if (st.mask) check(st.mask); }
    else for (const e of stmtExprs(st)) check(e);
  });
  return ok;
}

/** The statement a block of one statement holds. */
export const only = (s: Stmt): Stmt => (s.k === "seq" && s.body.length === 1 ? only(s.body[0]!) : s);

/** True when the loop's bounds are other than 0 and its extent. */
const bounded = (l: For): boolean => (!!l.lo && !isConst(l.lo, 0)) || (!!l.hi && !isConst(l.hi, l.extent));

/**
 * The loop nest with the outer loop folded into its only child when they walk one run; the loop
 * itself otherwise. `below` says when folding is wanted (the child's trip count).
 */
export function collapseLoops(outer: For, below: (extent: number) => boolean): For {
  const inner = only(outer.body);
  if (inner.k !== "for" || bounded(outer) || bounded(inner) || outer.kind !== "serial" || inner.kind !== "serial") return outer;
  if (!below(inner.extent)) return outer;
  if (!seenAsOne(inner.body, outer.v.name, inner.v.name, inner.extent)) return outer;
  const m: Var = inner.v;
  const { lo: _lo, hi: _hi, ...loop } = inner;
  return { ...loop, extent: outer.extent * inner.extent, body: substStmt(inner.body, new Map([[outer.v.name, c(0)]])), v: m };
}
