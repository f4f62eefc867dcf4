/**
 * @fileoverview TfIdfVectorizer on integer tokens: counts the n-grams of a fixed pool (with
 * skips) per row and weights the counts (TF, IDF, TFIDF). The pool is known at compile time, so
 * each n-gram becomes its own counting loop.
 */
import { Expr, Stmt, bin, c, cast, load, loop, seq, store } from "../ir/tir.ts";
import { OpCtx, defineOp } from "./registry.ts";

interface Gram { tokens: number[]; out: number }

function tfidfSpec(ctx: OpCtx) {
  const x = ctx.input(0);
  if (x.dtype === "bool" || !["i32", "i64"].includes(x.dtype)) ctx.fail(`input type ${x.dtype} is not supported`, "tokens must be int32 or int64 (strings are not supported)");
  if (x.shape.length !== 1 && x.shape.length !== 2) ctx.fail(`input must be [C] or [B, C], got rank ${x.shape.length}`);
  if (ctx.hasAttr("pool_strings")) ctx.fail("pool_strings is not supported", "use integer tokens and pool_int64s");
  const mode = ctx.string("mode");
  if (!["TF", "IDF", "TFIDF"].includes(mode)) ctx.fail(`mode '${mode}' is not one of TF, IDF, TFIDF`);
  const minN = ctx.int("min_gram_length"), maxN = ctx.int("max_gram_length"), skips = ctx.int("max_skip_count");
  if (minN < 1 || maxN < minN) ctx.fail(`gram lengths ${minN}..${maxN} are not a valid range`);
  if (skips < 0) ctx.fail(`max_skip_count must be non-negative, got ${skips}`);
  const pool = ctx.ints("pool_int64s"), counts = ctx.ints("ngram_counts"), indexes = ctx.ints("ngram_indexes");
  const weights = ctx.floats("weights", []);
  const size = Math.max(-1, ...indexes) + 1;
  if (weights.length && weights.length < size) ctx.fail(`weights has ${weights.length} entries for ${size} outputs`);
  if (indexes.some((i) => i < 0)) ctx.fail("ngram_indexes must be non-negative");
  // The pool holds all 1-grams, then all 2-grams, ...; ngram_counts gives where each size starts.
  const byKey = new Map<string, Gram>();
  let id = 0;
  counts.forEach((start, i) => {
    const n = i + 1;
    const end = i + 1 < counts.length ? counts[i + 1]! : pool.length;
    if (start < 0 || end > pool.length || end < start || (end - start) % n !== 0) ctx.fail(`ngram_counts [${counts}] does not split the pool of ${pool.length} into ${n}-grams`);
    for (let p = start; p < end; p += n, id++) {
      if (n < minN || n > maxN) continue;
      if (id >= indexes.length) ctx.fail(`ngram_indexes has ${indexes.length} entries but the pool holds more n-grams`);
      const tokens = pool.slice(p, p + n);
      // A repeated n-gram counts once, into the index of its last occurrence.
      byKey.set(tokens.join(","), { tokens, out: indexes[id]! });
    }
  });
  const rows = x.shape.length === 2 ? x.shape[0]! : 1;
  return { mode, skips, grams: [...byKey.values()], weights, size, rows, cols: x.shape[x.shape.length - 1]! };
}

defineOp({
  op: "TfIdfVectorizer", kind: "opaque",
  attrs: ["max_gram_length", "max_skip_count", "min_gram_length", "mode", "ngram_counts", "ngram_indexes", "pool_int64s", "pool_strings", "weights"],
  infer(ctx) {
    const s = tfidfSpec(ctx);
    return [{ dtype: "f32", shape: ctx.input(0).shape.length === 2 ? [s.rows, s.size] : [s.size] }];
  },
  compute(ctx, te, ins, outs) {
    const s = tfidfSpec(ctx);
    const x = ins[0]!;
    return te.extern([{ name: "tfidf", ...outs[0]! }], [x], ([xb], [yb]) => loop(s.rows, (r) => {
      const o = (j: number | Expr) => bin("add", bin("mul", r, c(s.size)), typeof j === "number" ? c(j) : j);
      const body: Stmt[] = [loop(s.size, (j) => store(yb!, o(j), c(0, "f32")), "j")];
      for (const g of s.grams) {
        const n = g.tokens.length;
        // Unigrams are not affected by skips, so they count at distance 1 only; no gram fits
        // beyond the distance that spans the whole row, however large max_skip_count is.
        const dists = n === 1 ? 1 : Math.min(s.skips + 1, Math.floor((s.cols - 1) / (n - 1)));
        for (let d = 1; d <= dists; d++) {
          const starts = s.cols - d * (n - 1);
          if (starts <= 0) continue;
          body.push(loop(starts, (p) => {
            const hit = g.tokens.reduce<Expr>((e, t, j) =>
              bin("land", e, bin("eq", cast(load(xb!, bin("add", bin("mul", r, c(s.cols)), bin("add", p, c(j * d)))), "i64"), c(t, "i64"))), c(1, "bool"));
            return { k: "if", c: hit, then: store(yb!, o(g.out), bin("add", load(yb!, o(g.out)), c(1, "f32"))) };
          }, "p"));
        }
      }
      // Weighting: TF keeps counts; IDF marks presence; TFIDF scales counts (weights default to 1).
      if (s.mode !== "TF")
        body.push(loop(s.size, (j) => {
          const f = load(yb!, o(j));
          const w = s.weights.length ? weightOf(j, s.weights.slice(0, s.size)) : c(1, "f32");
          const v = s.mode === "IDF" ? { k: "select", c: bin("gt", f, c(0, "f32")), a: w, b: c(0, "f32"), dtype: "f32" } as Expr : bin("mul", w, f);
          return store(yb!, o(j), v);
        }, "j"));
      return seq(...body);
    }, "r"));
  },
});

function weightOf(j: Expr, w: number[]): Expr {
  let e: Expr = c(w[w.length - 1]!, "f32");
  for (let i = w.length - 2; i >= 0; i--) e = { k: "select", c: bin("eq", j, c(i)), a: c(w[i]!, "f32"), b: e, dtype: "f32" };
  return e;
}
