/**
 * @fileoverview Recognises a reduction loop already split into partial accumulators, where
 * statement j of the body is `part_j = part_j + e(j)` and e(j) reads element j past e(0):
 * groups of four such statements become one v128 accumulator whose lanes are those partials.
 * Each lane sees exactly the scalar sequence of its partial, so the result is bit for bit the
 * scalar loop's.
 */
import { byteSize } from "../../ir/dtype.ts";
import { Expr, Stmt, Var } from "../../ir/tir.ts";
import { LANES, Mode, Reduction, asReduction, children, combine, flatten, hasVectorForm, laneType, linear, varsIn } from "./vectorize-plan.ts";

type For = Extract<Stmt, { k: "for" }>;

export interface SlpGroup {
  /** The four partial accumulators, lane order. */
  vars: Var[];
  op: Reduction["op"];
  /** Operand of the group's first statement: lane l reads l elements further in vector loads. */
  operand: Expr;
}

export interface SlpPlan {
  kind: "slp";
  loop: For;
  groups: SlpGroup[];
  lanes: LaneMatch;
}

/**
 * Four expressions matched lane by lane: the same shape, loads l*stride elements apart in lane
 * l (vector, stride 1 or 2) or the same element (uniform), and variables either the same
 * (uniform) or lane l of one group of four scalars (vector).
 */
export interface LaneMatch {
  mode: Map<Expr, Mode>;
  /** Element stride between lanes of each vector load (1 or 2). */
  stride: Map<Expr, number>;
  /** Group id of each variable node that stands for a group of four scalars. */
  group: Map<Expr, number>;
  /** Lanes in use when fewer than four (a row's last two or three outputs). */
  width: Map<Expr, number>;
}

export type GroupOf = (name: string) => { id: number; lane: number } | undefined;

export const newLaneMatch = (): LaneMatch => ({ mode: new Map(), stride: new Map(), group: new Map(), width: new Map() });

/**
 * Matches es lane by lane into `out` (two to four lanes; with fewer than four, the unused lanes
 * hold zeros); the mode of es[0], or undefined if they do not match.
 */
export function matchLanes(es: Expr[], groupOf: GroupOf, out: LaneMatch): Mode | undefined {
  if (es.length < 2 || es.length > LANES) return undefined;
  const shifts = new Map<Expr, number[]>();
  const groups = new Map<Expr, number>();
  for (let l = 0; l < es.length; l++) if (!match(es[0]!, es[l]!, l, shifts, groups, groupOf)) return undefined;
  return classify(es[0]!, shifts, groups, out, es.length);
}

export function planSlp(loop: For): SlpPlan | undefined {
  const body = flatten(loop.body);
  if (!body || body.length < LANES || body.length % LANES !== 0) return undefined;
  const reds: Reduction[] = [];
  for (const s of body) {
    if (s.k !== "assign") return undefined;
    const r = asReduction(s);
    if (!r || (r.v.dtype !== "f32" && r.v.dtype !== "i32")) return undefined;
    reds.push(r);
  }
  const names = new Set(reds.map((r) => r.v.name));
  if (names.size !== reds.length) return undefined;
  if (reds.some((r) => varsIn(r.operand).some((n) => names.has(n)))) return undefined;
  const lanes = newLaneMatch();
  const groups: SlpGroup[] = [];
  for (let g = 0; g < reds.length; g += LANES) {
    const four = reds.slice(g, g + LANES);
    const group = reductionGroup(four, () => undefined, lanes);
    if (!group) return undefined;
    groups.push(group);
  }
  return { kind: "slp", loop, groups, lanes };
}

