/**
 * @fileoverview Inlines the non-materialised stages of a tensor expression into the expression
 * that reads them, without recursion proportional to the length of the stage chain. A stage
 * read more than once at one index is expanded once; an expansion that grows too deep, or too
 * large to copy, is bound to a local (`decl`) so every lowered expression stays small and the
 * work stays linear in the number of stages.
 */
import { Buffer, Expr, Stmt, Var, exprChildren, load, mapExpr, mkVar, substExpr } from "../ir/tir.ts";
import { exprTypeName } from "../ir/vec.ts";

type Access = Extract<Expr, { k: "access" }>;

/** Expansions deeper than this are bound to a local. */
export const MAX_INLINE_DEPTH = 32;
/** An expansion with more nodes than this is bound to a local when it is read more than once. */
const MAX_SHARED_NODES = 24;
/** Any expansion with more nodes than this is bound to a local. */
const MAX_INLINE_NODES = 512;

export interface InlineSource {
  /** The buffer of a materialised tensor, if it has one. */
  buffer(id: number): Buffer | undefined;
  /** The compute function of an inline stage. */
  stage(t: Access["t"]): ((idx: Var[]) => Expr) | undefined;
  /** Whether a stage is read by more than one access in the whole definition. */
  shared(id: number): boolean;
  /** Flattens an index. */
  flat(idx: Expr[], shape: number[]): Expr;
}

/**
 * One scope of inlining (a loop body). `bind`: expansions over the limits become `decl`s
 * appended to `pre`; without it, an expansion over the limits makes `run` return undefined.
 * `hoist` is applied to the result (the caller's treatment of reductions).
 */
export class Inliner {
  readonly pre: Stmt[] = [];
  private memo = new Map<string, { e: Expr; bound: boolean }>();
  private sizes = new WeakMap<Expr, { depth: number; nodes: number }>();

  constructor(private readonly src: InlineSource, private readonly bind: boolean,
    private readonly hoist: (e: Expr, scope: Inliner) => Expr = (e) => e) {}

  run(root: Expr): Expr | undefined {
    const done = new Map<Access, Expr>();
    type Frame = { a: Access; phase: 0 | 1 | 2; key?: string; raw?: Expr };
    const stack: Frame[] = [];
    const pushAll = (e: Expr) => { for (const a of topAccesses(e)) if (!done.has(a)) stack.push({ a, phase: 0 }); };
    pushAll(root);
    while (stack.length) {
      const f = stack[stack.length - 1]!;
      if (done.has(f.a)) { stack.pop(); continue; }
      if (f.phase === 0) {
        f.phase = 1;
        for (const i of f.a.idx) pushAll(i);
        continue;
      }
      if (f.phase === 1) {
        const idx = f.a.idx.map((i) => replaceTop(i, done));
        const buf = this.src.buffer(f.a.t.id);
        if (buf) { done.set(f.a, load(buf, this.src.flat(idx, f.a.t.shape))); stack.pop(); continue; }
        const fn = this.src.stage(f.a.t);
        if (!fn) throw new Error(`internal error: tensor ${f.a.t.name} has no producer`);
        f.key = `${f.a.t.id}[${idx.map(exprKey).join(",")}]`;
        const hit = this.memo.get(f.key);
        if (hit) { done.set(f.a, hit.bound ? hit.e : clone(hit.e)); stack.pop(); continue; }
        const vars = f.a.t.shape.map((_, i) => mkVar(`q${i}_`));
        f.raw = substExpr(fn(vars), new Map(vars.map((v, i) => [v.name, idx[i]!])));
        f.phase = 2;
        pushAll(f.raw);
        continue;
      }
      let e = this.hoist(replaceTop(f.raw!, done), this);
      const { depth, nodes } = this.measure(e);
      const over = depth > MAX_INLINE_DEPTH || nodes > MAX_INLINE_NODES || (nodes > MAX_SHARED_NODES && this.src.shared(f.a.t.id));
      let bound = false;
      if (over) {
        if (!this.bind) return undefined;
        const v = mkVar("t", e.dtype);
        this.pre.push({ k: "decl", v, init: e });
        e = v;
        bound = true;
      }
      this.memo.set(f.key!, { e, bound });
      done.set(f.a, e);
      stack.pop();
    }
    const out = this.hoist(replaceTop(root, done), this);
    if (!this.bind) {
      const { depth, nodes } = this.measure(out);
      if (depth > MAX_INLINE_DEPTH || nodes > MAX_INLINE_NODES) return undefined;
    }
    return out;
  }

  /** Depth and node count of an expression whose subexpressions were measured before. */
  private measure(e: Expr): { depth: number; nodes: number } {
    const known = this.sizes.get(e);
    if (known) return known;
    let depth = 0, nodes = 1;
    for (const x of children(e)) {
      const m = this.measure(x);
      depth = Math.max(depth, m.depth);
      nodes += m.nodes;
    }
    const r = { depth: depth + 1, nodes };
    this.sizes.set(e, r);
    return r;
  }
}

/** Direct subexpressions (a reduction's body is its own scope, so it is left out). */
function children(e: Expr): Expr[] {
  return e.k === "reduce" ? (e.init ? [e.init] : []) : exprChildren(e);
}

/** Accesses in `e` that are not inside another access or a reduction body. */
function topAccesses(e: Expr): Access[] {
  const out: Access[] = [];
  mapExpr(e, (x) => {
    if (x.k === "access") { out.push(x); return x; }
    if (x.k === "reduce") { if (x.init) out.push(...topAccesses(x.init)); return x; }
    return undefined;
  });
  return out;
}

function replaceTop(e: Expr, done: Map<Access, Expr>): Expr {
  return mapExpr(e, (x) => {
    if (x.k === "access") return done.get(x)!;
    if (x.k === "reduce") return x.init ? { ...x, init: replaceTop(x.init, done) } : x;
    return undefined;
  });
}

const clone = (e: Expr): Expr => mapExpr(e, () => undefined);

/** A structural key of an expression: equal keys, equal expressions. */
export function exprKey(e: Expr): string {
  switch (e.k) {
    case "const": return `${e.v}:${e.dtype}`;
    case "var": return e.name;
    case "load": return `${e.buf.name}[${exprKey(e.index)}${e.mask ? ` if ${exprKey(e.mask)}` : ""}]`;
    case "bin": return `(${e.op} ${exprKey(e.a)} ${exprKey(e.b)})`;
    case "un": return `(${e.op} ${exprKey(e.a)})`;
    case "cast": case "bitcast": return `(${e.k}:${e.dtype} ${exprKey(e.a)})`;
    case "select": return `(? ${exprKey(e.c)} ${exprKey(e.a)} ${exprKey(e.b)})`;
    case "access": return `${e.t.id}@[${e.idx.map(exprKey).join(",")}]`;
    case "reduce": return `(reduce ${e.op} ${e.axes.map((a) => a.v.name).join(",")} ${exprKey(e.body)})`;
    default: {
      const extra = e.k === "hreduce" ? e.op : e.k === "ramp" ? e.stride : e.k === "shuffle" ? e.idx.join(",") : "";
      return `(${e.k}:${exprTypeName(e)}:${extra} ${exprChildren(e).map(exprKey).join(" ")})`;
    }
  }
}
