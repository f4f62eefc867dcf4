/**
 * @fileoverview edgec.WinogradConv: a 3x3, stride-1 Conv computed as Winograd F(2x2, 3x3), which
 * the winograd pass substitutes where the target asks for it. Each 2x2 block of outputs takes 16
 * products per channel pair instead of 36: the input's 4x4 tiles are transformed (V = B^T d B),
 * multiplied by the weights transformed at compile time (U = G g G^T) as 16 independent matrix
 * products over the input channels (M[e] = U[e] V[e], the register-tile schedule), and the
 * products are transformed back (Y = A^T M A).
 */
import { Expr, Stmt, TensorRef, Var, bin, c, load, mkVar, seq, store } from "../ir/tir.ts";
import { at, flatIndex, reduce } from "./te.ts";
import { padInput } from "./conv-pool.ts";
import { defineOp } from "./registry.ts";

/** B^T d, row by row: the input transform along one axis of a 4-element strip. */
const inT = (d: Expr[]): Expr[] => [bin("sub", d[0]!, d[2]!), bin("add", d[1]!, d[2]!), bin("sub", d[2]!, d[1]!), bin("sub", d[1]!, d[3]!)];
/** A^T m: the output transform along one axis. */
const outT = (m: Expr[]): Expr[] => [bin("add", bin("add", m[0]!, m[1]!), m[2]!), bin("sub", bin("sub", m[1]!, m[2]!), m[3]!)];

defineOp({
  op: "edgec.WinogradConv",
  kind: "out-ewise-fusable",
  attrs: ["pads"],
  infer(ctx) {
    const x = ctx.input(0), u = ctx.input(1);
    ctx.dtypeIn(x.dtype, ["f32"]);
    const pads = ctx.ints("pads", [0, 0, 0, 0]);
    if (x.shape.length !== 4 || u.shape.length !== 3 || u.shape[0] !== 16 || u.shape[2] !== x.shape[1] || pads.length !== 4)
      ctx.fail(`expects x [N, C, H, W], transformed weights [16, M, C] and 4 pads; got x [${x.shape}], weights [${u.shape}]`);
    if (ctx.has(2)) ctx.expectShape(2, [u.shape[1]!]);
    const [n, , h, w] = x.shape as [number, number, number, number];
    return [{ dtype: x.dtype, shape: [n, u.shape[1]!, h + pads[0]! + pads[2]! - 2, w + pads[1]! + pads[3]! - 2] }];
  },
  compute(ctx, te, ins, outs) {
    const [x, u, b] = ins as [TensorRef, TensorRef, TensorRef | undefined];
    const [n, ch, h, w] = x.shape as [number, number, number, number];
    const m = u.shape[1]!;
    const [, , oh, ow] = outs[0]!.shape as [number, number, number, number];
    const [pt, pl] = ctx.ints("pads") as [number, number];
    const th = Math.ceil(oh / 2), tw = Math.ceil(ow / 2), tiles = th * tw;
    // Zero padding, plus whatever whole tiles need past the end.
    const hp = 2 * th + 2, wp = 2 * tw + 2;
    const xp = padInput(te, x, { kernel: [3, 3], strides: [1, 1], dilations: [1, 1], begin: [pt, pl], end: [hp - h - pt, wp - w - pl], out: [oh, ow] }, c(0, x.dtype)).x;
    // V[n][e][c][t] for tile t = ty * tw + tx: loads of one tile row are two apart along tx.
    const [v] = te.extern([{ name: "wino_in", dtype: x.dtype, shape: [n, 16, ch, tiles] }], [xp], ([xb], [vb]) => {
      const body = (bn: Var, bc: Var, ty: Var, tx: Var): Stmt => {
        const d = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) =>
          load(xb!, flatIndex([bn, bc, bin("add", bin("mul", ty, c(2)), c(i)), bin("add", bin("mul", tx, c(2)), c(j))], [n, ch, hp, wp]))));
        const t = bin("add", bin("mul", ty, c(tw)), tx);
        const decls: Stmt[] = [];
        const named = (e: Expr): Expr => { const t = mkVar("wt", x.dtype); decls.push({ k: "decl", v: t, init: e }); return t; };
        const cols = [0, 1, 2, 3].map((j) => inT(d.map((row) => row[j]!)).map(named));
        const stores: Stmt[] = [];
        for (let a = 0; a < 4; a++) {
          const r = inT(cols.map((col) => col[a]!));
          for (let bb = 0; bb < 4; bb++) {
            stores.push(store(vb!, flatIndex([bn, c(a * 4 + bb), bc, t], [n, 16, ch, tiles]), r[bb]!));
          }
        }
        return seq(...decls, ...stores);
      };
      return nest([n, ch, th, tw], (iv) => body(iv[0]!, iv[1]!, iv[2]!, iv[3]!));
    });
    // M[n][e][m][t] = sum over c of U[e][m][c] * V[n][e][c][t].
    const prod = te.compute("wino_gemm", [n, 16, m, tiles], ([bn, e, bm, t]) =>
      reduce("sum", [ch], ([k]) => bin("mul", at(u, e!, bm!, k!), at(v!, bn!, e!, k!, t!))), { dtype: x.dtype, materialize: true });
    const [y] = te.extern([{ name: "wino_out", dtype: x.dtype, shape: [n, m, oh, ow] }], b ? [prod, b] : [prod], ([pb, bias], [yb]) => {
      const body = (bn: Var, bm: Var, ty: Var, tx: Var): Stmt => {
        const t = bin("add", bin("mul", ty, c(tw)), tx);
        const mv = (e: number) => load(pb!, flatIndex([bn, c(e), bm, t], [n, 16, m, tiles]));
        const decls: Stmt[] = [];
        const named = (e: Expr): Expr => { const t = mkVar("wo", x.dtype); decls.push({ k: "decl", v: t, init: e }); return t; };
        const cols = [0, 1, 2, 3].map((j) => outT([0, 1, 2, 3].map((i) => mv(i * 4 + j))).map(named));
        const stores: Stmt[] = [];
        for (let a = 0; a < 2; a++) {
          const r = outT(cols.map((col) => col[a]!));
          for (let bb = 0; bb < 2; bb++) {
            const yy = bin("add", bin("mul", ty, c(2)), c(a)), xx = bin("add", bin("mul", tx, c(2)), c(bb));
            const val = bias ? bin("add", r[bb]!, load(bias, bm)) : r[bb]!;
            const st = store(yb!, flatIndex([bn, bm, yy, xx], [n, m, oh, ow]), val);
            // Odd sizes: the last tile's second row or column lies outside the output.
            const inside: Expr[] = [];
            if (a === 1 && oh % 2) inside.push(bin("lt", yy, c(oh)));
            if (bb === 1 && ow % 2) inside.push(bin("lt", xx, c(ow)));
            stores.push(inside.length ? { k: "if", c: inside.reduce((p, q) => bin("land", p, q)), then: st } : st);
          }
        }
        return seq(...decls, ...stores);
      };
      return nest([n, m, th, tw], (iv) => body(iv[0]!, iv[1]!, iv[2]!, iv[3]!));
    });
    return [y!];
  },
});

/** Loops over `extents`, outermost first. */
function nest(extents: number[], body: (iv: Var[]) => Stmt): Stmt {
  const iv = extents.map(() => mkVar("wi"));
  let s = body(iv);
  for (let k = extents.length - 1; k >= 0; k--) s = { k: "for", v: iv[k]!, extent: extents[k]!, kind: "serial", body: s };
  return s;
}
