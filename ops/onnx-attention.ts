/**
 * @fileoverview The ONNX Attention op (opsets 23 and 24): 3D and 4D layouts, grouped-query heads,
 * boolean and additive masks (shorter masks padded as masked), causal masking aligned to the KV
 * cache or to nonpad_kv_seqlen, softcap, past/present KV cache, the qk_matmul output in its four
 * modes and softmax_precision. Built as TE stages: scaled scores, masked scores, row max and sum,
 * probabilities (rows masked entirely give zeros, never NaN), and the weighted sum of values.
 */
import { DType } from "../ir/dtype.ts";
import { Expr, TensorRef, Var, add, bin, c, cast, mul, select, sub, un } from "../ir/tir.ts";
import { at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType } from "./util.ts";

/** Dimensions of one Attention node, in the 4D view [batch, heads, sequence, head size]. */
interface Dims {
  rank: number;
  B: number; Hq: number; Hkv: number;
  /** Query length, new KV length, past KV length, total KV length. */
  S: number; Tn: number; P: number; T: number;
  /** Q/K head size and V head size. */
  D: number; E: number;
}

function dims(ctx: OpCtx): Dims {
  const q = ctx.input(0).shape, k = ctx.input(1).shape, v = ctx.input(2).shape;
  const rank = q.length;
  if (rank !== 3 && rank !== 4) ctx.fail(`Q must be 3D [B, S, H*D] or 4D [B, H, S, D], got rank ${rank}`);
  if (k.length !== rank || v.length !== rank) ctx.fail(`Q, K and V must have the same rank, got ${rank}, ${k.length} and ${v.length}`);
  let B: number, Hq: number, Hkv: number, S: number, Tn: number, D: number, E: number;
  if (rank === 4) {
    [B, Hq, S, D] = q as [number, number, number, number];
    Hkv = k[1]!; Tn = k[2]!; E = v[3]!;
    if (k[3] !== D) ctx.fail(`K head size ${k[3]} differs from Q head size ${D}`);
    if (v[1] !== Hkv || v[2] !== Tn) ctx.fail(`V shape [${v}] does not match K shape [${k}] in heads and sequence length`);
  } else {
    Hq = ctx.int("q_num_heads", 0); Hkv = ctx.int("kv_num_heads", 0);
    if (Hq <= 0 || Hkv <= 0) ctx.fail("3D inputs need positive q_num_heads and kv_num_heads attributes", "set both attributes or pass 4D inputs");
    B = q[0]!; S = q[1]!; Tn = k[1]!;
    if (q[2]! % Hq !== 0) ctx.fail(`Q hidden size ${q[2]} is not a multiple of q_num_heads ${Hq}`);
    D = q[2]! / Hq;
    if (k[2] !== Hkv * D) ctx.fail(`K hidden size ${k[2]} is not kv_num_heads ${Hkv} times the head size ${D}`);
    if (v[1] !== Tn || v[2]! % Hkv !== 0) ctx.fail(`V shape [${v}] does not match K shape [${k}]`);
    E = v[2]! / Hkv;
  }
  if (k[0] !== B || v[0] !== B) ctx.fail(`Q, K and V batch sizes differ: ${B}, ${k[0]}, ${v[0]}`);
  if (Hq % Hkv !== 0) ctx.fail(`q heads ${Hq} are not a multiple of kv heads ${Hkv}`);
  let P = 0;
  if (ctx.has(4) !== ctx.has(5)) ctx.fail("past_key and past_value must be given together");
  if (ctx.has(4)) {
    P = ctx.input(4).shape[2] ?? 0;
    ctx.expectShape(4, [B, Hkv, P, D]);
    ctx.expectShape(5, [B, Hkv, P, E]);
  }
  return { rank, B, Hq, Hkv, S, Tn, P, T: P + Tn, D, E };
}

const PRECISION: Record<number, DType> = { 1: "f32", 10: "f16", 11: "f64", 16: "bf16" };

