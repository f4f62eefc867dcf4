/**
 * @fileoverview Parses Tensor IR text (tir-grammar.ts) and builds the PrimFunc with a
 * syntax-tree visitor, resolving buffers to the function's params and variables to their
 * declarations (the same scoping tir-printer.ts assumes).
 */
import { CstNode, IToken } from "chevrotain";
import { DType } from "../dtype.ts";
import { BinOp, Buffer, BufferScope, Expr, ForKind, HReduceOp, INDEX, PrimFunc, Stmt, UnOp, Var, VecShape } from "../tir.ts";
import { exprTypeName, parseTypeName, sameShape, shapeOf, typeName } from "../vec.ts";
import { Children, dtypeOf, firstToken, must, nodes, numberValue, sub, tensorTypeOf, tok, toks } from "./cst.ts";
import { refName } from "./literals.ts";
import { BIN_OPS, INFIX, NUMBER_TYPE, Scope, UN_OPS, binType, unType } from "./tir-syntax.ts";
import { TirGrammar } from "./tir-grammar.ts";
import { errorAt } from "./tokens.ts";

const grammar = new TirGrammar();
const BaseVisitor = grammar.getBaseCstVisitorConstructor<unknown, unknown>();

const SCOPES: readonly BufferScope[] = ["input", "output", "param", "scratch"];
const KINDS: readonly ForKind[] = ["serial", "unroll", "vectorize", "parallel"];
const INFIX_OP = new Map(Object.entries(INFIX).map(([op, sym]) => [sym, op as BinOp]));
const HREDUCE_OPS: readonly HReduceOp[] = ["add", "mul", "min", "max"];
/** The forms with arguments in angle brackets: their usage and what the brackets give. */
const ANGLED: Record<string, [string, string]> = {
  cast: ["cast<dtype>(x)", "a dtype"], bitcast: ["bitcast<dtype>(x)", "a dtype"],
  ramp: ["ramp<N>(base, stride)", "a lane count"], bcast: ["bcast<N>(x)", "a lane count"],
  hreduce: ["hreduce<op>(x)", "an op"], shuffle: ["shuffle<i,j,...>(a, b)", "lane indices"],
};

/** A dtype and vector shape, as a `:type` suffix or a `let` spells it. */
interface VType { dtype: DType; shape: VecShape }

function vtypeOf(t: IToken): VType {
  const v = parseTypeName(t.image);
  if (!v) dtypeOf(t); // reports the expected dtypes
  return v!;
}

const scalarOf = (t: IToken): DType => {
  const v = vtypeOf(t);
  if (v.shape.lanes) errorAt(t, `expected a scalar type, got '${t.image}'`);
  return v.dtype;
};

/** Operands of an element-wise form must have one vector shape. */
function agreeAt(at: IToken, what: string, ...es: Expr[]): void {
  const s = shapeOf(es[0]!);
  const bad = es.find((e) => !sameShape(s, shapeOf(e)));
  if (bad) errorAt(at, `expected operands of ${what} with one lane count, got ${es.map(exprTypeName).join(" and ")}`);
}

/** `e` retyped; a vector shape replaces e's, a scalar type drops it. */
function retype(e: Expr, t: VType): Expr {
  const { lanes: _l, scalable: _s, ...rest } = e as Expr & VecShape;
  return { ...rest, dtype: t.dtype, ...t.shape } as Expr;
}

class TirBuilder extends BaseVisitor {
  private bufs = new Map<string, Buffer>();

  constructor() {
    super();
    this.validateVisitor();
  }

  funcs(ctx: Children): PrimFunc[] {
    return nodes(ctx, "func").map((f) => this.visit(f) as PrimFunc);
  }

  func(ctx: Children): PrimFunc {
    this.bufs = new Map();
    const params = nodes(ctx, "param").map((p) => this.visit(p) as Buffer);
    const body = this.visit(sub(ctx, "block")!, new Map()) as Stmt;
    return { name: refName(must(ctx, "GlobalRef").image), params, body };
  }

  param(ctx: Children): Buffer {
    const ref = must(ctx, "ValueRef");
    const name = refName(ref.image);
    if (this.bufs.has(name)) errorAt(ref, `expected a new buffer name, got ${ref.image} a second time`);
    const scopeTok = must(ctx, "scope");
    const scope = scopeTok.image as BufferScope;
    if (!SCOPES.includes(scope)) errorAt(scopeTok, `expected a buffer scope (${SCOPES.join(", ")}), got '${scopeTok.image}'`);
    const b: Buffer = { name, ...tensorTypeOf(sub(ctx, "tensorType")!), scope };
    this.bufs.set(name, b);
    return b;
  }

