/**
 * @fileoverview The lexical vocabulary shared by the Graph IR and Tensor IR text formats: token
 * types, the one lexer, and the error messages (`LINE:COL: expected X, got Y`) both parsers give.
 */
import { createToken, EOF, IParserErrorMessageProvider, IToken, Lexer, TokenType } from "chevrotain";
import { EdgecError } from "../diagnostics.ts";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: "Comment", pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });

// JSON string syntax, so JSON.stringify prints and JSON.parse decodes every escape exactly.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/;
const BARE = /[A-Za-z0-9_.\/]+/;
const REF = (sigil: string) => new RegExp(`${sigil}(?:${BARE.source}|${STRING.source})`);

export const StringLit = createToken({ name: "StringLit", pattern: STRING, label: "a string" });
/** `%name` or `%"any name"`: a value, buffer or loop variable. */
export const ValueRef = createToken({ name: "ValueRef", pattern: REF("%"), label: "a name like %x" });
/** `@name` or `@"any name"`: a graph, function or blob store. */
export const GlobalRef = createToken({ name: "GlobalRef", pattern: REF("@"), label: "a name like @main" });

/** Categories: any number literal; any infix operator of Tensor IR. */
export const NumberLit = createToken({ name: "NumberLit", pattern: Lexer.NA, label: "a number" });
export const InfixOp = createToken({ name: "InfixOp", pattern: Lexer.NA, label: "an operator (+ - * == != < <= > >= && ||)" });

export const Hex = createToken({ name: "Hex", pattern: /0x[0-9a-fA-F]*/, label: "hex bytes" });
export const Float = createToken({ name: "Float", pattern: /[0-9]+(?:\.[0-9]+(?:e[+-]?[0-9]+)?|e[+-]?[0-9]+)/, categories: [NumberLit], label: "a number" });
export const Int = createToken({ name: "Int", pattern: /[0-9]+/, categories: [NumberLit], label: "an integer" });

export const DotDot = createToken({ name: "DotDot", pattern: /\.\./, label: "'..'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/, label: "'}'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: [InfixOp], label: "'=='" });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: [InfixOp], label: "'!='" });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/, categories: [InfixOp], label: "'<='" });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/, categories: [InfixOp], label: "'>='" });
export const Less = createToken({ name: "Less", pattern: /</, categories: [InfixOp], label: "'<'" });
export const Greater = createToken({ name: "Greater", pattern: />/, categories: [InfixOp], label: "'>'" });
export const AndAnd = createToken({ name: "AndAnd", pattern: /&&/, categories: [InfixOp], label: "'&&'" });
export const OrOr = createToken({ name: "OrOr", pattern: /\|\|/, categories: [InfixOp], label: "'||'" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [InfixOp], label: "'+'" });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [InfixOp], label: "'-'" });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [InfixOp], label: "'*'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });

// Dots allowed, for op names like edgec.Fused.
export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_.]*/, label: "a name" });
/** The omitted-value marker; `_x` stays an identifier. */
export const Underscore = createToken({ name: "Underscore", pattern: /_/, longer_alt: Identifier, label: "'_'" });

/** Keywords are also identifiers, so attribute and op names may be spelled like them. */
const kw = (word: string, category: TokenType = Identifier): TokenType =>
  createToken({ name: `Kw_${word}`, pattern: new RegExp(word), longer_alt: Identifier, categories: [category], label: `'${word}'` });

export const KW = {
  graph: kw("graph"), opset: kw("opset"), input: kw("input"), output: kw("output"), const: kw("const"),
  value: kw("value"), name: kw("name"), domain: kw("domain"), dense: kw("dense"),
  func: kw("func"), for: kw("for"), in: kw("in"), store: kw("store"), let: kw("let"),
  if: kw("if"), else: kw("else"), seq: kw("seq"), from: kw("from"), to: kw("to"),
  // Numbers, never names.
  inf: kw("inf", NumberLit), nan: kw("nan", NumberLit),
} as const;

/** Words the printers quote when they are used as names. */
export const KEYWORDS: ReadonlySet<string> = new Set(["inf", "nan"]);

