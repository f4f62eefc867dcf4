/**
 * @fileoverview Transformer building blocks that are single index maps: RotaryEmbedding (opset 23:
 * 3D and 4D inputs, interleaved or split halves, partial rotary_embedding_dim, with or without
 * position_ids) and SwiGLU (opset 28).
 */
import { Expr, TensorRef, add, bin, c, cast, mul, select, sub, un } from "../ir/tir.ts";
import { at } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType, defineElementwise, k } from "./util.ts";

interface Rope { rank: number; H: number; D: number; rd: number; half: number }

function rope(ctx: OpCtx): Rope {
  const x = ctx.input(0);
  ctx.dtypeIn(x.dtype, FLOATS);
  const rank = x.shape.length;
  let H: number, D: number;
  if (rank === 4) {
    H = x.shape[1]!; D = x.shape[3]!;
  } else if (rank === 3) {
    H = ctx.int("num_heads", 0);
    if (H <= 0) ctx.fail("3D input needs a positive num_heads attribute", "set num_heads or pass a 4D [B, H, S, D] input");
    if (x.shape[2]! % H !== 0) ctx.fail(`hidden size ${x.shape[2]} is not a multiple of num_heads ${H}`);
    D = x.shape[2]! / H;
  } else return ctx.fail(`input must be 3D [B, S, H*D] or 4D [B, H, S, D], got rank ${rank}`);
  const rd = ctx.int("rotary_embedding_dim", 0) || D;
  if (rd % 2 !== 0 || rd > D || rd < 0) ctx.fail(`rotary_embedding_dim ${rd} must be even and at most the head size ${D}`);
  const half = rd / 2;
  const B = x.shape[0]!, S = rank === 4 ? x.shape[2]! : x.shape[1]!;
  const cos = ctx.input(1), sin = ctx.input(2);
  if (cos.dtype !== x.dtype || sin.dtype !== x.dtype) ctx.fail(`cos_cache and sin_cache must be ${x.dtype} like the input`);
  if (cos.shape.join() !== sin.shape.join()) ctx.fail(`cos_cache [${cos.shape}] and sin_cache [${sin.shape}] differ in shape`);
  if (ctx.has(3)) {
    ctx.dtypeIn(ctx.input(3).dtype, ["i64", "i32"], "position_ids");
    ctx.expectShape(3, [B, S]);
    if (cos.shape.length !== 2 || cos.shape[0]! < 1 || cos.shape[1]! < half)
      ctx.fail(`with position_ids the caches must be [max_position, ${half}], got [${cos.shape}]`);
  } else if (cos.shape.length !== 3 || cos.shape[0] !== B || cos.shape[1] !== S || cos.shape[2]! < half) {
    ctx.fail(`without position_ids the caches must be [${B}, ${S}, ${half}], got [${cos.shape}]`);
  }
  return { rank, H, D, rd, half };
}

defineOp({
  op: "RotaryEmbedding",
  kind: "injective",
  attrs: ["interleaved", "num_heads", "rotary_embedding_dim"],
  infer(ctx) {
    rope(ctx);
    return [{ dtype: ctx.input(0).dtype, shape: ctx.input(0).shape }];
  },
  compute(ctx, te, ins, outs) {
    const { rank, D, rd, half } = rope(ctx);
    const [x, cosC, sinC, pos] = ins as [TensorRef, TensorRef, TensorRef, TensorRef | undefined];
    const ct = computeType(x.dtype);
    const interleaved = ctx.int("interleaved", 0) !== 0;
    return [te.compute("rotary", outs[0]!.shape, (idx) => {
      // Position (b, s) and lane d within the head, in either layout.
      const b = idx[0]!;
      const s = rank === 4 ? idx[2]! : idx[1]!;
      const d: Expr = rank === 4 ? idx[3]! : bin("floormod", idx[2]!, c(D));
      const base: Expr[] = rank === 4 ? idx.slice(0, 3) : [b, s];
      const xAt = (lane: Expr) => cast(rank === 4 ? at(x, ...base, lane) : at(x, b, s, add(sub(idx[2]!, d), lane)), ct);
      // Pair index i (clamped so lanes past the rotary part stay in bounds) and the pair's lanes.
      const i = bin("min", interleaved ? bin("floordiv", d, c(2)) : select(bin("lt", d, c(half)), d, sub(d, c(half))), c(Math.max(half - 1, 0)));
      const [l1, l2] = interleaved ? [mul(i, c(2)), add(mul(i, c(2)), c(1))] : [i, add(i, c(half))];
      const first = interleaved ? bin("eq", bin("floormod", d, c(2)), c(0)) : bin("lt", d, c(half));
      let row: Expr[];
      if (pos) {
        const p = bin("min", bin("max", cast(at(pos, b, s), "i64"), c(0, "i64")), c(cosC.shape[0]! - 1, "i64"));
        row = [cast(p, "i32")];
      } else row = [b, s];
      const cs = cast(at(cosC, ...row, i), ct), sn = cast(at(sinC, ...row, i), ct);
      const x1 = xAt(l1), x2 = xAt(l2);
      const rotated = select(first, sub(mul(cs, x1), mul(sn, x2)), add(mul(sn, x1), mul(cs, x2)));
      return select(bin("lt", d, c(rd)), rotated, xAt(d));
    }, { dtype: x.dtype })];
  },
});

defineElementwise({
  op: "SwiGLU", arity: 2, dtypes: FLOATS, attrs: ["alpha"],
  checkInputs: (ctx) => {
    const a = ctx.input(0).shape, b = ctx.input(1).shape;
    if (a.join() !== b.join()) ctx.fail(`A [${a}] and B [${b}] must have the same shape`, "SwiGLU does not broadcast");
  },
  f: ([a, b], ctx, t) => mul(mul(a!, un("sigmoid", mul(k(ctx.float("alpha", 1), t), a!))), b!),
});