  /** A block of one statement is that statement; any other count is a seq. */
  block(ctx: Children, outer: Scope): Stmt {
    const body = this.stmts(ctx, outer);
    return body.length === 1 ? body[0]! : { k: "seq", body };
  }

  private stmts(ctx: Children, outer: Scope): Stmt[] {
    const scope = new Map(outer);
    return nodes(ctx, "stmt").map((s) => this.visit(s, scope) as Stmt);
  }

  stmt(ctx: Children, scope: Scope): Stmt {
    const n = sub(ctx, "forStmt") ?? sub(ctx, "storeStmt") ?? sub(ctx, "ifStmt") ?? sub(ctx, "letStmt")
      ?? sub(ctx, "seqStmt") ?? sub(ctx, "assignStmt");
    return this.visit(n!, scope) as Stmt;
  }

  forStmt(ctx: Children, scope: Scope): Stmt {
    const start = must(ctx, "start"), extentTok = must(ctx, "extent"), kindTok = must(ctx, "kind");
    if (start.image !== "0") errorAt(start, `expected 0 (loops start at 0; give other bounds with 'from'), got '${start.image}'`);
    const extent = Number(extentTok.image);
    if (!Number.isSafeInteger(extent)) errorAt(extentTok, `expected a loop extent below 2^53, got '${extentTok.image}'`);
    const kind = kindTok.image as ForKind;
    if (!KINDS.includes(kind)) errorAt(kindTok, `expected a loop kind (${KINDS.join(", ")}), got '${kindTok.image}'`);
    const suffix = tok(sub(ctx, "typeSuffix")?.children ?? {}, "dtype");
    const v: Var = { k: "var", name: refName(must(ctx, "ValueRef").image), dtype: suffix ? scalarOf(suffix) : NUMBER_TYPE };
    const lo = sub(ctx, "lo"), hi = sub(ctx, "hi");
    const s: Stmt = { k: "for", v, extent, kind, body: { k: "seq", body: [] } };
    if (lo) s.lo = this.visit(lo, scope) as Expr;
    if (hi) s.hi = this.visit(hi, scope) as Expr;
    s.body = this.visit(sub(ctx, "block")!, new Map(scope).set(v.name, v.dtype)) as Stmt;
    return s;
  }

  storeStmt(ctx: Children, scope: Scope): Stmt {
    const buf = this.buffer(must(ctx, "ValueRef"));
    const mask = sub(ctx, "mask");
    const parts = [sub(ctx, "index")!, sub(ctx, "value")!, ...(mask ? [mask] : [])].map((n) => this.visit(n, scope) as Expr);
    agreeAt(must(ctx, "ValueRef"), "a store (index, value and mask)", ...parts);
    return {
      k: "store", buf, index: this.visit(sub(ctx, "index")!, scope) as Expr, value: this.visit(sub(ctx, "value")!, scope) as Expr,
      ...(mask ? { mask: this.visit(mask, scope) as Expr } : {}),
    };
  }

  ifStmt(ctx: Children, scope: Scope): Stmt {
    const s: Stmt = { k: "if", c: this.visit(sub(ctx, "expr")!, scope) as Expr, then: this.visit(sub(ctx, "then")!, scope) as Stmt };
    const els = sub(ctx, "else");
    if (els) s.else = this.visit(els, scope) as Stmt;
    return s;
  }

  letStmt(ctx: Children, scope: Scope): Stmt {
    const t = vtypeOf(must(ctx, "dtype"));
    const v: Var = { k: "var", name: refName(must(ctx, "ValueRef").image), dtype: t.dtype, ...t.shape };
    const init = this.visit(sub(ctx, "expr")!, scope) as Expr;
    scope.set(v.name, typeName(t.dtype, t.shape));
    return { k: "decl", v, init };
  }

  seqStmt(ctx: Children, scope: Scope): Stmt {
    return { k: "seq", body: this.stmts(sub(ctx, "block")!.children, scope) };
  }

  assignStmt(ctx: Children, scope: Scope): Stmt {
    const ref = must(ctx, "ValueRef");
    const name = refName(ref.image);
    const known = scope.get(name);
    const t = this.suffix(ctx) ?? (known ? parseTypeName(known) : undefined);
    if (!t) errorAt(ref, `expected a variable declared with 'let' or 'for', got ${ref.image}`);
    return { k: "assign", v: { k: "var", name, dtype: t.dtype, ...t.shape }, value: this.visit(sub(ctx, "expr")!, scope) as Expr };
  }

