/**
 * @fileoverview edgec.Attention: softmax(Q·Kᵀ·scale + mask)·V for one query row at a time, so
 * the score matrix is never materialised (one row of scratch). Each operand is read through a
 * permutation, which absorbs the Transposes around attention in exported models.
 *   Q logical [B, H, S, D], K logical [B, H, D, T] (already transposed), V logical [B, H, T, E],
 *   mask broadcast to [B, H, S, T], output logical [B, H, S, E] stored through out_perm.
 */
import { Buffer, Expr, Stmt, Var, add, bin, c, cast, load, loop, mkVar, mul, seq, store, un } from "../ir/tir.ts";
import { stridesOf } from "../ir/graph.ts";
import { defineOp, OpCtx } from "./registry.ts";

export const ATTENTION = "edgec.Attention";

/** Partial sums per dot product. */
const LANES = 8;

const ID = [0, 1, 2, 3];
const perms = (ctx: OpCtx) => ({
  q: ctx.ints("q_perm", ID), k: ctx.ints("k_perm", ID), v: ctx.ints("v_perm", ID), out: ctx.ints("out_perm", ID),
});

/** Logical shape of a Transpose(x, perm) output: y.shape[i] = x.shape[perm[i]]. */
const logicalShape = (stored: number[], perm: number[]) => perm.map((p) => stored[p]!);

/** Flat index into `b` of logical index `l` of Transpose(b, perm). */
function at(b: Buffer, perm: number[], l: Expr[]): Expr {
  const strides = stridesOf(b.shape);
  const src = new Array<Expr>(4);
  perm.forEach((p, i) => { src[p] = l[i]!; });
  return src.reduce<Expr>((f, e, i) => add(f, mul(e, c(strides[i]!))), c(0));
}

/** Flat index of a mask broadcast (right-aligned) to [B, H, S, T]. */
function maskAt(b: Buffer, l: Expr[]): Expr {
  const off = 4 - b.shape.length;
  const strides = stridesOf(b.shape);
  return b.shape.reduce<Expr>((f, d, i) => (d === 1 ? f : add(f, mul(l[off + i]!, c(strides[i]!)))), c(0));
}

defineOp({
  op: ATTENTION,
  kind: "opaque",
  attrs: ["scale", "q_perm", "k_perm", "v_perm", "out_perm"],
  infer(ctx) {
    const p = perms(ctx);
    const q = logicalShape(ctx.input(0).shape, p.q), v = logicalShape(ctx.input(2).shape, p.v);
    const o = [q[0]!, q[1]!, q[2]!, v[3]!];
    const out = new Array<number>(4);
    p.out.forEach((pi, i) => { out[i] = o[pi]!; });
    return [{ dtype: ctx.input(0).dtype, shape: out }];
  },
  compute(ctx, te, ins, outs) {
    const p = perms(ctx);
    const scale = ctx.float("scale", 1);
    const [q, k, v, mask] = ins;
    const ql = logicalShape(q!.shape, p.q), kl = logicalShape(k!.shape, p.k), vl = logicalShape(v!.shape, p.v);
    const [B, H, S, D] = ql as [number, number, number, number];
    const T = kl[3]!, E = vl[3]!;
    const dt = q!.dtype;
    const inputs = [q!, k!, v!, ...(mask ? [mask] : [])];
    const [out] = te.extern([
      { name: "attention", dtype: dt, shape: outs[0]!.shape },
      { name: "attn_row", dtype: dt, shape: [T] },
    ], inputs, ([Q, K, V, M], [O, row]) => {
      const body = (b: Var, h: Var, i: Var): Stmt => {
        const mx = mkVar("mx", dt), sum = mkVar("sum", dt), inv = mkVar("inv", dt);
        const oIdx = (e: Expr) => {
          const l = [b, h, i, e];
          const src = new Array<Expr>(4);
          p.out.forEach((pi, j) => { src[j] = l[pi]!; });
          return at(O!, ID, src);
        };
        const scores = loop(T, (j) => {
          // The dot product keeps LANES partial sums (a fixed order, so results are deterministic)
          // that a C compiler vectorises without reassociating a single sum.
          const lanes = D % LANES === 0 ? LANES : 1;
          const accs = Array.from({ length: lanes }, () => mkVar("dot", dt));
          const qk = (d: Expr) => bin("mul", load(Q!, at(Q!, p.q, [b, h, i, d])), load(K!, at(K!, p.k, [b, h, d, j])));
          const total = accs.slice(1).reduce<Expr>((a, x) => bin("add", a, x), accs[0]!);
          let s: Expr = bin("mul", total, c(scale, dt));
          if (M) s = bin("add", s, cast(load(M, maskAt(M, [b, h, i, j])), dt));
          return seq(
            ...accs.map((a): Stmt => ({ k: "decl", v: a, init: c(0, dt) })),
            loop(D / lanes, (d0) => seq(...accs.map((a, l): Stmt =>
              ({ k: "assign", v: a, value: bin("add", a, qk(add(mul(d0, c(lanes)), c(l)))) }))), "d"),
            store(row!, j, s),
            { k: "assign", v: mx, value: bin("max", mx, load(row!, j)) },
          );
        }, "j");
        const exps = loop(T, (j) => seq(
          store(row!, j, un("exp", bin("sub", load(row!, j), mx))),
          { k: "assign", v: sum, value: bin("add", sum, load(row!, j)) },
        ), "j");
        const weighted = loop(T, (j) => loop(E, (e) =>
          store(O!, oIdx(e), bin("add", load(O!, oIdx(e)), bin("mul", bin("mul", load(row!, j), inv), load(V!, at(V!, p.v, [b, h, j, e]))))), "e"), "j");
        return seq(
          { k: "decl", v: mx, init: c(-Infinity, dt) }, scores,
          { k: "decl", v: sum, init: c(0, dt) }, exps,
          { k: "decl", v: inv, init: bin("div", c(1, dt), sum) },
          loop(E, (e) => store(O!, oIdx(e), c(0, dt)), "e"),
          weighted,
        );
      };
      return loop(B, (b) => loop(H, (h) => loop(S, (i) => body(b, h, i), "i"), "h"), "b");
    });
    return [out!];
  },
});
