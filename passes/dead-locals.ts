/**
 * @fileoverview Drops scalar locals nothing reads: a loop simplified away (an empty tensor) can
 * leave locals whose only readers were inside it, and C compilers warn about those. A local read
 * only by its own updates is dead too. Expressions have no side effects, so dropping is safe.
 */
import { Expr, Stmt, exprChildren } from "../ir/tir.ts";

export function dropDeadLocals(body: Stmt): Stmt {
  for (;;) {
    const live = new Set<string>(), declared = new Set<string>();
    collect(body, live, declared);
    const dead = new Set([...declared].filter((n) => !live.has(n)));
    if (!dead.size) return body;
    body = prune(body, dead);
  }
}

function reads(e: Expr, out: Set<string>, except?: string): void {
  if (e.k === "var") { if (e.name !== except) out.add(e.name); return; }
  for (const x of exprChildren(e)) reads(x, out, except);
}

function collect(s: Stmt, live: Set<string>, declared: Set<string>): void {
  switch (s.k) {
    case "for":
      if (s.lo) reads(s.lo, live);
      if (s.hi) reads(s.hi, live);
      collect(s.body, live, declared);
      break;
    case "seq": for (const x of s.body) collect(x, live, declared); break;
    case "if": reads(s.c, live); collect(s.then, live, declared); if (s.else) collect(s.else, live, declared); break;
    case "store": reads(s.index, live); reads(s.value, live); if (s.mask) reads(s.mask, live); break;
    case "decl": declared.add(s.v.name); reads(s.init, live, s.v.name); break;
    case "assign": reads(s.value, live, s.v.name); break;
  }
}

function prune(s: Stmt, dead: ReadonlySet<string>): Stmt {
  switch (s.k) {
    case "for": return { ...s, body: prune(s.body, dead) };
    case "seq": return { k: "seq", body: s.body.map((x) => prune(x, dead)).filter((x) => !(x.k === "seq" && !x.body.length)) };
    case "if": return { ...s, then: prune(s.then, dead), ...(s.else ? { else: prune(s.else, dead) } : {}) };
    case "decl": case "assign": return dead.has(s.v.name) ? { k: "seq", body: [] } : s;
    default: return s;
  }
}