  typeSuffix(ctx: Children): VType {
    return vtypeOf(must(ctx, "dtype"));
  }

  private suffix(ctx: Children): VType | undefined {
    const s = sub(ctx, "typeSuffix");
    return s ? (this.visit(s) as VType) : undefined;
  }

  /** Builds the expression with the dtype its form implies, then applies a `:dtype` suffix. */
  expr(ctx: Children, scope: Scope): Expr {
    const override = this.suffix(ctx);
    const num = sub(ctx, "number");
    if (num) {
      if (override?.shape.lanes) errorAt(must(sub(ctx, "typeSuffix")!.children, "dtype"), "expected a scalar type for a number (broadcast it with bcast<N>)");
      return { k: "const", dtype: override?.dtype ?? NUMBER_TYPE, v: numberValue(num) };
    }
    const acc = sub(ctx, "access");
    if (acc) return this.access(acc.children, scope, override);
    const e = this.visit((sub(ctx, "infix") ?? sub(ctx, "call"))!, scope) as Expr;
    return override ? retype(e, override) : e;
  }

  infix(ctx: Children, scope: Scope): Expr {
    const a = this.visit(sub(ctx, "a")!, scope) as Expr, b = this.visit(sub(ctx, "b")!, scope) as Expr;
    const op = INFIX_OP.get(must(ctx, "op").image)!;
    agreeAt(must(ctx, "op"), `'${must(ctx, "op").image}'`, a, b);
    return { k: "bin", op, a, b, dtype: binType(op, a.dtype), ...shapeOf(a) };
  }

  access(ctx: Children, scope: Scope, override?: VType): Expr {
    const ref = must(ctx, "ValueRef");
    const index = sub(ctx, "index");
    if (index) {
      const buf = this.buffer(ref);
      const mask = sub(ctx, "mask");
      const ix = this.visit(index, scope) as Expr;
      if (mask) agreeAt(ref, "a masked load (index and mask)", ix, this.visit(mask, scope) as Expr);
      const e: Expr = { k: "load", buf, index: ix, dtype: buf.dtype, ...shapeOf(ix), ...(mask ? { mask: this.visit(mask, scope) as Expr } : {}) };
      return override ? retype(e, override) : e;
    }
    const known = scope.get(refName(ref.image));
    const t = override ?? (known ? parseTypeName(known) : undefined);
    if (!t) errorAt(ref, `expected a variable in scope (or one with a :dtype suffix), got ${ref.image}`);
    return { k: "var", name: refName(ref.image), dtype: t.dtype, ...t.shape };
  }

