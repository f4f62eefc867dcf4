/**
 * @fileoverview Prints vector Tensor IR as C with intrinsics, through one ISA table (vector-isa.ts).
 * A form the table has becomes its intrinsic; any other is computed lane by lane in a small
 * helper function whose scalar body is printed by CEmitter, so each op keeps one definition.
 */
import { DType, bitWidth, isFloat, isSigned } from "../../ir/dtype.ts";
import { Expr, Stmt, Var, exprChildren, isOrderedConst } from "../../ir/tir.ts";
import { isVector, shapeOf } from "../../ir/vec.ts";
import { CEmitter, C_TYPES } from "./emit.ts";
import { LaneClass, VecIsa } from "./vector-isa.ts";

type Load = Extract<Expr, { k: "load" }>;
type Store = Extract<Stmt, { k: "store" }>;

const laneClass = (t: DType): LaneClass => (t === "f32" ? "f32" : t === "bool" ? "bool" : "int");
const container = (t: DType): string => (t === "f32" ? "float" : "int32_t");

/** Lane `l` of spilled array `x` as a value of type t. */
const laneOf = (x: string, t: DType): string => (t === "f32" || t === "i32" || t === "bool" ? `${x}[l]` : `((${C_TYPES[t]})${x}[l])`);

function intRange(t: DType): [number, number] {
  const bits = bitWidth(t);
  return isSigned(t) ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** A conversion between integer types that leaves a 32-bit container unchanged. */
function widens(from: DType, to: DType): boolean {
  if (isFloat(from) || isFloat(to) || from === "bool" || to === "bool") return false;
  const [a, b] = intRange(from), [c, d] = intRange(to);
  return c <= a && b <= d && bitWidth(to) <= 32;
}

export class VectorCEmitter extends CEmitter {
  private helpers = new Map<string, { name: string; text: string }>();
  /** The on-demand helpers (VecIsa.onDemand) some printed template calls. */
  private called = new Set<string>();
  private used = false;

  constructor(private isa: VecIsa) {
    super();
  }

  /** The include and helper functions the printed kernels call; empty when none has a vector. */
  override prelude(): string {
    if (!this.used) return "";
    const onDemand = Object.entries(this.isa.onDemand ?? {}).filter(([name]) => this.called.has(name)).flatMap(([, text]) => text);
    return [this.isa.include, ...this.isa.prelude, ...onDemand, ...[...this.helpers.values()].map((h) => h.text), ""].join("\n");
  }

  override stmt(s: Stmt, depth: number, used: Set<string>): string {
    const ind = "  ".repeat(depth);
    if ((s.k === "decl" || s.k === "assign") && s.v.lanes) {
      this.check(s.v);
      const value = this.vexpr(s.k === "decl" ? s.init : s.value, used);
      return `${ind}${s.k === "decl" ? `${this.vtype(s.v.dtype)} ` : ""}${s.v.name} = ${value};\n`;
    }
    if (s.k === "store" && isVector(s.index)) return this.vstore(s, ind, used);
    if (s.k === "store" && s.mask)
      return `${ind}if (${this.expr(s.mask, used)}) {\n${super.stmt({ k: "store", buf: s.buf, index: s.index, value: s.value }, depth + 1, used)}${ind}}\n`;
    return super.stmt(s, depth, used);
  }

  override expr(e: Expr, used: Set<string>): string {
    if (isVector(e)) return this.vexpr(e, used);
    switch (e.k) {
      case "vscale": {
        const t = this.isa.t.vscale;
        if (!t) throw new Error(`internal error: ${this.isa.name} has no scalable vectors (vscale)`);
        return t;
      }
      case "hreduce": return this.hreduce(e, used);
      case "shuffle": return this.lanesHelper(e, used);
      case "fma": return this.expr({ k: "bin", op: "add", a: { k: "bin", op: "mul", a: e.a, b: e.b, dtype: e.dtype }, b: e.c, dtype: e.dtype }, used);
      case "load":
        if (e.mask) return this.expr({ k: "select", c: e.mask, a: { ...e, mask: undefined } as Expr, b: { k: "const", v: 0, dtype: e.dtype }, dtype: e.dtype }, used);
        return super.expr(e, used);
      default: return super.expr(e, used);
    }
  }

  private check(e: Expr | Var): void {
    const s = shapeOf(e as Expr);
    if (!!s.scalable !== !!this.isa.scalable || s.lanes !== this.isa.lanes)
      throw new Error(`internal error: ${this.isa.name} prints vectors of ${this.isa.scalable ? "scalable " : ""}${this.isa.lanes} lanes, not ${s.scalable ? "scalable " : ""}${s.lanes}`);
    this.used = true;
  }

  private vtype(t: DType): string {
    return this.isa.types[laneClass(t)];
  }

  private tpl(key: string, args: string[], p = "", s = "", n = ""): string | undefined {
    const t = this.isa.t[key];
    if (t) for (const name of Object.keys(this.isa.onDemand ?? {})) if (t.includes(name)) this.called.add(name);
    return t?.replace(/\$([0-9psn])/g, (_, k: string) => (k === "p" ? p : k === "s" ? s : k === "n" ? n : args[Number(k)]!));
  }

  /** Lanes of a vector, as C (a run-time expression for scalable vectors). */
  private get L(): string {
    return this.isa.laneCount ?? `${this.isa.lanes}`;
  }

  /** n - b when mask is ramp(b, 1) < bcast(n), the first n - b lanes: printed as a vector length where the table has one. */
  private prefix(mask: Expr | undefined, used: Set<string>): string | undefined {
    if (!mask || mask.k !== "bin" || mask.op !== "lt" || mask.a.k !== "ramp" || mask.a.stride !== 1 || mask.b.k !== "bcast") return undefined;
    return this.expr({ k: "bin", op: "sub", a: mask.b.a, b: mask.a.base, dtype: mask.a.base.dtype }, used);
  }

  private vexpr(e: Expr, used: Set<string>): string {
    this.check(e);
    const v = (x: Expr) => this.vexpr(x, used);
    const sc = (x: Expr) => this.expr(x, used);
    switch (e.k) {
      case "var": return e.name;
      case "bcast": return this.tpl(`bcast.${laneClass(e.dtype)}`, [sc(e.a)])!;
      case "ramp": {
        if (this.isa.scalable) return this.tpl(e.stride === 1 && this.isa.t.ramp1 ? "ramp1" : "ramp", [sc(e.base), `${e.stride}`])!;
        const offsets = Array.from({ length: this.isa.lanes }, (_, i) => i * e.stride).join(", ");
        return this.tpl("ramp", [sc(e.base)], "", offsets)!;
      }
      case "load": return this.vload(e, used);
      case "bin": {
        const [a, b] = [e.a, e.b];
        // acc + dot4(x, y): the accumulating form (NEON SDOT, x86 VPDPBUSD) where the table has one.
        if (e.op === "add") {
          const dot = [b, a].find((x) => x.k === "bin" && (x.op === "dot4ss" || x.op === "dot4us")) as Extract<Expr, { k: "bin" }> | undefined;
          const acc = dot === b ? a : b;
          if (dot && this.isa.t[`${dot.op}.acc.${e.dtype}`]) return this.tpl(`${dot.op}.acc.${e.dtype}`, [v(acc), v(dot.a), v(dot.b)])!;
          // acc + x * y on integers: one multiply-accumulate (NEON MLA) where the table has one.
          const prod = [b, a].find((x) => x.k === "bin" && x.op === "mul") as Extract<Expr, { k: "bin" }> | undefined;
          if (prod && this.isa.t[`mla.${e.dtype}`]) return this.tpl(`mla.${e.dtype}`, [v(prod === b ? a : b), v(prod.a), v(prod.b)])!;
        }
        if ((e.op === "max" || e.op === "min") && e.dtype === "f32") {
          const k = (x: Expr) => x.k === "bcast" && isOrderedConst(x.a);
          if (k(b)) return this.tpl(`${e.op}k.f32`, [v(a), v(b)])!;
          if (k(a)) return this.tpl(`${e.op}k.f32`, [v(b), v(a)])!;
        }
        const withScalar = this.isa.t[`${e.op}.${a.dtype}.s`];
        if (withScalar && b.k === "bcast") return this.tpl(`${e.op}.${a.dtype}.s`, [v(a), sc(b.a)])!;
        if (withScalar && a.k === "bcast" && (e.op === "add" || e.op === "mul")) return this.tpl(`${e.op}.${a.dtype}.s`, [v(b), sc(a.a)])!;
        return this.tpl(`${e.op}.${a.dtype}`, [v(a), v(b)]) ?? this.lanesHelper(e, used);
      }
      case "un": return this.tpl(`${e.op}.${e.a.dtype}`, [v(e.a)]) ?? this.lanesHelper(e, used);
      case "cast": {
        if (widens(e.a.dtype, e.dtype)) return v(e.a);
        const from = e.a.dtype === "bool" ? "bool" : e.a.dtype !== "u32" && !isFloat(e.a.dtype) ? "i32" : e.a.dtype;
        const to = e.dtype === "f32" ? "f32" : e.dtype !== "bool" && !isFloat(e.dtype) && from === "bool" ? "int" : e.dtype;
        return this.tpl(`cast.${from}.${to}`, [v(e.a)]) ?? this.lanesHelper(e, used);
      }
      case "select": return this.tpl(`select.${laneClass(e.dtype)}`, [v(e.c), v(e.a), v(e.b)]) ?? this.lanesHelper(e, used);
      case "fma": {
        // A factor that is one lane of a vector broadcast: the multiply-add by element (NEON).
        const lane = this.isa.t[`fma.${e.dtype}.lane`] ? splatLane(e.a) ?? splatLane(e.b) : undefined;
        if (lane) return this.tpl(`fma.${e.dtype}.lane`, [v(lane.of === e.a ? e.b : e.a), v(lane.of.a), v(e.c), `${lane.k}`])!;
        // A broadcast factor: the scalar-times-vector form (RVV vfmacc.vf).
        if (this.isa.t[`fma.${e.dtype}.s`] && (e.a.k === "bcast" || e.b.k === "bcast")) {
          const [s, x] = e.a.k === "bcast" ? [e.a.a, e.b] : [(e.b as Extract<Expr, { k: "bcast" }>).a, e.a];
          return this.tpl(`fma.${e.dtype}.s`, [sc(s), v(x), v(e.c)])!;
        }
        return this.tpl(`fma.${e.dtype}`, [v(e.a), v(e.b), v(e.c)]) ?? this.lanesHelper(e, used);
      }
      case "bitcast": {
        // f32 <-> i32/u32 (one int container): a reinterpretation where the table has one.
        const cls = (d: DType) => (d === "f32" ? "f32" : d === "i32" || d === "u32" ? "i32" : undefined);
        const from = cls(e.a.dtype), to = cls(e.dtype);
        return (from && to && this.tpl(`bitcast.${from}.${to}`, [v(e.a)])) || this.lanesHelper(e, used);
      }
      case "shuffle": {
        const lane = splatLane(e);
        return (lane && this.tpl(`splat.${laneClass(e.dtype)}`, [v(e.a), `${lane.k}`])) || this.lanesHelper(e, used);
      }
      default: throw new Error(`internal error: ${e.k} is not a vector form`);
    }
  }

  private vload(e: Load, used: Set<string>): string {
    used.add(e.buf.name);
    const ix = e.index;
    for (const [stride, sfx] of [[1, ""], [2, "2"]] as const) {
      if (ix.k !== "ramp" || ix.stride !== stride) continue;
      const p = `&${e.buf.name}[${this.expr(ix.base, used)}]`;
      const n = this.isa.t[`vlload${sfx}.${e.dtype}`] ? this.prefix(e.mask, used) : undefined;
      const r = n !== undefined ? this.tpl(`vlload${sfx}.${e.dtype}`, [], p, "", n)
        : e.mask ? this.tpl(`mload${sfx}.${e.dtype}`, [this.vexpr(e.mask, used)], p) : this.tpl(`load${sfx}.${e.dtype}`, [], p);
      if (r) return r;
    }
    const gather = e.mask ? this.tpl(`mgather.${e.dtype}`, [this.vexpr(ix, used), this.vexpr(e.mask, used)], e.buf.name)
      : this.tpl(`gather.${e.dtype}`, [this.vexpr(ix, used)], e.buf.name);
    if (gather) return gather;
    // Lane by lane: masked-off lanes read nothing.
    const L = this.L, t = e.dtype;
    const args = [`const ${C_TYPES[t]} *p`, `${this.isa.types.int} a0`, ...(e.mask ? [`${this.isa.types.bool} a1`] : [])];
    const lines = [
      `  int32_t x0[${L}]; ${container(t)} r[${L}];`, ...(e.mask ? [`  int32_t x1[${L}];`] : []),
      `  ${this.spill("int", "x0", "a0")};`, ...(e.mask ? [`  ${this.spill("bool", "x1", "a1")};`] : []),
      `  for (int l = 0; l < ${L}; ++l) r[l] = ${e.mask ? "x1[l] ? " : ""}${this.toContainer(t, "p[x0[l]]")}${e.mask ? " : 0" : ""};`,
      `  return ${this.fill(laneClass(t), "r")};`,
    ];
    const name = this.helper(`${this.vtype(t)} NAME(${args.join(", ")}) {\n${lines.join("\n")}\n}`);
    return `${name}(${[e.buf.name, this.vexpr(ix, used), ...(e.mask ? [this.vexpr(e.mask, used)] : [])].join(", ")})`;
  }

  private vstore(s: Store, ind: string, used: Set<string>): string {
    used.add(s.buf.name);
    this.check(s.index);
    const t = s.buf.dtype, ix = s.index;
    if (ix.k === "ramp" && ix.stride === 1) {
      const p = `&${s.buf.name}[${this.expr(ix.base, used)}]`, v = this.vexpr(s.value, used);
      const n = this.isa.t[`vlstore.${t}`] ? this.prefix(s.mask, used) : undefined;
      const r = n !== undefined ? this.tpl(`vlstore.${t}`, [v], p, "", n)
        : s.mask ? this.tpl(`mstore.${t}`, [v, this.vexpr(s.mask, used)], p) : this.tpl(`store.${t}`, [v], p);
      if (r) return `${ind}${r};\n`;
    }
    const L = this.L, vt = s.value.dtype;
    const lines = [
      `int32_t edgec_ix[${L}]; ${container(vt)} edgec_v[${L}];${s.mask ? ` int32_t edgec_m[${L}];` : ""}`,
      `${this.spill("int", "edgec_ix", this.vexpr(ix, used))};`,
      `${this.spill(laneClass(vt), "edgec_v", this.vexpr(s.value, used))};`,
      ...(s.mask ? [`${this.spill("bool", "edgec_m", this.vexpr(s.mask, used))};`] : []),
      `for (int l = 0; l < ${L}; ++l) ${s.mask ? "if (edgec_m[l]) " : ""}${s.buf.name}[edgec_ix[l]] = ${laneOf("edgec_v", vt)};`,
    ];
    return `${ind}{\n${lines.map((l) => `${ind}  ${l}\n`).join("")}${ind}}\n`;
  }

  /** A horizontal reduction: the table's instruction, else the lanes spilled and combined in order by the scalar op. */
  private hreduce(e: Extract<Expr, { k: "hreduce" }>, used: Set<string>): string {
    this.check(e.a);
    const t = e.dtype, L = this.L;
    const one = this.isa.t[`hreduce.${e.op}.${t}`] ? this.tpl(`hreduce.${e.op}.${t}`, [this.vexpr(e.a, used)]) : undefined;
    if (one) return one;
    const step = this.expr({ k: "bin", op: e.op, a: { k: "var", name: "r", dtype: t }, b: { k: "var", name: laneOf("x0", t), dtype: t }, dtype: t }, new Set());
    const lines = [
      `  ${container(t)} x0[${L}];`, `  ${this.spill(laneClass(t), "x0", "a0")};`,
      `  ${C_TYPES[t]} r = (${C_TYPES[t]})x0[0];`,
      `  for (int l = 1; l < ${L}; ++l) r = ${step};`, "  return r;",
    ];
    const name = this.helper(`${C_TYPES[t]} NAME(${this.vtype(t)} a0) {\n${lines.join("\n")}\n}`);
    return `${name}(${this.vexpr(e.a, used)})`;
  }

  /** An element-wise form (or a shuffle) computed lane by lane in a helper function. */
  private lanesHelper(e: Expr, used: Set<string>): string {
    const args = exprChildren(e);
    const L = this.L, t = e.dtype;
    const lane = args.map((a, i): Expr => ({ k: "var", name: laneOf(`x${i}`, a.dtype), dtype: a.dtype }));
    const spillsExtra: string[] = [];
    let value: string;
    if (e.k === "shuffle") {
      // Lane l of the result is lane idx[l] of x0 followed by x1.
      const idx = `static const int idx[${e.idx.length}] = { ${e.idx.join(", ")} };`;
      spillsExtra.push(`  ${idx}`);
      value = `(idx[${isVector(e) ? "l" : "0"}] < ${L} ? x0[idx[${isVector(e) ? "l" : "0"}]] : x${args.length - 1}[idx[${isVector(e) ? "l" : "0"}] - ${L}])`;
    } else {
      const scalar = this.scalarForm(e, lane);
      value = this.expr(scalar, new Set());
    }
    const params = args.map((a, i) => `${this.vtype(a.dtype)} a${i}`);
    const spills = args.map((a, i) => `  ${container(a.dtype)} x${i}[${L}]; ${this.spill(laneClass(a.dtype), `x${i}`, `a${i}`)};`);
    const body = isVector(e)
      ? [`  ${container(t)} r[${L}];`, `  for (int l = 0; l < ${L}; ++l) r[l] = ${this.toContainer(t, value)};`, `  return ${this.fill(laneClass(t), "r")};`]
      : [`  return ${value};`];
    const ret = isVector(e) ? this.vtype(t) : C_TYPES[t];
    const name = this.helper(`${ret} NAME(${params.join(", ")}) {\n${[...spills, ...spillsExtra, ...body].join("\n")}\n}`);
    return `${name}(${args.map((a) => this.vexpr(a, used)).join(", ")})`;
  }

  /** The scalar form of an element-wise vector expression over the given lane operands. */
  private scalarForm(e: Expr, lane: Expr[]): Expr {
    const t = e.dtype;
    switch (e.k) {
      case "bin": return { k: "bin", op: e.op, a: lane[0]!, b: lane[1]!, dtype: t };
      case "un": return { k: "un", op: e.op, a: lane[0]!, dtype: t };
      case "cast": return { k: "cast", a: lane[0]!, dtype: t };
      case "bitcast": return { k: "bitcast", a: lane[0]!, dtype: t };
      case "select": return { k: "select", c: lane[0]!, a: lane[1]!, b: lane[2]!, dtype: t };
      case "fma": return { k: "bin", op: "add", a: { k: "bin", op: "mul", a: lane[0]!, b: lane[1]!, dtype: t }, b: lane[2]!, dtype: t };
      default: throw new Error(`internal error: no lane-by-lane form of ${e.k}`);
    }
  }

  private toContainer(t: DType, v: string): string {
    return t === "f32" ? v : t === "bool" ? `((${v}) ? 1 : 0)` : `(int32_t)(${v})`;
  }

  private spill(c: LaneClass, to: string, v: string): string {
    return this.isa.spill[c].replace("$p", to).replace("$0", v);
  }

  private fill(c: LaneClass, from: string): string {
    return this.isa.fill[c].replace("$p", from);
  }

  /** Names a helper function by its text, printing each distinct one once. */
  private helper(text: string): string {
    const found = this.helpers.get(text);
    if (found) return found.name;
    const name = `edgec_${this.isa.name.replace(/[^a-z0-9]/g, "")}_lanes${this.helpers.size}`;
    this.helpers.set(text, { name, text: `static inline ${text.replace("NAME", name)}` });
    this.used = true;
    return name;
  }
}

/** A shuffle of one vector whose every lane is its lane k: that vector and k. */
function splatLane(e: Expr): { of: Extract<Expr, { k: "shuffle" }>; k: number } | undefined {
  if (e.k !== "shuffle" || e.b || !e.idx.every((i) => i === e.idx[0])) return undefined;
  return { of: e, k: e.idx[0]! };
}
