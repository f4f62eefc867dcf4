/**
 * @fileoverview The dot-product form of an integer convolution (part of conv-layout): on a target
 * with an int8 dot product (TargetDesc.dot4), a QLinearConv of group 1 with constant int8 weights
 * (zero point 0) becomes edgec.QLinearConvDot4 (ops/qconv-dot.ts). Its weights are packed here,
 * once, four input channels to a 32-bit word in blocks of B filters, [M/B, ceil(C/4), k..., B],
 * and its bias absorbs the input zero point's share, (zx + offset) * sum of each filter's weights.
 */
import { getNumber } from "../ir/dtype.ts";
import { Graph, Node, numel } from "../ir/graph.ts";
import { opCtx } from "../ops/infer.ts";
import { dotOffset } from "../ops/qconv-dot.ts";
import { ConstBuilder } from "./const-builder.ts";

const allZero = (g: Graph, v: string | undefined) => !v || (g.constants.has(v) && Array.from(g.constants.get(v)!.data as ArrayLike<number>).every((x) => Number(x) === 0));

/** Rewrites n in place when it qualifies; true when it did. B: filters per block (the tile row's lanes). */
export function toDotConv(g: Graph, n: Node, dot: "ss" | "us", B: number): boolean {
  if (n.op !== "QLinearConv" || n.domain !== "") return false;
  const [xName, , xzp, wName, , wzp, , , bName] = n.inputs;
  const x = g.typeOf(xName!), w = g.constants.get(wName!);
  if (!w || w.dtype !== "i8" || !allZero(g, wzp) || x.shape.length < 3) return false;
  if (xzp && (!g.constants.has(xzp) || numel(g.typeOf(xzp).shape) !== 1)) return false;
  if (bName && !g.constants.has(bName)) return false;
  const [m, cIn] = w.shape as [number, number];
  if (opCtx(g, n).int("group", 1) !== 1 || m % B !== 0) return false;
  const taps = numel(w.shape.slice(2)), q4 = Math.ceil(cIn / 4);
  const zx = xzp ? getNumber(g.constants.get(xzp)!.data, 0) : 0;
  const shift = zx + dotOffset(x.dtype, dot);
  const wd = w.data as Int8Array;
  // Word [mb, q, t, b] holds filter mb*B + b at channels 4q..4q+3 and tap t, the first in the low byte.
  const packed = new Int32Array((m / B) * q4 * taps * B);
  const bias = new Int32Array(m);
  for (let f = 0; f < m; f++) {
    let sum = 0;
    for (let ch = 0; ch < cIn; ch++)
      for (let t = 0; t < taps; t++) {
        const v = wd[(f * cIn + ch) * taps + t]!;
        sum += v;
        const at = (((Math.floor(f / B) * q4 + (ch >> 2)) * taps + t) * B) + (f % B);
        packed[at] = packed[at]! | ((v & 255) << (8 * (ch & 3)));
      }
    const b0 = bName ? getNumber(g.constants.get(bName)!.data, f) : 0;
    bias[f] = (b0 - shift * sum) | 0;
  }
  const cb = new ConstBuilder(g, n.name);
  const wq = cb.tensor({ dtype: "i32", shape: [m / B, q4, ...w.shape.slice(2), B], data: packed });
  const bq = cb.tensor({ dtype: "i32", shape: [m], data: bias });
  const [, xs, , , ws, , ys, yzp] = n.inputs;
  n.op = "edgec.QLinearConvDot4";
  n.inputs = [xName!, xs!, xzp ?? "", wq, ws!, ys!, yzp!, bq];
  const { group: _g, kernel_shape: _k, ...attrs } = n.attrs;
  n.attrs = { ...attrs, dot: { type: "string", value: dot } };
  return true;
}