/** Four reductions updated as one v128 accumulator, if they match lane by lane. */
export function reductionGroup(four: Reduction[], groupOf: GroupOf, lanes: LaneMatch): SlpGroup | undefined {
  if (four.length < 2 || four.length > LANES) return undefined;
  const first = four[0]!;
  if (four.some((r) => r.op !== first.op || r.v.dtype !== first.v.dtype)) return undefined;
  if (first.v.dtype !== "f32" && first.v.dtype !== "i32") return undefined;
  // Every lane must have the accumulator on the same side, for min/max NaN order.
  if (four.some((r) => sideOf(r) !== sideOf(first))) return undefined;
  if (matchLanes(four.map((r) => r.operand), groupOf, lanes) !== "vector") return undefined;
  return { vars: four.map((r) => r.v), op: first.op, operand: first.operand };
}

const sideOf = (r: Reduction) => (r.stmt.value.k === "bin" && r.stmt.value.a.k === "var" && r.stmt.value.a.name === r.v.name ? "left" : "right");

/** Structural equality of lane 0's expression and lane l's, recording load shifts and group variables. */
function match(a: Expr, b: Expr, l: number, shifts: Map<Expr, number[]>, groups: Map<Expr, number>, groupOf: GroupOf): boolean {
  if (a.k !== b.k || a.dtype !== b.dtype) return false;
  const m = (x: Expr, y: Expr) => match(x, y, l, shifts, groups, groupOf);
  switch (a.k) {
    case "const": return b.k === "const" && (a.v === b.v || (Number.isNaN(a.v) && Number.isNaN(b.v)));
    case "var": {
      if (b.k !== "var") return false;
      const ga = groupOf(a.name), gb = groupOf(b.name);
      if (!ga && !gb) return a.name === b.name;
      if (!ga || !gb || ga.id !== gb.id || ga.lane !== 0 || gb.lane !== l) return false;
      groups.set(a, ga.id);
      return true;
    }
    case "load": {
      if (b.k !== "load" || a.buf.name !== b.buf.name) return false;
      const la = linear(a.index), lb = linear(b.index);
      if (!la || !lb) return false;
      const d = combine(lb, la, -1);
      if (d.terms.size) return false;
      const s = shifts.get(a) ?? [];
      if (s[l] !== undefined && s[l] !== d.k) return false;
      s[l] = d.k;
      shifts.set(a, s);
      return true;
    }
    case "bin": return b.k === "bin" && a.op === b.op && m(a.a, b.a) && m(a.b, b.b);
    case "un": return b.k === "un" && a.op === b.op && m(a.a, b.a);
    case "cast": return b.k === "cast" && m(a.a, b.a);
    case "select": return b.k === "select" && m(a.c, b.c) && m(a.a, b.a) && m(a.b, b.b);
    default: return false;
  }
}

function classify(e: Expr, shifts: Map<Expr, number[]>, groups: Map<Expr, number>, out: LaneMatch, n: number): Mode | undefined {
  let m: Mode | undefined;
  if (e.k === "load") {
    const s = shifts.get(e)!;
    if (s.every((d) => d === 0)) m = "uniform";
    else {
      const stride = s[1]!;
      const ok = n === LANES ? stride === 1 || (stride === 2 && byteSize(e.dtype) === 4) : stride === 1 && byteSize(e.dtype) === 4;
      if (ok && s.every((d, l) => d === stride * l) && laneType(e.dtype)) {
        m = "vector";
        out.stride.set(e, stride);
        if (n < LANES) out.width.set(e, n);
      }
    }
  } else if (e.k === "var") {
    const g = groups.get(e);
    if (g !== undefined) { out.group.set(e, g); m = "vector"; } else m = "uniform";
  } else {
    const kids = children(e).map((k) => classify(k, shifts, groups, out, n));
    if (kids.some((k) => k === undefined)) return undefined;
    if (!kids.includes("vector")) m = "uniform";
    // A shift count must be one scalar for all lanes.
    else if (e.k === "bin" && (e.op === "shl" || e.op === "shr") && kids[1] === "vector") return undefined;
    else m = hasVectorForm(e) && laneType(e.dtype) ? "vector" : undefined;
  }
  if (m) out.mode.set(e, m);
  return m;
}
