/**
 * @fileoverview The Graph IR text grammar (see graph-printer.ts for an example). It builds a
 * concrete syntax tree; graph-parser.ts turns that into a Graph.
 */
import {
  Colon, Comma, Equals, GlobalRef, Greater, Hex, Identifier, Int, KW, LBrace, LBracket, LParen, Less, RBrace,
  RBracket, RParen, StringLit, Underscore, ValueRef,
} from "./tokens.ts";
import { BaseGrammar } from "./grammar-base.ts";

export class GraphGrammar extends BaseGrammar {
  /** `graph @name opset 13 { statements }` */
  graph = this.RULE("graph", () => {
    this.CONSUME(KW.graph);
    this.CONSUME(GlobalRef);
    this.CONSUME(KW.opset);
    this.CONSUME(Int);
    this.CONSUME(LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(RBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.outputDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.valueDecl) },
      { ALT: () => this.SUBRULE(this.node) },
    ]);
  });

  private typeAnnotation = this.RULE("typeAnnotation", () => {
    this.CONSUME(Colon);
    this.SUBRULE(this.tensorType);
  });

  /** `input %x : f32[1,3]` */
  inputDecl = this.RULE("inputDecl", () => {
    this.CONSUME(KW.input);
    this.CONSUME(ValueRef);
    this.OPTION(() => this.SUBRULE(this.typeAnnotation));
  });

  /** `output %y` */
  outputDecl = this.RULE("outputDecl", () => {
    this.CONSUME(KW.output);
    this.CONSUME(ValueRef);
  });

  /** `const %w = dense<...>`, with a type only where the graph's differs from the tensor's. */
  constDecl = this.RULE("constDecl", () => {
    this.CONSUME(KW.const);
    this.CONSUME(ValueRef);
    this.OPTION(() => this.SUBRULE(this.typeAnnotation));
    this.CONSUME(Equals);
    this.SUBRULE(this.tensor);
  });

  /** `value %v : f32[3]`: a known type of a value defined elsewhere. */
  valueDecl = this.RULE("valueDecl", () => {
    this.CONSUME(KW.value);
    this.CONSUME(ValueRef);
    this.SUBRULE(this.typeAnnotation);
  });

  /** `%y : T, _ = Op(%x, _) {attr = 1} name "n" domain "d"`; a node without outputs omits `... =`. */
  node = this.RULE("node", () => {
    this.OPTION(() => {
      this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.result) });
      this.CONSUME(Equals);
    });
    this.SUBRULE(this.name, { LABEL: "op" });
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.operand) });
    this.CONSUME(RParen);
    this.OPTION2(() => this.SUBRULE(this.attrs));
    // Two tokens decide these clauses: a next node may be an op called `name` or `domain`.
    this.OPTION3({
      GATE: () => this.LA(2).tokenType === StringLit,
      DEF: () => {
        this.CONSUME(KW.name);
        this.CONSUME(StringLit, { LABEL: "nodeName" });
      },
    });
    this.OPTION4({
      GATE: () => this.LA(2).tokenType === StringLit,
      DEF: () => {
        this.CONSUME(KW.domain);
        this.CONSUME2(StringLit, { LABEL: "domain" });
      },
    });
  });

  result = this.RULE("result", () => {
    this.OR([
      { ALT: () => {
        this.CONSUME(ValueRef);
        this.OPTION(() => this.SUBRULE(this.typeAnnotation));
      } },
      { ALT: () => this.CONSUME(Underscore) },
    ]);
  });

  operand = this.RULE("operand", () => {
    this.OR([{ ALT: () => this.CONSUME(ValueRef) }, { ALT: () => this.CONSUME(Underscore) }]);
  });

  /** An op or attribute name: an identifier or a string. */
  name = this.RULE("name", () => {
    this.OR([{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(StringLit) }]);
  });

  attrs = this.RULE("attrs", () => {
    this.CONSUME(LBrace);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.attr) });
    this.CONSUME(RBrace);
  });

  attr = this.RULE("attr", () => {
    this.SUBRULE(this.name);
    this.CONSUME(Equals);
    this.SUBRULE(this.attrValue);
  });

  attrValue = this.RULE("attrValue", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.number) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.SUBRULE(this.tensor) },
      { ALT: () => this.SUBRULE(this.graph) },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  /** `[1, 2]`, `["a"]`, `[graph ...]`; an empty list names its kind: `[] : ints`. */
  list = this.RULE("list", () => {
    this.CONSUME(LBracket);
    this.MANY_SEP({
      SEP: Comma,
      DEF: () => this.OR([
        { ALT: () => this.SUBRULE(this.number) },
        { ALT: () => this.CONSUME(StringLit) },
        { ALT: () => this.SUBRULE(this.graph) },
      ]),
    });
    this.CONSUME(RBracket);
    this.OPTION(() => {
      this.CONSUME(Colon);
      this.CONSUME(Identifier, { LABEL: "kind" });
    });
  });

  /** `dense<f32[2] [1, 2]>`, `dense<f32[2] 0x0000803f00000040>`, `dense<f32[64,3] @weights:4096>`. */
  tensor = this.RULE("tensor", () => {
    this.CONSUME(KW.dense);
    this.CONSUME(Less);
    this.SUBRULE(this.tensorType);
    this.OR([
      { ALT: () => {
        this.CONSUME(LBracket);
        this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.number) });
        this.CONSUME(RBracket);
      } },
      { ALT: () => this.CONSUME(Hex) },
      { ALT: () => {
        this.CONSUME(GlobalRef, { LABEL: "store" });
        this.CONSUME(Colon);
        this.CONSUME(Int, { LABEL: "offset" });
      } },
    ]);
    this.CONSUME(Greater);
  });

  constructor() {
    super();
    this.performSelfAnalysis();
  }
}
