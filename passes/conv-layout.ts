/**
 * @fileoverview conv-layout: on targets whose register tiles are vectors, a float Conv (or an integer
 * QLinearConv) whose output rows fill vectors poorly (a 7-wide row fills 7 of 16 lanes) but whose
 * output channels fill them whole becomes edgec.PackedConv (edgec.PackedQLinearConv), its weights
 * transposed here, once, to [C, k..., M]. On a target with an int8 dot product a QLinearConv takes
 * the dot-product form instead, whatever its rows (passes/conv-dot.ts). Its tile then
 * vectorizes across output channels: each weight vector is loaded once and each input element
 * broadcast. Runs after the folds into the Conv's weights and bias and before fusion.
 */
import { Graph } from "../ir/graph.ts";
import { opCtx } from "../ops/infer.ts";
import { windowOf } from "../ops/conv-pool.ts";
import { ConstBuilder } from "./const-builder.ts";
import { rowsFill, toDotConv } from "./conv-dot.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

/** The ops this pass packs: the weight's input index, the weight types and the packed op. */
const PACKABLE: Record<string, { w: number; types: string[]; packed: string }> = {
  Conv: { w: 1, types: ["f32"], packed: "edgec.PackedConv" },
  QLinearConv: { w: 3, types: ["i8", "u8"], packed: "edgec.PackedQLinearConv" },
};

function convLayout(g: Graph, ctx: PassContext): void {
  const L = ctx.vectorLanes ?? 0;
  if (L < 2) return;
  const done = new Map<string, string>();
  for (const n of g.nodes) {
    if (ctx.dot4 && toDotConv(g, n, ctx.dot4, L)) {
      bump(ctx, "conv-dot4");
      continue;
    }
    const kind = n.domain === "" ? PACKABLE[n.op] : undefined;
    if (!kind || !n.inputs[0] || !n.inputs[kind.w]) continue;
    const x = g.typeOf(n.inputs[0]), wName = n.inputs[kind.w]!;
    const w = g.constants.get(wName);
    if (!w || !kind.types.includes(x.dtype) || !kind.types.includes(w.dtype) || x.shape.length < 3) continue;
    const c = opCtx(g, n);
    const m = w.shape[0]!;
    const B = 2 * L;
    if (c.int("group", 1) !== 1 || m % B !== 0) continue;
    const kernel = w.shape.slice(2);
    if (rowsFill(windowOf(c, x.shape.slice(2), kernel), kernel, L)) continue;
    // [M, C, k...] -> [M/B, B, C, k...] -> [M/B, C, k..., B]
    const r = w.shape.length;
    const perm = [0, ...Array.from({ length: r - 1 }, (_, i) => i + 2), 1];
    const cb = new ConstBuilder(g, n.name);
    const packed = done.get(wName) ?? cb.op("Transpose", [cb.op("Reshape", [wName, cb.ints([m / B, B, ...w.shape.slice(1)])])], { perm: { type: "ints", value: perm } });
    done.set(wName, packed);
    n.op = kind.packed;
    n.inputs = n.inputs.map((v, i) => (i === kind.w ? packed : v));
    const { group: _g, kernel_shape: _k, ...attrs } = n.attrs;
    n.attrs = attrs;
    bump(ctx, "conv-layout");
  }
}

export default { name: "conv-layout", minOptLevel: 2, run: convLayout } satisfies GraphPass;
