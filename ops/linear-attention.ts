/**
 * @fileoverview LinearAttention (opset 27): the recurrent linear / gated / delta / gated_delta
 * updates of a per-KV-head state S [d_k, d_v], read by every query head of the group. The time
 * loop is sequential, so it is one extern stage: per batch row and KV head it keeps S in a
 * scratch buffer (in the compute type, f32 for f16 inputs), steps it through the tokens and writes
 * the output of each token and finally the present state.
 */
import { DType } from "../ir/dtype.ts";
import { Buffer, Expr, Stmt, Var, add, c, cast, load, loop, mkVar, mul, seq, store, sub, un } from "../ir/tir.ts";
import { flatIndex } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType } from "./util.ts";

const RULES = ["linear", "gated", "delta", "gated_delta"];

interface Dims { B: number; T: number; Hq: number; Hkv: number; dk: number; dv: number; rule: string }

function dims(ctx: OpCtx): Dims {
  const q = ctx.input(0), k = ctx.input(1), v = ctx.input(2);
  ctx.dtypeIn(q.dtype, FLOATS, "query");
  for (const i of [1, 2, 4, 5, 6])
    if (ctx.has(i) && ctx.input(i).dtype !== q.dtype) ctx.fail(`input ${i} has type ${ctx.input(i).dtype}, expected ${q.dtype} like query`);
  const rule = ctx.string("update_rule", "gated_delta");
  if (!RULES.includes(rule)) ctx.fail(`update_rule '${rule}' is not one of ${RULES.join(", ")}`);
  const Hq = ctx.int("q_num_heads", 0), Hkv = ctx.int("kv_num_heads", 0);
  if (Hq <= 0 || Hkv <= 0 || Hq % Hkv !== 0) ctx.fail(`q_num_heads ${Hq} must be a positive multiple of kv_num_heads ${Hkv}`);
  for (const [i, t] of [[0, q], [1, k], [2, v]] as const)
    if (t.shape.length !== 3) ctx.fail(`input ${i} must be 3D [B, T, H*D], got [${t.shape}]`);
  const [B, T] = q.shape as [number, number];
  if (q.shape[2]! % Hq !== 0) ctx.fail(`query hidden size ${q.shape[2]} is not a multiple of q_num_heads ${Hq}`);
  const dk = q.shape[2]! / Hq;
  ctx.expectShape(1, [B, T, Hkv * dk]);
  if (v.shape[0] !== B || v.shape[1] !== T || v.shape[2]! % Hkv !== 0) ctx.fail(`value shape [${v.shape}] does not match query [${q.shape}] and kv_num_heads ${Hkv}`);
  const dv = v.shape[2]! / Hkv;
  const gated = rule === "gated" || rule === "gated_delta", delta = rule === "delta" || rule === "gated_delta";
  if (gated !== ctx.has(4)) ctx.fail(`update_rule '${rule}' ${gated ? "needs" : "takes no"} decay input`);
  if (delta !== ctx.has(5)) ctx.fail(`update_rule '${rule}' ${delta ? "needs" : "takes no"} beta input`);
  if (ctx.has(6) && !delta) ctx.fail(`update_rule '${rule}' takes no erase_gate input`);
  if (ctx.has(3)) {
    ctx.expectShape(3, [B, Hkv, dk, dv]);
    ctx.dtypeIn(ctx.input(3).dtype, FLOATS, "past_state");
  }
  if (ctx.has(4)) {
    const w = ctx.input(4).shape[2];
    if (w !== Hkv && w !== Hkv * dk) ctx.fail(`decay last dim ${w} must be kv_num_heads (${Hkv}) or kv_num_heads*d_k (${Hkv * dk})`);
    ctx.expectShape(4, [B, T, w!]);
  }
  if (ctx.has(5)) {
    const w = ctx.input(5).shape[2];
    if (w !== Hkv && w !== 1) ctx.fail(`beta last dim ${w} must be kv_num_heads (${Hkv}) or 1`);
    ctx.expectShape(5, [B, T, w!]);
  }
  if (ctx.has(6)) ctx.expectShape(6, [B, T, Hkv * dk]);
  return { B, T, Hq, Hkv, dk, dv, rule };
}

