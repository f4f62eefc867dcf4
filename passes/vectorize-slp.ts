/**
 * @fileoverview Partial sums as vectors (superword parallelism): a loop whose body only updates
 * scalar partials `p_j = p_j op e(j)`, where e(j) reads element j past e(0), keeps each group of
 * as many partials as a vector has lanes in one vector accumulator. Each lane computes exactly
 * its partial's sequence of operations, so results are bit for bit the scalar loop's. The
 * partials must start as one constant declared just before the loop; after it, each takes its
 * lane back.
 */
import { DType } from "../ir/dtype.ts";
import { TargetDesc, lanesOf } from "../ir/target.ts";
import { BinOp, Expr, PrimFunc, Stmt, Var, VecShape, add, c, exprChildren, hasLoop } from "../ir/tir.ts";
import * as V from "../ir/vec.ts";
import { mentionsAny } from "./vectorize.ts";
import { exprKey } from "./te-inline.ts";

type For = Extract<Stmt, { k: "for" }>;
type Assign = Extract<Stmt, { k: "assign" }>;

const OPS: ReadonlySet<BinOp> = new Set<BinOp>(["add", "mul", "min", "max"]);
const FORMS = new Set(["const", "var", "load", "bin", "un", "cast", "select"]);

const flat = (s: Stmt): Stmt[] => (s.k === "seq" ? s.body.flatMap(flat) : [s]);
const hasLoad = (e: Expr): boolean => e.k === "load" || exprChildren(e).some(hasLoad);

/** `f` with its partial-sum loops rewritten (unchanged when none qualifies). */
export function slpFunc(f: PrimFunc, target: TargetDesc): PrimFunc {
  let changed = false;
  const walk = (s: Stmt): Stmt => {
    switch (s.k) {
      case "seq": {
        const body = s.body.map(walk), out = slpPartials(body, target);
        if (out.length !== body.length) changed = true;
        return { k: "seq", body: out };
      }
      case "for": return { ...s, body: walk(s.body) };
      case "if": return { ...s, then: walk(s.then), ...(s.else ? { else: walk(s.else) } : {}) };
      default: return s;
    }
  };
  const body = walk(f.body);
  return changed ? { ...f, body } : f;
}

function slpPartials(body: Stmt[], target: TargetDesc): Stmt[] {
  const out = [...body];
  for (let i = 0; i < out.length; i++) {
    const s = out[i]!;
    if (s.k !== "for") continue;
    const r = rewriteLoop(s, out.slice(0, i), target);
    if (!r) continue;
    out.splice(i, 1, ...r.before, r.loop, ...r.after);
    i += r.before.length + r.after.length;
  }
  return out;
}

/** The operand of `p = op(p, e)`, when the statement has that form. */
function partial(s: Stmt): { a: Assign; op: BinOp; e: Expr } | undefined {
  if (s.k !== "assign" || s.v.lanes || s.value.k !== "bin" || !OPS.has(s.value.op)) return undefined;
  const v = s.value;
  return v.a.k === "var" && v.a.name === s.v.name && !mentionsAny(v.b, new Set([s.v.name])) ? { a: s, op: v.op, e: v.b } : undefined;
}

