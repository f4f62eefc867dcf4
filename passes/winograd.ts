/**
 * @fileoverview winograd: on targets whose schedule asks for it, a 3x3, stride-1 float Conv with
 * constant weights and enough channels becomes edgec.WinogradConv, with its weights transformed
 * here, once, at compile time. Runs after the folds into the Conv's weights and bias (conv-bn,
 * conv-bias, conv-scale) and before fusion, which gives it the Conv's epilogue.
 */
import { Graph } from "../ir/graph.ts";
import { opCtx } from "../ops/infer.ts";
import { windowOf } from "../ops/conv-pool.ts";
import { winogradWeights } from "../ir/winograd-weights.ts";
import { ConstBuilder } from "./const-builder.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

/**
 * Fewer input channels leave little work per transformed tile: the transforms cost the same per
 * channel. The default; a target's tile may ask for more (TileConfig.winogradMinChannels).
 */
export const WINOGRAD_MIN_CHANNELS = 16;

function winograd(g: Graph, ctx: PassContext): void {
  if (!ctx.winograd) return;
  const done = new Map<string, string>();
  for (const n of g.nodes) {
    if (n.op !== "Conv" || n.domain !== "" || !n.inputs[0] || !n.inputs[1]) continue;
    const x = g.typeOf(n.inputs[0]), wName = n.inputs[1];
    const w = g.constants.get(wName);
    if (!w || x.dtype !== "f32" || w.dtype !== "f32" || x.shape.length !== 4) continue;
    const [m, ch, kh, kw] = w.shape as [number, number, number, number];
    if (kh !== 3 || kw !== 3 || ch !== x.shape[1] || ch < (ctx.winogradMinChannels ?? WINOGRAD_MIN_CHANNELS)) continue;
    const c = opCtx(g, n);
    if (c.int("group", 1) !== 1) continue;
    const win = windowOf(c, x.shape.slice(2), [3, 3]);
    if (win.strides.some((s) => s !== 1) || win.dilations.some((d) => d !== 1)) continue;
    // Convs sharing a kernel share its transform.
    const u = done.get(wName) ?? new ConstBuilder(g, n.name).tensor({
      dtype: "f32", shape: [16, m, ch], data: winogradWeights(w.data as Float32Array, m, ch),
      derivedFrom: { kind: "winograd", source: w, m, ch },
    });
    done.set(wName, u);
    n.op = "edgec.WinogradConv";
    n.inputs = [n.inputs[0], u, ...(n.inputs[2] ? [n.inputs[2]] : [])];
    n.attrs = { pads: { type: "ints", value: [win.begin[0]!, win.begin[1]!, win.end[0]!, win.end[1]!] } };
    bump(ctx, "winograd");
  }
}

export default { name: "winograd", minOptLevel: 2, run: winograd } satisfies GraphPass;