function checkInputs(ctx: OpCtx, d: Dims): void {
  const dt = ctx.input(0).dtype;
  ctx.dtypeIn(dt, FLOATS, "Q");
  for (const i of [1, 2, 4, 5])
    if (ctx.has(i) && ctx.input(i).dtype !== dt) ctx.fail(`input ${i} has type ${ctx.input(i).dtype}, expected ${dt} like Q`);
  if (ctx.has(3)) {
    const m = ctx.input(3);
    if (m.dtype !== "bool" && !FLOATS.includes(m.dtype)) ctx.fail(`attn_mask type ${m.dtype} is not supported`, "use a bool or float mask");
    if (m.shape.length < 2 || m.shape.length > 4) ctx.fail(`attn_mask must have rank 2 to 4, got ${m.shape.length}`);
    const want = [d.B, d.Hq, d.S];
    const lead = m.shape.slice(0, -1), off = 3 - lead.length;
    lead.forEach((x, i) => {
      if (x !== 1 && x !== want[off + i]) ctx.fail(`attn_mask shape [${m.shape}] does not broadcast to [${d.B}, ${d.Hq}, ${d.S}, ${d.T}]`);
    });
    if (m.shape[m.shape.length - 1]! > d.T) ctx.fail(`attn_mask covers ${m.shape[m.shape.length - 1]} keys, more than the ${d.T} there are`);
  }
  if (ctx.has(6)) {
    ctx.dtypeIn(ctx.input(6).dtype, ["i64", "i32"], "nonpad_kv_seqlen");
    ctx.expectShape(6, [d.B]);
  }
  const mode = ctx.int("qk_matmul_output_mode", 0);
  if (mode < 0 || mode > 3) ctx.fail(`qk_matmul_output_mode ${mode} is not one of 0, 1, 2, 3`);
  if (ctx.hasAttr("softmax_precision") && !PRECISION[ctx.int("softmax_precision")])
    ctx.fail(`softmax_precision ${ctx.int("softmax_precision")} is not a float type`, "use 1 (float), 10 (float16), 11 (double) or 16 (bfloat16)");
}

defineOp({
  op: "Attention",
  kind: "opaque",
  attrs: ["is_causal", "kv_num_heads", "q_num_heads", "qk_matmul_output_mode", "scale", "softcap", "softmax_precision"],
  infer(ctx) {
    const d = dims(ctx);
    checkInputs(ctx, d);
    const dtype = ctx.input(0).dtype;
    const y = d.rank === 4 ? [d.B, d.Hq, d.S, d.E] : [d.B, d.S, d.Hq * d.E];
    return [
      { dtype, shape: y },
      { dtype, shape: [d.B, d.Hkv, d.T, d.D] },
      { dtype, shape: [d.B, d.Hkv, d.T, d.E] },
      { dtype, shape: [d.B, d.Hq, d.S, d.T] },
    ];
  },
  compute(ctx, te, ins) {
    const d = dims(ctx);
    const [q, k, v, mask, pastK, pastV, nonpad] = ins;
    const dt = q!.dtype, ct = computeType(dt);
    // Softmax runs in the wider of the compute type and softmax_precision.
    const sp = ctx.hasAttr("softmax_precision") && PRECISION[ctx.int("softmax_precision")] === "f64" ? "f64" : ct;
    const f = (e: Expr, t: DType = ct) => cast(e, t);
    const { B, Hq, Hkv, S, T, P, D, E } = d;
    const grp = Hq / Hkv;
    const kvHead = (h: Expr) => (grp === 1 ? h : bin("floordiv", h, c(grp)));

    // Q, K, V in the 4D view; a 3D tensor packs heads into its last axis.
    const view = (t: TensorRef, width: number) => (b: Expr, h: Expr, s: Expr, x: Expr) =>
      d.rank === 4 ? at(t, b, h, s, x) : at(t, b, s, add(mul(h, c(width)), x));
    const qAt = view(q!, D);
    const cache = (name: string, past: TensorRef | undefined, cur: ReturnType<typeof view>, width: number) =>
      te.compute(name, [B, Hkv, T, width], ([b, h, t, x]) => (!past || P === 0 ? cur(b!, h!, t!, x!)
        : select(bin("lt", t!, c(P)), at(past, b!, h!, bin("min", t!, c(P - 1)), x!), cur(b!, h!, bin("max", sub(t!, c(P)), c(0)), x!))),
      { dtype: dt });
    const presentK = cache("present_key", pastK, view(k!, D), D);
    const presentV = cache("present_value", pastV, view(v!, E), E);

    const scale = ctx.hasAttr("scale") ? ctx.float("scale") : 1 / Math.sqrt(D);
    const qk = te.compute("qk", [B, Hq, S, T], ([b, h, i, j]) =>
      mul(reduce("sum", [D], ([r]) => mul(f(qAt(b!, h!, i!, r!)), f(at(presentK, b!, kvHead(h!), j!, r!)))), c(scale, ct)),
    { dtype: ct });

    const softcap = ctx.float("softcap", 0);
    const capped = (e: Expr) => (softcap > 0 ? mul(un("tanh", bin("div", e, c(softcap, ct))), c(softcap, ct)) : e);
    const bias = attnBias(ctx, d, mask, nonpad, sp);
    const NEG = c(-Infinity, sp);
    const scores = softcap > 0 || bias || sp !== ct
      ? te.compute("scores", [B, Hq, S, T], (idx) => {
        const s = f(capped(at(qk, ...idx)), sp);
        const bv = bias?.(idx);
        return bv ? add(s, bv) : s;
      }, { dtype: sp, materialize: true })
      : qk;
    // A row the bias masks entirely gets zero probabilities.
    const rowMax = bias && te.compute("bias_row_max", [B, Hq, S], ([b, h, i]) =>
      reduce("max", [T], ([j]) => bias([b!, h!, i!, j!])), { dtype: sp });
    const mx = te.compute("softmax_max", [B, Hq, S], ([b, h, i]) => reduce("max", [T], ([j]) => at(scores, b!, h!, i!, j!)), { dtype: sp });
    const sum = te.compute("softmax_sum", [B, Hq, S], ([b, h, i]) =>
      reduce("sum", [T], ([j]) => un("exp", sub(at(scores, b!, h!, i!, j!), at(mx, b!, h!, i!)))), { dtype: sp });
    const probs = te.compute("probs", [B, Hq, S, T], ([b, h, i, j]) => {
      const p = bin("div", un("exp", sub(at(scores, b!, h!, i!, j!), at(mx, b!, h!, i!))), at(sum, b!, h!, i!));
      return rowMax ? select(bin("eq", at(rowMax, b!, h!, i!), NEG), c(0, sp), p) : p;
    }, { dtype: sp, materialize: true });

    const weighted = (b: Expr, h: Expr, i: Expr, e: Expr) =>
      reduce("sum", [T], ([j]) => mul(f(at(probs, b, h, i, j!)), f(at(presentV, b, kvHead(h), j!, e))));
    // outs[0] is a placeholder when Y is omitted, so its shape comes from the dims.
    const y = d.rank === 4
      ? te.compute("attention", [B, Hq, S, E], ([b, h, i, e]) => weighted(b!, h!, i!, e!), { dtype: dt })
      : te.compute("attention", [B, S, Hq * E], ([b, i, x]) =>
        weighted(b!, bin("floordiv", x!, c(E)), i!, bin("floormod", x!, c(E))), { dtype: dt });

    const mode = ctx.int("qk_matmul_output_mode", 0);
    const qkOut = te.compute("qk_matmul_output", [B, Hq, S, T], (idx: Var[]) => {
      switch (mode) {
        case 1: return capped(at(qk, ...idx));
        case 2: return at(scores, ...idx);
        case 3: return at(probs, ...idx);
        default: return at(qk, ...idx);
      }
    }, { dtype: dt });
    return [y, presentK, presentV, qkOut];
  },
});