function rewriteLoop(loop: For, before: Stmt[], target: TargetDesc): { before: Stmt[]; loop: Stmt; after: Stmt[] } | undefined {
  if (loop.kind !== "serial" || hasLoop(loop.body)) return undefined;
  const parts = flat(loop.body).map(partial);
  if (!parts.length || parts.some((p) => !p)) return undefined;
  const ps = parts as { a: Assign; op: BinOp; e: Expr }[];
  const t: DType = ps[0]!.a.v.dtype, op = ps[0]!.op, L = lanesOf(target, t);
  const names = new Set(ps.map((p) => p.a.v.name));
  if (L < 2 || ps.length % L || names.size !== ps.length || ps.some((p) => p.op !== op || p.a.v.dtype !== t)) return undefined;
  if (ps.some((p) => mentionsAny(p.e, names))) return undefined;
  // Each partial starts as the same constant, declared before the loop and untouched since.
  const inits = ps.map((p) => initOf(p.a.v, before));
  if (inits.some((x) => x === undefined || x !== inits[0])) return undefined;
  const shape: VecShape = { lanes: L };
  const decls: Stmt[] = [], updates: Stmt[] = [], after: Stmt[] = [];
  for (let g = 0; g < ps.length; g += L) {
    const group = ps.slice(g, g + L);
    const x = laneVector(group.map((p) => p.e), shape, target);
    if (!x) return undefined;
    const acc: Var = V.vvar({ k: "var", name: `${group[0]!.a.v.name}_slp`, dtype: t }, shape);
    decls.push({ k: "decl", v: acc, init: V.bcast(c(inits[0]!, t), shape) });
    updates.push({ k: "assign", v: acc, value: V.vbin(op, acc, x) });
    group.forEach((p, l) => after.push({ k: "assign", v: p.a.v, value: V.shuffle(acc, undefined, [l]) }));
  }
  return { before: decls, loop: { ...loop, body: updates.length === 1 ? updates[0]! : { k: "seq", body: updates } }, after };
}

/** The constant a scalar is declared with in `before`, if nothing after the declaration touches it. */
function initOf(v: Var, before: Stmt[]): number | undefined {
  const names = new Set([v.name]);
  for (let i = before.length - 1; i >= 0; i--) {
    const s = before[i]!;
    if (s.k === "decl" && s.v.name === v.name) return s.init.k === "const" ? s.init.v : undefined;
    if (stmtMentions(s, names)) return undefined;
  }
  return undefined;
}

function stmtMentions(s: Stmt, names: ReadonlySet<string>): boolean {
  switch (s.k) {
    case "decl": case "assign": return names.has(s.v.name) || mentionsAny(s.k === "decl" ? s.init : s.value, names);
    case "store": return [s.index, s.value, ...(s.mask ? [s.mask] : [])].some((e) => mentionsAny(e, names));
    case "seq": return s.body.some((x) => stmtMentions(x, names));
    case "if": return mentionsAny(s.c, names) || stmtMentions(s.then, names) || (!!s.else && stmtMentions(s.else, names));
    case "for": return stmtMentions(s.body, names) || [s.lo, s.hi].some((e) => !!e && mentionsAny(e, names));
  }
}

/**
 * One vector whose lane l is es[l], when es[l] is es[0] with every load l elements further on
 * (contiguous vector loads) and every other leaf the same (broadcast).
 */
function laneVector(es: Expr[], shape: VecShape, target: TargetDesc): Expr | undefined {
  const e0 = es[0]!;
  if (!FORMS.has(e0.k) || !target.vectorTypes.includes(e0.dtype)) return undefined;
  if (!hasLoad(e0)) return es.every((e) => exprKey(e) === exprKey(e0)) ? V.bcast(e0, shape) : undefined;
  if (es.some((e) => e.k !== e0.k || e.dtype !== e0.dtype)) return undefined;
  const kids = (i: number) => es.map((e) => exprChildren(e)[i]!);
  const sub = (i: number) => laneVector(kids(i), shape, target);
  switch (e0.k) {
    case "load": {
      if (e0.mask || es.some((e, l) => e.k !== "load" || e.mask || e.buf.name !== e0.buf.name || exprKey(e.index) !== exprKey(add(e0.index, c(l))))) return undefined;
      if (hasLoad(e0.index)) return undefined;
      return V.vload(e0.buf, V.ramp(e0.index, 1, shape));
    }
    case "bin": {
      if (es.some((e) => e.k !== "bin" || e.op !== e0.op)) return undefined;
      const a = sub(0), b = sub(1);
      return a && b ? V.vbin(e0.op, a, b) : undefined;
    }
    case "un": {
      if (es.some((e) => e.k !== "un" || e.op !== e0.op)) return undefined;
      const a = sub(0);
      return a && V.vun(e0.op, a);
    }
    case "cast": {
      const a = sub(0);
      return a && V.vcast(a, e0.dtype);
    }
    case "select": {
      const cnd = sub(0), a = sub(1), b = sub(2);
      return cnd && a && b ? V.vselect(cnd, a, b) : undefined;
    }
    default: return undefined;
  }
}
