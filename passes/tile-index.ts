/**
 * @fileoverview Canonical index forms for register tiles: each index as one base plus a constant,
 * so the C compiler sees a tile's accesses as consecutive offsets from one address.
 */
import { Expr, add, c, mapExpr, mul } from "../ir/tir.ts";

/**
 * Rewrites an integer index as (sum of coefficient * atom) + constant, the constant outermost, so
 * the C compiler sees the tile's accesses as one base plus consecutive offsets.
 */
export function canonIndex(e: Expr): Expr {
  const terms = new Map<string, { atom: Expr; k: number }>();
  let k0 = 0;
  let ok = true;
  const walk = (x: Expr, k: number): void => {
    if (x.k === "const") { k0 += k * x.v; return; }
    if (x.k === "bin" && (x.op === "add" || x.op === "sub")) { walk(x.a, k); walk(x.b, x.op === "sub" ? -k : k); return; }
    if (x.k === "bin" && x.op === "mul" && x.b.k === "const") { walk(x.a, k * x.b.v); return; }
    if (x.k === "bin" && x.op === "mul" && x.a.k === "const") { walk(x.b, k * x.a.v); return; }
    if (x.k !== "var") { ok = false; return; }
    const t = terms.get(x.name);
    if (t) t.k += k; else terms.set(x.name, { atom: x, k });
  };
  if (e.dtype !== "i32") return e;
  walk(e, 1);
  if (!ok) return e;
  let out: Expr | undefined;
  for (const { atom, k } of terms.values()) {
    if (k === 0) continue;
    const t = mul(atom, c(k));
    out = out ? add(out, t) : t;
  }
  return out ? add(out, c(k0)) : c(k0);
}

/** Every load index in e canonical; a vector load's ramp keeps its stride with a canonical base. */
export const canonLoads = (e: Expr): Expr => mapExpr(e, (x) => (x.k === "load" ? { ...x, index: canonRamp(x.index) } : undefined));

/** A scalar index, or a ramp's base, in canonical form. */
export function canonRamp(ix: Expr): Expr {
  return ix.k === "ramp" ? { ...ix, base: canonIndex(canonLoads(ix.base)) } : canonIndex(canonLoads(ix));
}
