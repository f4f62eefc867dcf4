/**
 * @fileoverview Typed access to chevrotain syntax-tree children for the IR text visitors, and
 * the readings of the rules both grammars share (numbers, tensor types).
 */
import { CstElement, CstNode, IToken } from "chevrotain";
import { TensorType } from "../graph.ts";
import { ElementText, isDType, parseNum } from "./literals.ts";
import { errorAt } from "./tokens.ts";

export type Children = Record<string, CstElement[] | undefined>;

const isToken = (e: CstElement): e is IToken => "image" in e;

export function toks(ctx: Children, key: string): IToken[] {
  return (ctx[key] ?? []).filter(isToken);
}

export function tok(ctx: Children, key: string): IToken | undefined {
  return toks(ctx, key)[0];
}

/** A token the grammar guarantees. */
export function must(ctx: Children, key: string): IToken {
  const t = tok(ctx, key);
  if (!t) throw new Error(`internal error: syntax tree has no ${key}`);
  return t;
}

export function nodes(ctx: Children, key: string): CstNode[] {
  return (ctx[key] ?? []).filter((e): e is CstNode => !isToken(e));
}

export function sub(ctx: Children, key: string): CstNode | undefined {
  return nodes(ctx, key)[0];
}

/** The first token under a syntax-tree node, to place an error. */
export function firstToken(n: CstNode): IToken {
  let best: IToken | undefined;
  for (const list of Object.values(n.children))
    for (const e of list) {
      const t = isToken(e) ? e : firstToken(e);
      if (!best || t.startOffset < best.startOffset) best = t;
    }
  if (!best) throw new Error("internal error: empty syntax-tree node");
  return best;
}

/** The text of a `number` node and its sign. */
export function numberText(n: CstNode): ElementText & { token: IToken } {
  const c = n.children;
  const t = must(c, "NumberLit");
  return { text: t.image, negative: toks(c, "Minus").length > 0, token: t };
}

export function numberValue(n: CstNode): number {
  const { text, negative } = numberText(n);
  return parseNum(text, negative);
}

export function dtypeOf(t: IToken): TensorType["dtype"] {
  if (!isDType(t.image)) errorAt(t, `expected a dtype (f32, f16, bf16, f64, f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, f4e2m1, f8e8m0, i8..i64, u8..u64, i4, u4, i2, u2, bool), got '${t.image}'`);
  return t.image;
}

export function tensorTypeOf(n: CstNode): TensorType {
  const c = n.children;
  const shape = toks(c, "dim").map((d) => {
    const v = Number(d.image);
    if (!Number.isSafeInteger(v)) errorAt(d, `expected a dimension below 2^53, got '${d.image}'`);
    return v;
  });
  return { dtype: dtypeOf(must(c, "dtype")), shape };
}