/**
 * The additive bias at [b, h, i, j] in type `t` (0 or -inf, or the float mask value), from the
 * mask (padded with -inf past its last key), the causal frontier and nonpad_kv_seqlen; undefined
 * when nothing masks.
 */
function attnBias(ctx: OpCtx, d: Dims, mask: TensorRef | undefined, nonpad: TensorRef | undefined, t: DType):
  ((idx: Expr[]) => Expr) | undefined {
  const causal = ctx.int("is_causal", 0) !== 0;
  if (!mask && !causal && !nonpad) return undefined;
  const NEG = c(-Infinity, t), ZERO = c(0, t);
  return ([b, h, i, j]) => {
    let e: Expr = ZERO;
    if (mask) {
      const ms = mask.shape, r = ms.length, Tm = ms[r - 1]!;
      const full = [b!, h!, i!];
      const idx = ms.map((n, a) => (a === r - 1 ? (Tm < d.T ? bin("min", j!, c(Math.max(Tm - 1, 0))) : j!)
        : n === 1 ? c(0) : full[3 - (r - 1) + a]!));
      const mv = at(mask, ...idx);
      e = mask.dtype === "bool" ? select(mv, ZERO, NEG) : cast(mv, t);
      if (Tm === 0) e = NEG;
      else if (Tm < d.T) e = select(bin("lt", j!, c(Tm)), e, NEG);
    }
    const allowed: Expr[] = [];
    // nonpad_kv_seqlen clamped to [0, T + S]: comparisons keep their result and cannot overflow.
    const valid = nonpad && cast(bin("min", bin("max", cast(at(nonpad, b!), "i64"), c(0, "i64")), c(d.T + d.S, "i64")), "i32");
    if (causal) {
      // Key j is visible from query i when j <= i + offset: the past length with a KV cache, the
      // valid length minus the query length with nonpad_kv_seqlen, else 0.
      const offset = d.P > 0 || !valid ? c(d.P) : sub(valid, c(d.S));
      allowed.push(bin("le", j!, add(i!, offset)));
    }
    if (valid) allowed.push(bin("lt", j!, valid));
    if (allowed.length === 0) return e;
    return select(allowed.reduce((a, x) => bin("land", a, x)), e, NEG);
  };
}