export const ALL_TOKENS: TokenType[] = [
  NumberLit, InfixOp, WhiteSpace, Comment, StringLit, ValueRef, GlobalRef, Hex, Float, Int, DotDot,
  LParen, RParen, LBrace, RBrace, LBracket, RBracket,
  EqEq, NotEq, LessEq, GreaterEq, Less, Greater, AndAnd, OrOr, Plus, Minus, Star,
  Comma, Colon, Equals, Underscore,
  // Longest keyword first, so `input` is not read as `in` followed by `put`.
  ...Object.values(KW).sort((a, b) => String(b.PATTERN).length - String(a.PATTERN).length), Identifier,
];

const lexer = new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: false });

/** Splits text into tokens; an unknown character is a `LINE:COL: expected ..., got ...` error. */
export function tokenize(text: string): IToken[] {
  const r = lexer.tokenize(text);
  if (r.errors.length) {
    const e = r.errors[0]!;
    const at = `${e.line ?? 0}:${e.column ?? 0}`;
    if (/^[%@]?"/.test(text.slice(e.offset, e.offset + 2)))
      throw new EdgecError(`${at}: expected a string closed by '"' on the same line, got an unterminated string`);
    throw new EdgecError(`${at}: expected a token, got ${JSON.stringify(String.fromCodePoint(text.codePointAt(e.offset)!))}`);
  }
  return r.tokens;
}

// ---- error messages ----

const labelOf = (t: TokenType): string => (t === EOF ? "end of input" : t.LABEL ?? t.name);

/** How a token reads in a message: its text, quoted, or "end of input". */
export function describe(tok: IToken): string {
  if (tok.tokenType === EOF) return "end of input";
  const img = tok.image.length > 40 ? tok.image.slice(0, 37) + "..." : tok.image;
  return `'${img}'`;
}

// Digits and inf/nan all start "a number", and so does '-' where a number may start.
const NUMERIC = new Set(["NumberLit", "Int", "Float", "Kw_inf", "Kw_nan"]);
function firstTokens(paths: TokenType[][]): string[] {
  const firsts = paths.map((p) => p[0] ?? EOF);
  const numeric = firsts.some((t) => NUMERIC.has(t.name));
  const labels = firsts.filter((t) => !(numeric && t.name === "Minus")).map((t) => (NUMERIC.has(t.name) ? "a number" : labelOf(t)));
  return [...new Set(labels)];
}
const oneOf = (xs: string[]): string => (xs.length === 1 ? xs[0]! : `one of ${xs.join(", ")}`);

/** What may start the next item where a rule's list of statements stops at '}'. */
const STATEMENTS: Record<string, string> = {
  graph: "a statement (input, output, const, value or a node) or '}'",
  block: "a statement (for, store, if, let, seq or an assignment) or '}'",
};

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual, ruleName }) =>
    `expected ${expected === RBrace && STATEMENTS[ruleName] ? STATEMENTS[ruleName] : labelOf(expected)}, got ${describe(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `expected end of input, got ${describe(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) =>
    `expected ${oneOf(firstTokens(expectedPathsPerAlt.flat()))}, got ${describe(actual[0]!)}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
    `expected ${oneOf(firstTokens(expectedIterationPaths))}, got ${describe(actual[0]!)}`,
};

/** `LINE:COL` of a token; the end of input reports the position just past the last character. */
export function position(tok: IToken, text: string): string {
  if (tok.tokenType !== EOF && Number.isFinite(tok.startLine)) return `${tok.startLine}:${tok.startColumn}`;
  const lines = text.split("\n");
  return `${lines.length}:${lines[lines.length - 1]!.length + 1}`;
}

/** A semantic error at a token, in the same form as syntax errors. */
export function errorAt(tok: IToken, what: string): never {
  throw new EdgecError(`${tok.startLine}:${tok.startColumn}: ${what}`);
}

export interface SyntaxError {
  token: IToken;
  message: string;
}

/** Throws the first syntax error of a parse, with its position. */
export function throwSyntax(errors: readonly SyntaxError[], text: string): void {
  const e = errors[0];
  if (e) throw new EdgecError(`${position(e.token, text)}: ${e.message}`);
}
