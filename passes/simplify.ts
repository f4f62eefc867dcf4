/**
 * @fileoverview simplify: Tensor IR index arithmetic made canonical before printing. Integer
 * index expressions become affine sums in loop order (x*c1 + y*c2 + k); ranges known from the
 * enclosing loops decide min/max, comparisons, floordiv/floormod and selects; conditions that
 * always hold or never do leave their `if` or `select`; locals nothing reads go. Floats are never
 * touched.
 */
import { dropDeadLocals } from "./dead-locals.ts";
import { INDEX, Expr, PrimFunc, Stmt, bin, c, isCompare, mapChildren, select, seq } from "../ir/tir.ts";

/** Inclusive bounds; ±Infinity when unknown. */
interface Range { lo: number; hi: number }
const ANY: Range = { lo: -Infinity, hi: Infinity };

/** An affine sum: terms (an atom times a coefficient) plus a constant. */
interface Affine { terms: Map<string, { atom: Expr; k: number }>; k: number }

export function simplifyFunc(f: PrimFunc): PrimFunc {
  return { ...f, body: dropDeadLocals(new Simplifier().stmt(f.body)) };
}

class Simplifier {
  private ranges = new Map<string, Range>();
  /** Loop variables in nesting order: canonical sums list outer loops first. */
  private order = new Map<string, number>();

  stmt(s: Stmt): Stmt {
    switch (s.k) {
      case "for": {
        const lo = s.lo ? this.expr(s.lo) : undefined, hi = s.hi ? this.expr(s.hi) : undefined;
        const first = lo ? this.range(lo).lo : 0, last = (hi ? Math.min(this.range(hi).hi, s.extent) : s.extent) - 1;
        if (last < first) return seq();
        this.ranges.set(s.v.name, { lo: first, hi: last });
        this.order.set(s.v.name, this.order.size);
        const body = this.stmt(s.body);
        this.ranges.delete(s.v.name);
        this.order.delete(s.v.name);
        return { ...s, body, ...(lo ? { lo } : {}), ...(hi ? { hi } : {}) };
      }
      case "seq": return seq(...s.body.map((x) => this.stmt(x)));
      case "if": {
        const cond = this.expr(s.c);
        const known = this.truth(cond);
        if (known === true) return this.stmt(s.then);
        if (known === false) return s.else ? this.stmt(s.else) : seq();
        return { k: "if", c: cond, then: this.stmt(s.then), ...(s.else ? { else: this.stmt(s.else) } : {}) };
      }
      case "store": return { ...s, index: this.expr(s.index), value: this.expr(s.value) };
      case "decl": return { ...s, init: this.expr(s.init) };
      case "assign": return { ...s, value: this.expr(s.value) };
    }
  }

  /** Children first; expressions are shallow (lowering binds deep ones to locals). */
  expr(e: Expr): Expr {
    // Vector forms keep their shape: only their scalar parts (ramp bases, bcast operands) simplify.
    if (e.k === "select" && e.lanes) {
      // A lane-invariant condition that always holds (or never does) leaves its select.
      const x = mapChildren(e, (y) => this.expr(y)) as typeof e;
      if (x.c.k === "bcast") {
        const known = this.truth(x.c.a);
        if (known !== undefined) return known ? x.a : x.b;
      }
      return x;
    }
    if (e.k === "bin" && e.lanes) return mapChildren(e, (x) => this.expr(x));
    switch (e.k) {
      case "const": case "var": return e;
      case "load": return { ...e, index: this.expr(e.index) };
      case "un": return { ...e, a: this.expr(e.a) };
      case "cast": case "bitcast": return { ...e, a: this.expr(e.a) };
      case "select": {
        const cond = this.expr(e.c), known = this.truth(cond);
        if (known !== undefined) return this.expr(known ? e.a : e.b);
        return select(cond, this.expr(e.a), this.expr(e.b));
      }
      case "bin": return this.binary(e.op, this.expr(e.a), this.expr(e.b), e);
      case "access": case "reduce": return e;
      default: return mapChildren(e, (x) => this.expr(x));
    }
  }

