/**
 * @fileoverview Loop partitioning: splits an innermost loop whose body guards loads with
 * conditions affine in the loop variable (padding checks in Conv and Pool) into a head, a
 * guard-free middle and a tail, then unswitches guards that do not depend on the loop at all.
 * The middle loop is a straight-line body the C compiler can vectorise.
 */
import { Bound, boundOf, mentions } from "../ir/affine.ts";
import { Expr, Stmt, bin, c, conjuncts, hasLoop, mapExpr, mapStmtExprs, select, seq } from "../ir/tir.ts";
import * as V from "../ir/vec.ts";
import { exprKey as key } from "./te-inline.ts";

export function partitionLoops(s: Stmt): Stmt {
  switch (s.k) {
    case "seq": return seq(...s.body.map(partitionLoops));
    case "if": return { ...s, then: partitionLoops(s.then), else: s.else && partitionLoops(s.else) };
    case "for": {
      const body = partitionLoops(s.body);
      const loop = { ...s, body };
      return hasLoop(body) ? loop : partition(loop);
    }
    default: return s;
  }
}


type For = Extract<Stmt, { k: "for" }>;

/** Every select condition in the statement's expressions. */
function conditions(s: Stmt): Expr[] {
  const out: Expr[] = [];
  const ve = (e: Expr) => mapExpr(e, (x) => { if (x.k === "select") out.push(condOf(x)); return undefined; });
  const walk = (x: Stmt): void => {
    switch (x.k) {
      case "store": ve(x.index); ve(x.value); break;
      case "seq": x.body.forEach(walk); break;
      case "decl": ve(x.init); break;
      case "assign": ve(x.value); break;
      case "if": ve(x.c); walk(x.then); if (x.else) walk(x.else); break;
      case "for": walk(x.body); break;
    }
  };
  walk(s);
  return out;
}


function partition(loop: For): Stmt {
  if (loop.lo || loop.hi) return loop;
  const v = loop.v;
  const bounds = new Map<string, Bound>();
  const invariant = new Map<string, Expr>();
  for (const cond of conditions(loop.body))
    for (const cj of conjuncts(cond)) {
      if (!mentions(cj, v.name)) { invariant.set(key(cj), cj); continue; }
      const b = boundOf(cj, v);
      if (b) bounds.set(key(cj), b);
    }
  if (bounds.size === 0) return loop;
  const N = c(loop.extent);
  let lo: Expr = c(0), hi: Expr = N;
  for (const b of bounds.values()) {
    if (b.lower) lo = bin("max", lo, b.e);
    else hi = bin("min", hi, b.e);
  }
  const l = bin("min", lo, N);
  const h = bin("max", l, bin("min", hi, N));
  const fast = replaceConds(loop.body, (cj) => (bounds.has(key(cj)) ? c(1, "bool") : undefined));
  const middle = unswitch({ ...loop, body: fast, lo: l, hi: h }, [...invariant.values()]);
  return seq({ ...loop, lo: c(0), hi: l }, middle, { ...loop, lo: h, hi: N });
}

/** With a single loop-invariant guard left, hoists it: if (g) loop[g:=1] else loop[g:=0]. */
function unswitch(loop: For, inv: Expr[]): Stmt {
  const live = inv.filter((g) => conditions(loop.body).some((cnd) => conjuncts(cnd).some((x) => key(x) === key(g))));
  if (live.length === 0 || live.length > 4) return loop;
  const cond = live.reduce((a, b) => bin("land", a, b));
  const ks = new Set(live.map(key));
  const then = replaceConds(loop.body, (cj) => (ks.has(key(cj)) ? c(1, "bool") : undefined));
  // Where any guard fails, the whole conjunction is false: every select takes its else branch.
  const other = replaceWholeConds(loop.body, ks);
  return { k: "if", c: cond, then: { ...loop, body: then }, else: { ...loop, body: other } };
}

type Select = Extract<Expr, { k: "select" }>;

/** A select's condition; a vector select's lane-invariant condition as the scalar it broadcasts. */
const condOf = (x: Select): Expr => (x.c.k === "bcast" ? x.c.a : x.c);

/** x with its condition (as condOf gives it) replaced by `cond`. */
function withCond(x: Select, cond: Expr): Expr {
  if (x.c.k !== "bcast") return select(cond, x.a, x.b);
  if (cond.k === "const") return cond.v ? x.a : x.b;
  return V.vselect(V.bcast(cond, V.shapeOf(x)), x.a, x.b);
}

/** Rewrites every select bottom-up. */
function mapSelects(e: Expr, f: (x: Select) => Expr): Expr {
  return mapExpr(e, (x) => (x.k === "select" ? f({ ...x, c: mapSelects(x.c, f), a: mapSelects(x.a, f), b: mapSelects(x.b, f) }) : undefined));
}

/** Replaces guard conjuncts (f gives the replacement, or undefined to keep one). */
function replaceConds(s: Stmt, f: (cj: Expr) => Expr | undefined): Stmt {
  return mapStmtExprs(s, (e) => mapSelects(e, (x) => {
    const cjs = conjuncts(condOf(x)).map((cj) => f(cj) ?? cj).filter((cj) => !(cj.k === "const" && cj.v));
    return withCond(x, cjs.length ? cjs.reduce((a, b) => bin("land", a, b)) : c(1, "bool"));
  }));
}

/** Selects whose conditions include one of the guards in `ks` take their else branch. */
function replaceWholeConds(s: Stmt, ks: Set<string>): Stmt {
  return mapStmtExprs(s, (e) => mapSelects(e, (x) => (conjuncts(condOf(x)).some((cj) => ks.has(key(cj))) ? x.b : x)));
}

