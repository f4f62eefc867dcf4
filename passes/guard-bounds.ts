/**
 * @fileoverview Padding read in place, as reduction bounds: in a sum of products where one factor
 * is a load that reads zero outside a guard, the steps where the guard fails add nothing, so a
 * guard conjunct affine in one reduction axis (and otherwise only in loops outside the tile)
 * becomes that axis's bounds and leaves the body. A 3x3 Conv at the image's top and bottom edge
 * then runs fewer kernel rows instead of testing every step.
 */
import { Bound, boundOf, mentions } from "../ir/affine.ts";
import { Expr, IterVar, ReduceOp, bin, c, conjuncts, mapExpr, select } from "../ir/tir.ts";
import { exprKey as key } from "./te-inline.ts";

export interface AxisBounds { lo: Expr; hi: Expr }

type Select = Extract<Expr, { k: "select" }>;

/** The factors of a product (through casts). */
function factors(e: Expr): Expr[] {
  if (e.k === "cast") return factors(e.a);
  if (e.k === "bin" && e.op === "mul") return [...factors(e.a), ...factors(e.b)];
  return [e];
}

const zeroFill = (e: Expr): e is Select => e.k === "select" && e.b.k === "const" && e.b.v === 0;


/**
 * The body with the guards that became bounds removed, and the bounds per reduction axis name;
 * undefined when nothing moves. `inTile` names the variables that vary inside the tile (its rows
 * and lanes): a guard on them stays in the body.
 */
export function guardsToBounds(op: ReduceOp, body: Expr, axes: readonly IterVar[], inTile: ReadonlySet<string>):
  { body: Expr; bounds: Map<string, AxisBounds> } | undefined {
  if (op !== "sum") return undefined;
  const guards = factors(body).filter(zeroFill);
  if (!guards.length) return undefined;
  const moved = new Map<string, { axis: IterVar; b: Bound }>();
  for (const g of guards)
    for (const cj of conjuncts(g.c)) {
      const named = axes.filter((a) => mentions(cj, a.v.name));
      if (named.length !== 1 || [...inTile].some((v) => mentions(cj, v))) continue;
      const b = boundOf(cj, named[0]!.v);
      if (b) moved.set(key(cj), { axis: named[0]!, b });
    }
  if (!moved.size) return undefined;
  const bounds = new Map<string, AxisBounds>();
  for (const { axis, b } of moved.values()) {
    const n = axis.v.name, cur = bounds.get(n) ?? { lo: c(0), hi: c(axis.extent) };
    bounds.set(n, b.lower ? { ...cur, lo: bin("max", cur.lo, b.e) } : { ...cur, hi: bin("min", cur.hi, b.e) });
  }
  // An empty range runs no step: hi never below lo.
  for (const [n, b] of bounds) bounds.set(n, { lo: b.lo, hi: bin("max", b.lo, b.hi) });
  const strip = (e: Expr): Expr => mapExpr(e, (x) => {
    if (!zeroFill(x)) return undefined;
    const left = conjuncts(x.c).filter((cj) => !moved.has(key(cj)));
    const a = strip(x.a);
    return left.length ? select(left.reduce((p, q) => bin("land", p, q)), a, x.b) : a;
  });
  return { body: strip(body), bounds };
}
