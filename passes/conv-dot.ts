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
import { Window, windowOf } from "../ops/conv-pool.ts";
import { ConstBuilder } from "./const-builder.ts";

/** Below this share of used lanes, a row-vector tile loses to a channel-vector one. */
const MIN_ROW_FILL = 0.8;

/** The share of lanes n outputs use in vectors of L lanes. */
const fill = (n: number, L: number): number => n / (Math.ceil(n / L) * L);

/** Whether a Conv's output rows fill vectors of L lanes well (then its tile's rows are output positions). */
export function rowsFill(win: Window, kernel: number[], L: number): boolean {
  // A 1x1 stride-1 unpadded Conv reads its spatial axes as one row (passes/schedule-tile.ts).
  const pointwise = kernel.every((k) => k === 1) && win.strides.every((s) => s === 1) &&
    win.begin.every((p) => p === 0) && win.end.every((p) => p === 0);
  const row = pointwise ? win.out.reduce((a, b) => a * b, 1) : win.out[win.out.length - 1]!;
  return row >= 4 * L || fill(row, L) >= MIN_ROW_FILL;
}

const allZero = (g: Graph, v: string | undefined) => !v || (g.constants.has(v) && Array.from(g.constants.get(v)!.data as ArrayLike<number>).every((x) => Number(x) === 0));

/**
 * Rewrites n in place when it qualifies; true when it did. L: the target's 32-bit lanes. Filters
 * come in blocks of 2L, a tile row's lanes, unless the vectors are wide (L >= 8) and the output
 * rows fill them and run with stride 1: then the tile's rows are output positions (their words
 * read contiguously, each weight word broadcast, each result stored as a run of bytes) and the
 * blocks are of one.
 */
export function toDotConv(g: Graph, n: Node, dot: "ss" | "us", L: number): boolean {
  if (n.op !== "QLinearConv" || n.domain !== "") return false;
  const [xName, , xzp, wName, , wzp, , , bName] = n.inputs;
  const x = g.typeOf(xName!), w = g.constants.get(wName!);
  if (!w || w.dtype !== "i8" || !allZero(g, wzp) || x.shape.length < 3) return false;
  if (xzp && (!g.constants.has(xzp) || numel(g.typeOf(xzp).shape) !== 1)) return false;
  if (bName && !g.constants.has(bName)) return false;
  const [m, cIn] = w.shape as [number, number];
  const c = opCtx(g, n);
  if (c.int("group", 1) !== 1) return false;
  const win = windowOf(c, x.shape.slice(2), w.shape.slice(2));
  // With few lanes a channel vector's scattered store is cheap, and measured faster (aarch64).
  const B = L >= 8 && rowsFill(win, w.shape.slice(2), L) && win.strides[win.strides.length - 1] === 1 ? 1 : 2 * L;
  if (m % B !== 0) return false;
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