  private binary(op: Extract<Expr, { k: "bin" }>["op"], a: Expr, b: Expr, orig: Extract<Expr, { k: "bin" }>): Expr {
    const rebuilt = (): Expr => ({ ...orig, a, b });
    if (orig.dtype === "bool" && (op === "land" || op === "lor")) {
      const ta = this.truth(a), tb = this.truth(b);
      if (op === "land") return ta === false || tb === false ? c(0, "bool") : ta === true ? b : tb === true ? a : rebuilt();
      return ta === true || tb === true ? c(1, "bool") : ta === false ? b : tb === false ? a : rebuilt();
    }
    if (a.dtype !== INDEX) return rebuilt();
    if (isCompare(op)) {
      const known = this.compare(op, a, b);
      return known === undefined ? rebuilt() : c(known ? 1 : 0, "bool");
    }
    const ra = this.range(a), rb = this.range(b);
    switch (op) {
      case "add": case "sub": case "mul": {
        const sum = this.affine({ ...orig, a, b });
        return sum ? this.build(sum) : rebuilt();
      }
      case "min": return ra.hi <= rb.lo ? a : rb.hi <= ra.lo ? b : rebuilt();
      case "max": return ra.lo >= rb.hi ? a : rb.lo >= ra.hi ? b : rebuilt();
      case "floordiv": case "floormod": {
        if (b.k !== "const" || b.v <= 0) return rebuilt();
        const d = b.v, sum = this.affine(a)!;
        // (d*x + rest) / d = x + rest / d, and the floormod is rest's; rest's range may settle both.
        const whole: Affine = { terms: new Map(), k: 0 }, rest: Affine = { terms: new Map(), k: sum.k };
        for (const [key, t] of sum.terms) {
          if (t.k % d === 0) whole.terms.set(key, { atom: t.atom, k: t.k / d });
          else rest.terms.set(key, t);
        }
        const restExpr = this.build(rest), rr = this.range(restExpr);
        const lo = Math.floor(rr.lo / d), settled = Number.isFinite(lo) && lo === Math.floor(rr.hi / d);
        if (op === "floormod") return settled ? this.build({ ...rest, k: rest.k - lo * d }) : bin("floormod", restExpr, b);
        if (settled) { whole.k = lo; return this.build(whole); }
        const div = bin("floordiv", restExpr, b);
        return whole.terms.size ? this.build(this.affine(bin("add", this.build(whole), div))!) : div;
      }
      default: return rebuilt();
    }
  }

  /** true/false when a condition is decided by the ranges; undefined otherwise. */
  private truth(e: Expr): boolean | undefined {
    if (e.k === "const") return e.v !== 0;
    return undefined;
  }

  private compare(op: string, a: Expr, b: Expr): boolean | undefined {
    const d = this.range(this.build(this.affine(bin("sub", a, b))!));
    switch (op) {
      case "lt": return d.hi < 0 ? true : d.lo >= 0 ? false : undefined;
      case "le": return d.hi <= 0 ? true : d.lo > 0 ? false : undefined;
      case "gt": return d.lo > 0 ? true : d.hi <= 0 ? false : undefined;
      case "ge": return d.lo >= 0 ? true : d.hi < 0 ? false : undefined;
      case "eq": return d.lo === 0 && d.hi === 0 ? true : d.lo > 0 || d.hi < 0 ? false : undefined;
      case "ne": return d.lo > 0 || d.hi < 0 ? true : d.lo === 0 && d.hi === 0 ? false : undefined;
    }
    return undefined;
  }

