/**
 * @fileoverview The meaning of the vector forms: scalarize() rewrites a PrimFunc into scalar
 * Tensor IR, lane by lane, at a chosen vscale. The evaluator runs vector IR through it, so each
 * vector form is defined once, here, by the scalar code it stands for.
 */
import { BinOp, Buffer, Expr, PrimFunc, Stmt, Var, c, exprChildren, mapChildren, visitStmt } from "./tir.ts";
import { isVector, laneCount, shapeOf } from "./vec.ts";

const VECTOR_KINDS = new Set<Expr["k"]>(["ramp", "bcast", "fma", "hreduce", "shuffle", "vscale"]);

/** True when the function holds any vector form (or a masked store, or a scalar fma). */
export function hasVectorForms(f: PrimFunc): boolean {
  let found = false;
  visitStmt(f.body, (s) => {
    if ((s.k === "decl" || s.k === "assign") && s.v.lanes) found = true;
    if (s.k === "store" && s.mask) found = true;
  }, (e) => { if (isVector(e) || VECTOR_KINDS.has(e.k)) found = true; });
  return found;
}

/** `f` with every vector form spelled out lane by lane (`vscale` sizes the scalable vectors). */
export function scalarize(f: PrimFunc, vscale = 1): PrimFunc {
  if (!hasVectorForms(f)) return f;
  return { ...f, body: new Scalarizer(vscale).block(f.body) };
}

const laneVar = (v: Var, i: number): Var => ({ k: "var", name: `${v.name}_l${i}`, dtype: v.dtype });
const raw = (op: BinOp, a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b, dtype: a.dtype });

class Scalarizer {
  private temps = 0;

  constructor(private vscale: number) {}

  private lanes(e: Expr | Var): number {
    return laneCount(shapeOf(e as Expr), this.vscale);
  }

  /** A statement as a block; a vector decl's lanes stay in the enclosing seq, where they are visible. */
  block(s: Stmt): Stmt {
    const body = this.stmt(s);
    return body.length === 1 ? body[0]! : { k: "seq", body };
  }

  private stmt(s: Stmt): Stmt[] {
    switch (s.k) {
      case "for": return [{
        ...s, body: this.block(s.body),
        ...(s.lo ? { lo: this.scalar(s.lo) } : {}), ...(s.hi ? { hi: this.scalar(s.hi) } : {}),
      }];
      case "seq": return [{ k: "seq", body: s.body.flatMap((x) => this.stmt(x)) }];
      case "if": return [{ k: "if", c: this.scalar(s.c), then: this.block(s.then), ...(s.else ? { else: this.block(s.else) } : {}) }];
      case "decl":
        if (!s.v.lanes) return [{ ...s, init: this.scalar(s.init) }];
        return this.each(this.lanes(s.v), (i) => ({ k: "decl", v: laneVar(s.v, i), init: this.lane(s.init, i) }));
      case "assign": {
        if (!s.v.lanes) return [{ ...s, value: this.scalar(s.value) }];
        const n = this.lanes(s.v);
        // A lane may read other lanes of the variable (a shuffle): compute every lane first.
        if (!crossesLanes(s.value)) return this.each(n, (i) => ({ k: "assign", v: laneVar(s.v, i), value: this.lane(s.value, i) }));
        const t = this.temp(s.v);
        return [
          ...this.each(n, (i): Stmt => ({ k: "decl", v: laneVar(t, i), init: this.lane(s.value, i) })),
          ...this.each(n, (i): Stmt => ({ k: "assign", v: laneVar(s.v, i), value: laneVar(t, i) })),
        ];
      }
      case "store": {
        if (!isVector(s.index)) {
          const st: Stmt = { k: "store", buf: s.buf, index: this.scalar(s.index), value: this.scalar(s.value) };
          return [s.mask ? { k: "if", c: this.scalar(s.mask), then: st } : st];
        }
        const n = this.lanes(s.index);
        // Every lane is read before any is written, as one vector store would.
        const reads = [s.index, s.value, ...(s.mask ? [s.mask] : [])].some((e) => readsBuffer(e, s.buf));
        const t = reads ? this.temp({ k: "var", name: "st", dtype: s.value.dtype }) : undefined;
        const value = (i: number): Expr => (t ? laneVar(t, i) : this.lane(s.value, i));
        const body: Stmt[] = t ? this.each(n, (i): Stmt => ({ k: "decl", v: laneVar(t, i), init: this.lane(s.value, i) })) : [];
        for (let i = 0; i < n; i++) {
          const st: Stmt = { k: "store", buf: s.buf, index: this.lane(s.index, i), value: value(i) };
          body.push(s.mask ? { k: "if", c: this.lane(s.mask, i), then: st } : st);
        }
        return body;
      }
    }
  }