  call(ctx: Children, scope: Scope): Expr {
    const fn = must(ctx, "fn");
    const args = nodes(ctx, "args").map((a) => this.visit(a, scope) as Expr);
    const targs = toks(ctx, "targ");
    const dt = targs[0];
    const one = () => {
      if (targs.length !== 1) errorAt(targs[1]!, `expected one argument in <...> for ${fn.image}, got ${targs.length}`);
    };
    const lanesArg = (): VecShape => {
      const m = dt && /^(v?)([0-9]+)$/.exec(dt.image);
      const n = m ? Number(m[2]) : NaN;
      if (!m || !Number.isSafeInteger(n) || n < (m[1] ? 1 : 2)) errorAt(dt ?? fn, `expected ${fn.image}<N> with N lanes (2 or more) or <vN> (N × vscale), got '${dt?.image ?? ""}'`);
      return m[1] ? { lanes: n, scalable: true } : { lanes: n };
    };
    const arity = (n: number) => {
      if (args.length !== n) {
        const at: IToken = args.length > n ? firstToken(nodes(ctx, "args")[n]!) : must(ctx, "RParen");
        errorAt(at, `expected ${n} operand${n === 1 ? "" : "s"} for ${fn.image}, got ${args.length}`);
      }
    };
    const angled = ANGLED[fn.image];
    if (dt && !angled) errorAt(toks(ctx, "Less")[0]!, `expected '(' after ${fn.image}, got '<'`);
    if (!dt && angled) errorAt(fn, `expected ${angled[0]}, got ${fn.image} without ${angled[1]}`);
    const a = args[0]!;
    switch (fn.image) {
      case "vscale":
        arity(0);
        return { k: "vscale", dtype: INDEX };
      case "cast": case "bitcast":
        one();
        arity(1);
        return { k: fn.image, a, dtype: scalarOf(dt!), ...shapeOf(a) };
      case "ramp": {
        one();
        arity(2);
        const stride = args[1]!;
        if (shapeOf(a).lanes) errorAt(fn, `expected a scalar base for ramp, got ${exprTypeName(a)}`);
        if (stride.k !== "const" || !Number.isSafeInteger(stride.v)) errorAt(firstToken(nodes(ctx, "args")[1]!), "expected an integer stride for ramp");
        return { k: "ramp", base: a, stride: stride.v, dtype: a.dtype, ...lanesArg() };
      }
      case "bcast":
        one();
        arity(1);
        if (shapeOf(a).lanes) errorAt(fn, `expected a scalar operand for bcast, got ${exprTypeName(a)}`);
        return { k: "bcast", a, dtype: a.dtype, ...lanesArg() };
      case "hreduce": {
        one();
        arity(1);
        if (!shapeOf(a).lanes) errorAt(fn, `expected a vector operand for hreduce, got ${exprTypeName(a)}`);
        const op = dt!.image as HReduceOp;
        if (!HREDUCE_OPS.includes(op)) errorAt(dt!, `expected hreduce<${HREDUCE_OPS.join("|")}>, got '${dt!.image}'`);
        return { k: "hreduce", op, a, dtype: a.dtype };
      }
      case "shuffle": {
        if (args.length < 1 || args.length > 2) arity(args.length < 1 ? 1 : 2);
        const idx = targs.map((t) => {
          const v = Number(t.image);
          if (!/^[0-9]+$/.test(t.image) || !Number.isSafeInteger(v)) errorAt(t, `expected a lane number, got '${t.image}'`);
          return v;
        });
        const n = (a as VecShape).lanes ?? 1;
        if (n < 2 || (a as VecShape).scalable) errorAt(fn, `expected fixed-length vector operands for shuffle, got ${exprTypeName(a)}`);
        if (args[1]) agreeAt(fn, "shuffle", a, args[1]);
        idx.forEach((v, i) => { if (v >= n * args.length) errorAt(targs[i]!, `expected a lane below ${n * args.length}, got ${v}`); });
        return { k: "shuffle", a, ...(args[1] ? { b: args[1] } : {}), idx, dtype: a.dtype, ...(idx.length > 1 ? { lanes: idx.length } : {}) };
      }
      case "select":
        arity(3);
        agreeAt(fn, "select", a, args[1]!, args[2]!);
        return { k: "select", c: a, a: args[1]!, b: args[2]!, dtype: args[1]!.dtype, ...shapeOf(args[1]!) };
      case "fma":
        arity(3);
        agreeAt(fn, "fma", a, args[1]!, args[2]!);
        return { k: "fma", a, b: args[1]!, c: args[2]!, dtype: a.dtype, ...shapeOf(a) };
    }
    if (BIN_OPS.has(fn.image)) {
      arity(2);
      agreeAt(fn, fn.image, a, args[1]!);
      const op = fn.image as BinOp;
      return { k: "bin", op, a, b: args[1]!, dtype: binType(op, a.dtype), ...shapeOf(a) };
    }
    if (UN_OPS.has(fn.image)) {
      arity(1);
      const op = fn.image as UnOp;
      return { k: "un", op, a, dtype: unType(op, a.dtype), ...shapeOf(a) };
    }
    return errorAt(fn, `expected an operation (a binary or unary op, select, cast, bitcast, fma or a vector form), got '${fn.image}'`);
  }

  private buffer(ref: IToken): Buffer {
    const b = this.bufs.get(refName(ref.image));
    if (!b) errorAt(ref, `expected a buffer parameter of the function, got ${ref.image}`);
    return b;
  }

  number(): void { /* read through numberValue() */ }
  tensorType(): void { /* read through tensorTypeOf() */ }
}

const builder = new TirBuilder();

/** Parses one PrimFunc; errors are EdgecErrors reading `LINE:COL: expected X, got Y`. */
export function parseFunc(text: string): PrimFunc {
  const cst: CstNode = grammar.parseWith(text, grammar.func);
  return builder.visit(cst) as PrimFunc;
}

/** Parses a file of PrimFuncs, as printFuncs() writes them. */
export function parseFuncs(text: string): PrimFunc[] {
  const cst: CstNode = grammar.parseWith(text, grammar.funcs);
  return builder.visit(cst) as PrimFunc[];
}
