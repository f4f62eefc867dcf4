/**
 * @fileoverview Parses Tensor IR text (tir-grammar.ts) and builds the PrimFunc with a
 * syntax-tree visitor, resolving buffers to the function's params and variables to their
 * declarations (the same scoping tir-printer.ts assumes).
 */
import { CstNode, IToken } from "chevrotain";
import { DType } from "../dtype.ts";
import { BinOp, Buffer, BufferScope, Expr, ForKind, PrimFunc, Stmt, UnOp, Var } from "../tir.ts";
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
    const v: Var = { k: "var", name: refName(must(ctx, "ValueRef").image), dtype: this.suffix(ctx) ?? NUMBER_TYPE };
    const lo = sub(ctx, "lo"), hi = sub(ctx, "hi");
    const s: Stmt = { k: "for", v, extent, kind, body: { k: "seq", body: [] } };
    if (lo) s.lo = this.visit(lo, scope) as Expr;
    if (hi) s.hi = this.visit(hi, scope) as Expr;
    s.body = this.visit(sub(ctx, "block")!, new Map(scope).set(v.name, v.dtype)) as Stmt;
    return s;
  }

  storeStmt(ctx: Children, scope: Scope): Stmt {
    const buf = this.buffer(must(ctx, "ValueRef"));
    return { k: "store", buf, index: this.visit(sub(ctx, "index")!, scope) as Expr, value: this.visit(sub(ctx, "value")!, scope) as Expr };
  }

  ifStmt(ctx: Children, scope: Scope): Stmt {
    const s: Stmt = { k: "if", c: this.visit(sub(ctx, "expr")!, scope) as Expr, then: this.visit(sub(ctx, "then")!, scope) as Stmt };
    const els = sub(ctx, "else");
    if (els) s.else = this.visit(els, scope) as Stmt;
    return s;
  }

  letStmt(ctx: Children, scope: Scope): Stmt {
    const v: Var = { k: "var", name: refName(must(ctx, "ValueRef").image), dtype: dtypeOf(must(ctx, "dtype")) };
    const init = this.visit(sub(ctx, "expr")!, scope) as Expr;
    scope.set(v.name, v.dtype);
    return { k: "decl", v, init };
  }

  seqStmt(ctx: Children, scope: Scope): Stmt {
    return { k: "seq", body: this.stmts(sub(ctx, "block")!.children, scope) };
  }

  assignStmt(ctx: Children, scope: Scope): Stmt {
    const ref = must(ctx, "ValueRef");
    const name = refName(ref.image);
    const dtype = this.suffix(ctx) ?? scope.get(name);
    if (!dtype) errorAt(ref, `expected a variable declared with 'let' or 'for', got ${ref.image}`);
    return { k: "assign", v: { k: "var", name, dtype }, value: this.visit(sub(ctx, "expr")!, scope) as Expr };
  }

  typeSuffix(ctx: Children): DType {
    return dtypeOf(must(ctx, "dtype"));
  }

  private suffix(ctx: Children): DType | undefined {
    const s = sub(ctx, "typeSuffix");
    return s ? (this.visit(s) as DType) : undefined;
  }

  /** Builds the expression with the dtype its form implies, then applies a `:dtype` suffix. */
  expr(ctx: Children, scope: Scope): Expr {
    const override = this.suffix(ctx);
    const num = sub(ctx, "number");
    if (num) return { k: "const", dtype: override ?? NUMBER_TYPE, v: numberValue(num) };
    const acc = sub(ctx, "access");
    if (acc) return this.access(acc.children, scope, override);
    const e = this.visit((sub(ctx, "infix") ?? sub(ctx, "call"))!, scope) as Expr;
    return override ? ({ ...e, dtype: override } as Expr) : e;
  }

  infix(ctx: Children, scope: Scope): Expr {
    const a = this.visit(sub(ctx, "a")!, scope) as Expr, b = this.visit(sub(ctx, "b")!, scope) as Expr;
    const op = INFIX_OP.get(must(ctx, "op").image)!;
    return { k: "bin", op, a, b, dtype: binType(op, a.dtype) };
  }

  access(ctx: Children, scope: Scope, override?: DType): Expr {
    const ref = must(ctx, "ValueRef");
    const index = sub(ctx, "index");
    if (index) {
      const buf = this.buffer(ref);
      return { k: "load", buf, index: this.visit(index, scope) as Expr, dtype: override ?? buf.dtype };
    }
    const dtype = override ?? scope.get(refName(ref.image));
    if (!dtype) errorAt(ref, `expected a variable in scope (or one with a :dtype suffix), got ${ref.image}`);
    return { k: "var", name: refName(ref.image), dtype };
  }

  call(ctx: Children, scope: Scope): Expr {
    const fn = must(ctx, "fn");
    const args = nodes(ctx, "args").map((a) => this.visit(a, scope) as Expr);
    const dt = tok(ctx, "dtype");
    const arity = (n: number) => {
      if (args.length !== n) {
        const at: IToken = args.length > n ? firstToken(nodes(ctx, "args")[n]!) : must(ctx, "RParen");
        errorAt(at, `expected ${n} operand${n === 1 ? "" : "s"} for ${fn.image}, got ${args.length}`);
      }
    };
    if (dt && fn.image !== "cast" && fn.image !== "bitcast") errorAt(toks(ctx, "Less")[0]!, `expected '(' after ${fn.image}, got '<'`);
    if (fn.image === "cast") {
      if (!dt) errorAt(fn, "expected cast<dtype>(x), got cast without a dtype");
      arity(1);
      return { k: "cast", a: args[0]!, dtype: dtypeOf(dt) };
    }
    if (fn.image === "bitcast") {
      if (!dt) errorAt(fn, "expected bitcast<dtype>(x), got bitcast without a dtype");
      arity(1);
      return { k: "bitcast", a: args[0]!, dtype: dtypeOf(dt) };
    }
    if (fn.image === "select") {
      arity(3);
      return { k: "select", c: args[0]!, a: args[1]!, b: args[2]!, dtype: args[1]!.dtype };
    }
    if (BIN_OPS.has(fn.image)) {
      arity(2);
      const op = fn.image as BinOp;
      return { k: "bin", op, a: args[0]!, b: args[1]!, dtype: binType(op, args[0]!.dtype) };
    }
    if (UN_OPS.has(fn.image)) {
      arity(1);
      const op = fn.image as UnOp;
      return { k: "un", op, a: args[0]!, dtype: unType(op, args[0]!.dtype) };
    }
    return errorAt(fn, `expected an operation (a binary or unary op, select, cast or bitcast), got '${fn.image}'`);
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
