/**
 * @fileoverview The Tensor IR text grammar (see tir-printer.ts for an example). It builds a
 * concrete syntax tree; tir-parser.ts turns that into a PrimFunc.
 */
import {
  Colon, Comma, DotDot, Equals, GlobalRef, Greater, Identifier, InfixOp, Int, KW, LBrace, LBracket, LParen, Less,
  RBrace, RBracket, RParen, ValueRef,
} from "./tokens.ts";
import { BaseGrammar } from "./grammar-base.ts";

export class TirGrammar extends BaseGrammar {
  /** A file of functions, e.g. a fixture with several kernels. */
  funcs = this.RULE("funcs", () => {
    this.MANY(() => this.SUBRULE(this.func));
  });

  /** `func @name(%a: f32[4] input, ...) { ... }` */
  func = this.RULE("func", () => {
    this.CONSUME(KW.func);
    this.CONSUME(GlobalRef);
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.param) });
    this.CONSUME(RParen);
    this.SUBRULE(this.block);
  });

  /** `%a: f32[4] input` */
  param = this.RULE("param", () => {
    this.CONSUME(ValueRef);
    this.CONSUME(Colon);
    this.SUBRULE(this.tensorType);
    this.CONSUME(Identifier, { LABEL: "scope" });
  });

  block = this.RULE("block", () => {
    this.CONSUME(LBrace);
    this.MANY(() => this.SUBRULE(this.stmt));
    this.CONSUME(RBrace);
  });

  stmt = this.RULE("stmt", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.forStmt) },
      { ALT: () => this.SUBRULE(this.storeStmt) },
      { ALT: () => this.SUBRULE(this.ifStmt) },
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.seqStmt) },
      { ALT: () => this.SUBRULE(this.assignStmt) },
    ]);
  });

  /** A `:dtype` suffix. */
  private typeSuffix = this.RULE("typeSuffix", () => {
    this.CONSUME(Colon);
    this.CONSUME(Identifier, { LABEL: "dtype" });
  });

  /** `for %i in 0..64 serial [from LO] [to HI] { ... }` */
  forStmt = this.RULE("forStmt", () => {
    this.CONSUME(KW.for);
    this.CONSUME(ValueRef);
    this.OPTION(() => this.SUBRULE(this.typeSuffix));
    this.CONSUME(KW.in);
    this.CONSUME(Int, { LABEL: "start" });
    this.CONSUME(DotDot);
    this.CONSUME2(Int, { LABEL: "extent" });
    this.CONSUME(Identifier, { LABEL: "kind" });
    this.OPTION2(() => {
      this.CONSUME(KW.from);
      this.SUBRULE(this.expr, { LABEL: "lo" });
    });
    this.OPTION3(() => {
      this.CONSUME(KW.to);
      this.SUBRULE2(this.expr, { LABEL: "hi" });
    });
    this.SUBRULE(this.block);
  });

  /** `store %buf[INDEX] = VALUE`, `store %buf[INDEX if MASK] = VALUE` */
  storeStmt = this.RULE("storeStmt", () => {
    this.CONSUME(KW.store);
    this.CONSUME(ValueRef);
    this.CONSUME(LBracket);
    this.SUBRULE(this.expr, { LABEL: "index" });
    this.OPTION(() => {
      this.CONSUME(KW.if);
      this.SUBRULE3(this.expr, { LABEL: "mask" });
    });
    this.CONSUME(RBracket);
    this.CONSUME(Equals);
    this.SUBRULE2(this.expr, { LABEL: "value" });
  });

  /** `if COND { ... } [else { ... }]` */
  ifStmt = this.RULE("ifStmt", () => {
    this.CONSUME(KW.if);
    this.SUBRULE(this.expr);
    this.SUBRULE(this.block, { LABEL: "then" });
    this.OPTION(() => {
      this.CONSUME(KW.else);
      this.SUBRULE2(this.block, { LABEL: "else" });
    });
  });

  /** `let %acc : f32 = INIT` */
  letStmt = this.RULE("letStmt", () => {
    this.CONSUME(KW.let);
    this.CONSUME(ValueRef);
    this.CONSUME(Colon);
    this.CONSUME(Identifier, { LABEL: "dtype" });
    this.CONSUME(Equals);
    this.SUBRULE(this.expr);
  });

  /** `seq { ... }`: a sequence nested in a sequence. */
  seqStmt = this.RULE("seqStmt", () => {
    this.CONSUME(KW.seq);
    this.SUBRULE(this.block);
  });

  /** `%acc = VALUE` */
  assignStmt = this.RULE("assignStmt", () => {
    this.CONSUME(ValueRef);
    this.OPTION(() => this.SUBRULE(this.typeSuffix));
    this.CONSUME(Equals);
    this.SUBRULE(this.expr);
  });

  // Built once: expressions are most of a kernel's tokens, and closures per call cost GC time.
  private exprForms = [
    { ALT: () => this.SUBRULE(this.infix) },
    { ALT: () => this.SUBRULE(this.number) },
    { ALT: () => this.SUBRULE(this.access) },
    { ALT: () => this.SUBRULE(this.call) },
  ];

  expr = this.RULE("expr", () => {
    this.OR(this.exprForms);
    this.OPTION(() => this.SUBRULE(this.typeSuffix));
  });

  /** `(A + B)`: always parenthesised, so there is no precedence. */
  infix = this.RULE("infix", () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expr, { LABEL: "a" });
    this.CONSUME(InfixOp, { LABEL: "op" });
    this.SUBRULE2(this.expr, { LABEL: "b" });
    this.CONSUME(RParen);
  });

  /** `%v` (a variable), `%buf[INDEX]` (a load) or `%buf[INDEX if MASK]` (a masked load). */
  access = this.RULE("access", () => {
    this.CONSUME(ValueRef);
    this.OPTION(() => {
      this.CONSUME(LBracket);
      this.SUBRULE(this.expr, { LABEL: "index" });
      this.OPTION2(() => {
        this.CONSUME(KW.if);
        this.SUBRULE2(this.expr, { LABEL: "mask" });
      });
      this.CONSUME(RBracket);
    });
  });

  /** `exp(X)`, `max(A, B)`, `select(C, A, B)`, `cast<f32>(X)`, `ramp<8>(B, 1)`, `shuffle<0,2>(A)` */
  call = this.RULE("call", () => {
    this.CONSUME(Identifier, { LABEL: "fn" });
    this.OPTION(() => {
      this.CONSUME(Less);
      this.AT_LEAST_ONE_SEP({
        SEP: Comma,
        DEF: () => this.OR([
          { ALT: () => this.CONSUME2(Identifier, { LABEL: "targ" }) },
          { ALT: () => this.CONSUME(Int, { LABEL: "targ" }) },
        ]),
      });
      this.CONSUME(Greater);
    });
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expr, { LABEL: "args" }) });
    this.CONSUME(RParen);
  });

  constructor() {
    super();
    this.performSelfAnalysis();
  }
}