  /** Bounds of an index expression from the loop ranges. */
  private range(e: Expr): Range {
    switch (e.k) {
      case "const": return { lo: e.v, hi: e.v };
      case "var": return this.ranges.get(e.name) ?? ANY;
      case "bin": {
        if (e.dtype !== INDEX) return ANY;
        const a = this.range(e.a), b = this.range(e.b);
        switch (e.op) {
          case "add": return { lo: a.lo + b.lo, hi: a.hi + b.hi };
          case "sub": return { lo: a.lo - b.hi, hi: a.hi - b.lo };
          case "mul": {
            const p = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi].map((x) => (Number.isNaN(x) ? 0 : x));
            return { lo: Math.min(...p), hi: Math.max(...p) };
          }
          case "min": return { lo: Math.min(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
          case "max": return { lo: Math.max(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
          case "floordiv": return e.b.k === "const" && e.b.v > 0 ? { lo: Math.floor(a.lo / e.b.v), hi: Math.floor(a.hi / e.b.v) } : ANY;
          case "floormod": return e.b.k === "const" && e.b.v > 0 ? (a.lo >= 0 && a.hi < e.b.v ? a : { lo: 0, hi: e.b.v - 1 }) : ANY;
          default: return ANY;
        }
      }
      case "select": { const a = this.range(e.a), b = this.range(e.b); return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) }; }
      default: return ANY;
    }
  }

  /** The affine sum of an index expression: +, -, * by a constant; other subexpressions are atoms. */
  private affine(e: Expr): Affine | undefined {
    if (e.dtype !== INDEX) return undefined;
    const out: Affine = { terms: new Map(), k: 0 };
    const stack: [Expr, number][] = [[e, 1]];
    while (stack.length) {
      const [x, k] = stack.pop()!;
      if (x.k === "const") { out.k += k * x.v; continue; }
      if (x.k === "bin" && x.dtype === INDEX) {
        if (x.op === "add") { stack.push([x.a, k], [x.b, k]); continue; }
        if (x.op === "sub") { stack.push([x.a, k], [x.b, -k]); continue; }
        if (x.op === "mul" && x.b.k === "const") { stack.push([x.a, k * x.b.v]); continue; }
        if (x.op === "mul" && x.a.k === "const") { stack.push([x.b, k * x.a.v]); continue; }
      }
      if (x.k === "un" && x.op === "neg" && x.dtype === INDEX) { stack.push([x.a, -k]); continue; }
      const key = keyOf(x);
      const t = out.terms.get(key);
      if (t) t.k += k; else out.terms.set(key, { atom: x, k });
    }
    for (const [key, t] of out.terms) if (t.k === 0) out.terms.delete(key);
    return out;
  }

  /** x*c1 + y*c2 - z*c3 + k, outer loop variables first. */
  private build(s: Affine): Expr {
    const rank = (a: Expr) => (a.k === "var" ? this.order.get(a.name) ?? 1e6 : 2e6);
    const terms = [...s.terms.entries()].sort(([ka, a], [kb, b]) => rank(a.atom) - rank(b.atom) || (ka < kb ? -1 : ka > kb ? 1 : 0)).map(([, t]) => t);
    const scaled = (t: { atom: Expr; k: number }, k: number) => (k === 1 ? t.atom : bin("mul", t.atom, c(k)));
    let e: Expr | undefined;
    for (const t of terms.filter((x) => x.k > 0)) e = e ? bin("add", e, scaled(t, t.k)) : scaled(t, t.k);
    if (!e) e = c(s.k > 0 ? s.k : 0);
    else if (s.k > 0) e = bin("add", e, c(s.k));
    for (const t of terms.filter((x) => x.k < 0)) e = bin("sub", e, scaled(t, -t.k));
    if (s.k < 0) e = bin("sub", e, c(-s.k));
    return e;
  }
}

/** A structural key of an atom. */
function keyOf(e: Expr): string {
  switch (e.k) {
    case "const": return `${e.v}`;
    case "var": return e.name;
    case "load": return `${e.buf.name}[${keyOf(e.index)}]`;
    case "bin": return `(${e.op} ${keyOf(e.a)} ${keyOf(e.b)})`;
    case "un": return `(${e.op} ${keyOf(e.a)})`;
    case "cast": case "bitcast": return `(${e.k}${e.dtype} ${keyOf(e.a)})`;
    case "select": return `(? ${keyOf(e.c)} ${keyOf(e.a)} ${keyOf(e.b)})`;
    default: return `#${e.k}`;
  }
}

