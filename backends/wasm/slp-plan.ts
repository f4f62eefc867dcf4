/**
 * @fileoverview Recognises a reduction loop already split into partial accumulators, where
 * statement j of the body is `part_j = part_j + e(j)` and e(j) reads element j past e(0):
 * groups of four such statements become one v128 accumulator whose lanes are those partials.
 * Each lane sees exactly the scalar sequence of its partial, so the result is bit for bit the
 * scalar loop's.
 */
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
  /** vector: differs per lane (holds a vector load); uniform: the same value in every lane. */
  mode: Map<Expr, Mode>;
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
  const mode = new Map<Expr, Mode>();
  const groups: SlpGroup[] = [];
  for (let g = 0; g < reds.length; g += LANES) {
    const lanes = reds.slice(g, g + LANES);
    const first = lanes[0]!;
    if (lanes.some((r) => r.op !== first.op || r.v.dtype !== first.v.dtype)) return undefined;
    // Every lane must have the same accumulator side, for min/max NaN order.
    if (lanes.some((r) => sideOf(r) !== sideOf(first))) return undefined;
    const shifts = new Map<Expr, number[]>();
    for (let l = 0; l < LANES; l++) if (!match(first.operand, lanes[l]!.operand, l, shifts)) return undefined;
    if (classify(first.operand, shifts, mode) !== "vector") return undefined;
    groups.push({ vars: lanes.map((r) => r.v), op: first.op, operand: first.operand });
  }
  return { kind: "slp", loop, groups, mode };
}

const sideOf = (r: Reduction) => (r.stmt.value.k === "bin" && r.stmt.value.a.k === "var" && r.stmt.value.a.name === r.v.name ? "left" : "right");

/** Structural equality of lane 0's operand and lane l's, recording each load's index shift. */
function match(a: Expr, b: Expr, l: number, shifts: Map<Expr, number[]>): boolean {
  if (a.k !== b.k || a.dtype !== b.dtype) return false;
  switch (a.k) {
    case "const": return b.k === "const" && (a.v === b.v || (Number.isNaN(a.v) && Number.isNaN(b.v)));
    case "var": return b.k === "var" && a.name === b.name;
    case "load": {
      if (b.k !== "load" || a.buf.name !== b.buf.name) return false;
      const la = linear(a.index), lb = linear(b.index);
      if (!la || !lb) return false;
      const d = combine(lb, la, -1);
      if (d.terms.size || (d.k !== 0 && d.k !== l)) return false;
      const s = shifts.get(a) ?? [];
      s[l] = d.k;
      shifts.set(a, s);
      return true;
    }
    case "bin": return b.k === "bin" && a.op === b.op && match(a.a, b.a, l, shifts) && match(a.b, b.b, l, shifts);
    case "un": return b.k === "un" && a.op === b.op && match(a.a, b.a, l, shifts);
    case "cast": return b.k === "cast" && match(a.a, b.a, l, shifts);
    case "select": return b.k === "select" && match(a.c, b.c, l, shifts) && match(a.a, b.a, l, shifts) && match(a.b, b.b, l, shifts);
    default: return false;
  }
}

/** A load is a vector load when lane l reads l past lane 0, uniform when every lane reads one element. */
function classify(e: Expr, shifts: Map<Expr, number[]>, mode: Map<Expr, Mode>): Mode | undefined {
  let m: Mode | undefined;
  if (e.k === "load") {
    const s = shifts.get(e)!;
    // Indices inside the index are the same in every lane (the shift is checked on the whole index).
    if (s.every((d) => d === 0)) m = "uniform";
    else if (s.every((d, l) => d === l)) m = laneType(e.dtype) ? "vector" : undefined;
  } else {
    const kids = children(e).map((k) => classify(k, shifts, mode));
    if (kids.some((k) => k === undefined)) return undefined;
    if (!kids.includes("vector")) m = "uniform";
    // A shift count must be one scalar for all lanes.
    else if (e.k === "bin" && (e.op === "shl" || e.op === "shr") && kids[1] === "vector") return undefined;
    else m = hasVectorForm(e) && laneType(e.dtype) ? "vector" : undefined;
  }
  if (m) mode.set(e, m);
  return m;
}
