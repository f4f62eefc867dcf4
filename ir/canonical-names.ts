/**
 * @fileoverview Renames a kernel's loop and local variables in the order they are bound, so two
 * kernels that compute the same thing print the same text whatever the global name counter
 * (ir/tir.ts mkVar) stood at: the C backend then prints them once, and `edgec tune` tunes them once.
 */
import { Expr, PrimFunc, Stmt, Var, mapExpr, visitStmt } from "./tir.ts";

export function canonicalNames(f: PrimFunc): PrimFunc {
  const names = new Map<string, string>();
  visitStmt(f.body, (s) => {
    if ((s.k === "for" || s.k === "decl") && !names.has(s.v.name)) names.set(s.v.name, `${s.v.name.replace(/[0-9]+$/, "")}${names.size}`);
  });
  const v = (x: Var): Var => (names.has(x.name) ? { ...x, name: names.get(x.name)! } : x);
  const e = (x: Expr): Expr => mapExpr(x, (y) => (y.k === "var" && names.has(y.name) ? v(y) : undefined));
  const s = (x: Stmt): Stmt => {
    switch (x.k) {
      case "for": return { ...x, v: v(x.v), body: s(x.body), ...(x.lo ? { lo: e(x.lo) } : {}), ...(x.hi ? { hi: e(x.hi) } : {}) };
      case "store": return { ...x, index: e(x.index), value: e(x.value), ...(x.mask ? { mask: e(x.mask) } : {}) };
      case "seq": return { k: "seq", body: x.body.map(s) };
      case "if": return { k: "if", c: e(x.c), then: s(x.then), else: x.else && s(x.else) };
      case "decl": return { ...x, v: v(x.v), init: e(x.init) };
      case "assign": return { ...x, v: v(x.v), value: e(x.value) };
    }
  };
  return { ...f, body: s(f.body) };
}