  /** A scalar expression, whose subexpressions may be vectors (under hreduce or shuffle). */
  scalar(e: Expr): Expr {
    if (isVector(e)) throw new Error(`internal error: a vector (${e.k}) where a scalar is expected`);
    switch (e.k) {
      case "hreduce": {
        const n = this.lanes(e.a);
        let acc = this.lane(e.a, 0);
        for (let i = 1; i < n; i++) acc = raw(e.op, acc, this.lane(e.a, i));
        return acc;
      }
      case "shuffle": return this.pick(e, 0);
      case "vscale": return c(this.vscale, e.dtype);
      case "fma": return raw("add", raw("mul", this.scalar(e.a), this.scalar(e.b)), this.scalar(e.c));
      case "load": {
        const l: Expr = { k: "load", buf: e.buf, index: this.scalar(e.index), dtype: e.dtype };
        return e.mask ? { k: "select", c: this.scalar(e.mask), a: l, b: c(0, e.dtype), dtype: e.dtype } : l;
      }
      default: return mapChildren(e, (x) => this.scalar(x));
    }
  }

  /** Lane i of a vector expression, as a scalar expression. */
  lane(e: Expr, i: number): Expr {
    if (!isVector(e)) throw new Error(`internal error: lane ${i} of a scalar (${e.k})`);
    switch (e.k) {
      case "var": return laneVar(e, i);
      case "ramp": return raw("add", this.scalar(e.base), c(i * e.stride, e.dtype));
      case "bcast": return this.scalar(e.a);
      case "load": {
        const l: Expr = { k: "load", buf: e.buf, index: this.lane(e.index, i), dtype: e.dtype };
        return e.mask ? { k: "select", c: this.lane(e.mask, i), a: l, b: c(0, e.dtype), dtype: e.dtype } : l;
      }
      case "bin": return { k: "bin", op: e.op, a: this.lane(e.a, i), b: this.lane(e.b, i), dtype: e.dtype };
      case "un": return { k: "un", op: e.op, a: this.lane(e.a, i), dtype: e.dtype };
      case "cast": return { k: "cast", a: this.lane(e.a, i), dtype: e.dtype };
      case "bitcast": return { k: "bitcast", a: this.lane(e.a, i), dtype: e.dtype };
      case "select": return { k: "select", c: this.lane(e.c, i), a: this.lane(e.a, i), b: this.lane(e.b, i), dtype: e.dtype };
      case "fma": return raw("add", raw("mul", this.lane(e.a, i), this.lane(e.b, i)), this.lane(e.c, i));
      case "shuffle": return this.pick(e, i);
      default: throw new Error(`internal error: ${e.k} cannot be a vector`);
    }
  }

  private pick(e: Extract<Expr, { k: "shuffle" }>, i: number): Expr {
    const j = e.idx[i]!, n = this.lanes(e.a);
    return j < n ? this.lane(e.a, j) : this.lane(e.b!, j - n);
  }

  private each(n: number, f: (i: number) => Stmt): Stmt[] {
    return Array.from({ length: n }, (_, i) => f(i));
  }

  private temp(like: Var): Var {
    return { k: "var", name: `lanes${this.temps++}_${like.name}`, dtype: like.dtype };
  }
}

function crossesLanes(e: Expr): boolean {
  return e.k === "shuffle" || e.k === "hreduce" || exprChildren(e).some(crossesLanes);
}

function readsBuffer(e: Expr, b: Buffer): boolean {
  return (e.k === "load" && e.buf.name === b.name) || exprChildren(e).some((x) => readsBuffer(x, b));
}
