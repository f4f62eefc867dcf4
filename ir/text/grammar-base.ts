/**
 * @fileoverview Grammar rules both IR text formats share: numbers and tensor types. The
 * grammars build concrete syntax trees only; the visitors beside them give them meaning.
 */
import { CstParser, IToken } from "chevrotain";
import {
  ALL_TOKENS, Comma, Identifier, Int, LBracket, Minus, NumberLit, RBracket, errorMessages, throwSyntax, tokenize,
} from "./tokens.ts";

export abstract class BaseGrammar extends CstParser {
  constructor() {
    super(ALL_TOKENS, { errorMessageProvider: errorMessages, maxLookahead: 3 });
  }

  /** `1`, `-2.5`, `1e-05`, `inf`, `-inf`, `nan`. */
  number = this.RULE("number", () => {
    this.OPTION(() => this.CONSUME(Minus));
    this.CONSUME(NumberLit);
  });

  /** `f32[1,3,224,224]`; `f32[]` is a scalar. */
  tensorType = this.RULE("tensorType", () => {
    this.CONSUME(Identifier, { LABEL: "dtype" });
    this.CONSUME(LBracket);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.CONSUME(Int, { LABEL: "dim" }) });
    this.CONSUME(RBracket);
  });

  /** Tokenizes `text` and runs `rule` over all of it, throwing the first syntax error. */
  parseWith<T>(text: string, rule: () => T): T {
    const tokens: IToken[] = tokenize(text);
    this.input = tokens;
    const cst = rule.call(this);
    const errors = this.errors.map((e) => ({ token: e.token, message: e.message }));
    this.input = []; // the parser is reused; do not keep the last text's tokens alive
    throwSyntax(errors, text);
    return cst;
  }
}