defineOp({
  op: "LinearAttention",
  kind: "opaque",
  attrs: ["chunk_size", "kv_num_heads", "q_num_heads", "scale", "update_rule"],
  infer(ctx) {
    const d = dims(ctx);
    const dt = ctx.input(0).dtype;
    return [
      { dtype: dt, shape: [d.B, d.T, d.Hq * d.dv] },
      { dtype: ctx.has(3) ? ctx.input(3).dtype : dt, shape: [d.B, d.Hkv, d.dk, d.dv] },
    ];
  },
  compute(ctx, te, ins, outs) {
    const d = dims(ctx);
    const { B, T, Hq, Hkv, dk, dv, rule } = d;
    const ct: DType = computeType(ins[0]!.dtype);
    const grp = Hq / Hkv;
    const scale = ctx.float("scale", 0) || 1 / Math.sqrt(dk);
    const gated = rule === "gated" || rule === "gated_delta", delta = rule === "delta" || rule === "gated_delta";
    const present = ins.map((t) => t !== undefined);
    const inputs = ins.filter((t) => t !== undefined);
    const [out, state] = te.extern([
      { name: "linear_attention", ...outs[0]! },
      { name: "present_state", ...outs[1]! },
      { name: "la_state", dtype: ct, shape: [dk, dv] },
      { name: "la_delta", dtype: ct, shape: [dv] },
    ], inputs, (bufs, [O, PS, St, Dl]) => {
      // Buffers by input position (omitted inputs are not passed).
      const byPos: (Buffer | undefined)[] = [];
      let n = 0;
      present.forEach((p, i) => { byPos[i] = p ? bufs[n++] : undefined; });
      const [Q, K, V, Past, Decay, Beta, Erase] = byPos;
      const rd = (b: Buffer, ...idx: Expr[]) => cast(load(b, flatIndex(idx, b.shape)), ct);
      const sAt = (i: Expr, m: Expr) => flatIndex([i, m], [dk, dv]);
      const sLoad = (i: Expr, m: Expr) => load(St!, sAt(i, m));
      const assign = (v: Var, value: Expr): Stmt => ({ k: "assign", v, value });
      const head = (b: Var, g: Var): Stmt => {
        const kAt = (t: Expr, i: Expr) => rd(K!, b, t, add(mul(g, c(dk)), i));
        const vAt = (t: Expr, m: Expr) => rd(V!, b, t, add(mul(g, c(dv)), m));
        const step = (t: Var): Stmt => {
          const parts: Stmt[] = [];
          if (gated) {
            const w = Decay!.shape[2]!;
            parts.push(loop(dk, (i) => {
              const gi = w === Hkv ? rd(Decay!, b, t, g) : rd(Decay!, b, t, add(mul(g, c(dk)), i));
              const e = mkVar("decay", ct);
              return seq({ k: "decl", v: e, init: un("exp", gi) },
                loop(dv, (m) => store(St!, sAt(i, m), mul(sLoad(i, m), e)), "m"));
            }, "i"));
          }
          if (delta) {
            // v_t <- beta * (v_t - Sᵀ k_erase), with S already decayed.
            const kE = (i: Expr) => (Erase ? mul(rd(Erase, b, t, add(mul(g, c(dk)), i)), kAt(t, i)) : kAt(t, i));
            const beta = rd(Beta!, b, t, Beta!.shape[2] === 1 ? c(0) : g);
            parts.push(loop(dv, (m) => {
              const acc = mkVar("ret", ct);
              return seq({ k: "decl", v: acc, init: c(0, ct) },
                loop(dk, (i) => assign(acc, add(acc, mul(sLoad(i, m), kE(i)))), "i"),
                store(Dl!, m, mul(beta, sub(vAt(t, m), acc))));
            }, "m"));
          }
          parts.push(loop(dk, (i) => loop(dv, (m) =>
            store(St!, sAt(i, m), add(sLoad(i, m), mul(kAt(t, i), delta ? load(Dl!, m) : vAt(t, m)))), "m"), "i"));
          parts.push(loop(grp, (j) => loop(dv, (m) => {
            const hq = add(mul(g, c(grp)), j);
            const acc = mkVar("o", ct);
            return seq({ k: "decl", v: acc, init: c(0, ct) },
              loop(dk, (i) => assign(acc, add(acc, mul(rd(Q!, b, t, add(mul(hq, c(dk)), i)), sLoad(i, m)))), "i"),
              store(O!, flatIndex([b, t, add(mul(hq, c(dv)), m)], O!.shape), cast(mul(acc, c(scale, ct)), O!.dtype)));
          }, "m"), "j"));
          return seq(...parts);
        };
        return seq(
          loop(dk, (i) => loop(dv, (m) => store(St!, sAt(i, m), Past ? rd(Past, b, g, i, m) : c(0, ct)), "m"), "i"),
          loop(T, step, "t"),
          loop(dk, (i) => loop(dv, (m) => store(PS!, flatIndex([b, g, i, m], PS!.shape), cast(sLoad(i, m), PS!.dtype)), "m"), "i"),
        );
      };
      return loop(B, (b) => loop(Hkv, (g) => head(b, g), "g"), "b");
    });
    return [out!, state!];
  },
});
