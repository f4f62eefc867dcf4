/**
 * @fileoverview Convolution and pooling: Conv, MaxPool (with Indices), MaxUnpool, AveragePool, LpPool,
 * Global*Pool.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { Expr, TensorRef, Var, bin, c, cast, load, loop, select, seq, store, un } from "../ir/tir.ts";
import { TE, at, minOf, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType, k } from "./util.ts";

export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Padding before each spatial dim. */
  begin: number[];
  end: number[];
  out: number[];
}

/** Output size and padding of a sliding window over `spatial`, following ONNX's auto_pad rules. */
export function windowOf(ctx: OpCtx, spatial: number[], kernel: number[], ceilMode = false): Window {
  const n = spatial.length;
  const strides = ctx.ints("strides", new Array(n).fill(1));
  const dilations = ctx.ints("dilations", new Array(n).fill(1));
  const pads = ctx.ints("pads", new Array(2 * n).fill(0));
  const autoPad = ctx.string("auto_pad", "NOTSET");
  if (kernel.length !== n || strides.length !== n || dilations.length !== n || pads.length !== 2 * n)
    ctx.fail(`kernel_shape, strides, dilations and pads must match the ${n} spatial dims`);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1) || pads.some((p) => p < 0))
    ctx.fail("strides and dilations must be positive and pads non-negative");
  const begin = pads.slice(0, n);
  const end = pads.slice(n);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const ext = (kernel[i]! - 1) * dilations[i]! + 1;
    const s = strides[i]!;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const o = Math.ceil(spatial[i]! / s);
      const total = Math.max(0, (o - 1) * s + ext - spatial[i]!);
      begin[i] = autoPad === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
      end[i] = total - begin[i]!;
      out.push(o);
    } else if (autoPad === "VALID") {
      begin[i] = 0;
      end[i] = 0;
      out.push(Math.floor((spatial[i]! - ext) / s) + 1);
    } else if (autoPad === "NOTSET") {
      const span = spatial[i]! + begin[i]! + end[i]! - ext;
      let o = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      // A window must start inside the input or its leading padding.
      if (ceilMode && (o - 1) * s >= spatial[i]! + begin[i]!) o--;
      out.push(o);
    } else {
      ctx.fail(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
    }
    if (out[i]! < 1) ctx.fail(`the window does not fit: spatial dim ${i} would have size ${out[i]}`);
  }
  return { kernel, strides, dilations, begin, end, out };
}

/** Input coordinate of output position o and kernel tap r along spatial dim i. */
const tap = (w: Window, i: number, o: Expr, r: Expr): Expr =>
  bin("add", bin("mul", o, c(w.strides[i]!)), bin("sub", bin("mul", r, c(w.dilations[i]!)), c(w.begin[i]!)));

/** True where every coordinate lies inside the input. */
export function inside(coords: Expr[], spatial: number[]): Expr | undefined {
  let cond: Expr | undefined;
  coords.forEach((x, i) => {
    const ok = bin("land", bin("ge", x, c(0)), bin("lt", x, c(spatial[i]!)));
    cond = cond ? bin("land", cond, ok) : ok;
  });
  return cond;
}

const pads0 = (w: Window) => w.begin.every((p) => p === 0) && w.end.every((p) => p === 0);

defineOp({
  op: "Conv",
  kind: "out-ewise-fusable",
  attrs: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(1);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got rank ${x.shape.length}`);
    if (w.shape.length !== x.shape.length) ctx.fail("weight rank must equal input rank");
    const group = ctx.int("group", 1);
    const [n, cin] = x.shape as [number, number];
    const [m, cpg] = w.shape as [number, number];
    if (group < 1 || cin % group !== 0 || m % group !== 0 || cpg * group !== cin)
      ctx.fail(`channels ${cin} and filters ${m} do not match group ${group} with weight shape [${w.shape}]`);
    if (ctx.has(2)) ctx.expectShape(2, [m]);
    const kernel = ctx.ints("kernel_shape", w.shape.slice(2));
    if (kernel.some((kk, i) => kk !== w.shape[2 + i])) ctx.fail(`kernel_shape [${kernel}] differs from the weight shape [${w.shape}]`);
    const win = windowOf(ctx, x.shape.slice(2), kernel);
    return [{ dtype: x.dtype, shape: [n, m, ...win.out] }];
  },
  compute(ctx, te, ins, outs) {
    return [floatConv(ctx, te, ins, outs, "MCK")];
  },
});

/**
 * A float convolution with its weights in `layout`: ONNX's [M, C/group, k...] ("MCK"), or packed
 * in blocks of B output channels [M/B, C, k..., B] ("blocked", edgec.PackedConv), where
 * consecutive output channels of a block read consecutive weights and a block's weights are one run.
 */
export function floatConv(ctx: OpCtx, te: TE, ins: (TensorRef | undefined)[], outs: { shape: number[]; dtype: DType }[], layout: WeightLayout): TensorRef {
  const [x, w, b] = ins as [TensorRef, TensorRef, TensorRef | undefined];
  const spatial = x.shape.slice(2);
  const win = windowOf(ctx, spatial, kernelOf(w, layout));
  const ct = computeType(x.dtype);
  const f = (e: Expr) => cast(e, ct);
  // Padding is written once into a scratch copy, so the sum reads without bounds checks (unless
  // the target reads it in place with masked loads); a strided window reads a copy split into
  // phases, where every tap reads consecutive elements, unless the target loads every second
  // element as cheaply.
  const strided = win.strides.some((s) => s > 1) && win.dilations.every((d) => d === 1) &&
    !(te.hints.stridedLoads && win.strides.every((s) => s <= 2));
  const phased = strided ? phaseInput(te, x, win, k(0, x.dtype)) : undefined;
  // In place on vector targets: kernel rows at the image edge become loop bounds and columns
  // masked loads (or, for packed weights, whose tile rows are output columns, a test per row).
  // Measured against the copy on the shared models: ic_resnet8 126 -> 119 us, digits_cnn 4.1 ->
  // 3.7 us, the rest within noise, and no copy in the arena.
  const inPlace = te.hints.padInPlace && !phased;
  const padded = phased || inPlace ? { x, win } : padInput(te, x, win, k(0, x.dtype));
  return te.compute("conv", outs[0]!.shape, (idx) => {
    const acc = convSum(ctx, padded.x, w, idx, { x: f, w: f, zero: k(0, x.dtype), at: phased }, padded.win, layout);
    return b ? bin("add", acc, f(at(b, idx[1]!))) : acc;
  }, { dtype: outs[0]!.dtype });
}

export type WeightLayout = "MCK" | "blocked";

/** The kernel's spatial extents in a weight of the given layout. */
export const kernelOf = (w: { shape: number[] }, layout: WeightLayout): number[] => (layout === "MCK" ? w.shape.slice(2) : w.shape.slice(2, -1));

/**
 * The convolution sum at output index idx = [n, m, o...]: over input channels of m's group and
 * kernel taps, read(x) * read(w), with taps in the padding contributing `zero`. Float and integer
 * convolutions differ only in how they read an element.
 */
export function convSum(ctx: OpCtx, x: TensorRef, w: TensorRef, idx: Var[],
  read: { x: (e: Expr) => Expr; w: (e: Expr) => Expr; zero: Expr; at?: PhaseRead }, window?: Window, layout: WeightLayout = "MCK"): Expr {
  const spatial = x.shape.slice(2);
  const kernel = kernelOf(w, layout);
  const win = window ?? windowOf(ctx, spatial, kernel);
  const group = layout === "MCK" ? ctx.int("group", 1) : 1;
  const cpg = w.shape[1]!;
  const B = w.shape[w.shape.length - 1]!;
  const mpg = (layout === "MCK" ? w.shape[0]! : w.shape[0]! * B) / group;
  const wAt = (m: Expr, ci: Expr, r: Expr[]) =>
    (layout === "MCK" ? at(w, m, ci, ...r) : at(w, bin("floordiv", m, c(B)), ci, ...r, bin("floormod", m, c(B))));
  const [n, m, ...o] = idx as [Var, Var, ...Var[]];
  return reduce("sum", [cpg, ...kernel], ([ci, ...r]) => {
    const chan = group === 1 ? ci! : bin("add", bin("mul", bin("floordiv", m, c(mpg)), c(cpg)), ci!);
    if (read.at) return bin("mul", read.x(read.at(n, chan, o, r as Var[])), read.w(wAt(m, ci!, r)));
    const coords = o.map((oi, i) => tap(win, i, oi, r[i]!));
    const xv = read.x(at(x, n, chan, ...coords));
    const guarded = pads0(win) ? xv : select(inside(coords, spatial)!, xv, read.zero);
    return bin("mul", guarded, read.w(wAt(m, ci!, r)));
  });
}

/**
 * A materialised copy of x with the window's padding filled with `fill`, and the window over it
 * (no padding left); x itself when the window has no padding.
 */
export function padInput(te: TE, x: TensorRef, win: Window, fill: Expr, map?: ElementMap): { x: TensorRef; win: Window } {
  if (pads0(win) && !map) return { x, win };
  const spatial = x.shape.slice(2);
  const shape = [...x.shape.slice(0, 2), ...spatial.map((d, i) => d + win.begin[i]! + win.end[i]!)];
  const xp = te.compute("pad", shape, ([n, ch, ...s]) => {
    const coords = s.map((si, i) => bin("sub", si!, c(win.begin[i]!)));
    return select(inside(coords, spatial) ?? c(1, "bool"), map ? map.f(at(x, n!, ch!, ...coords)) : at(x, n!, ch!, ...coords), fill);
  }, { dtype: map?.dtype ?? x.dtype, materialize: true });
  const zeros = win.begin.map(() => 0);
  return { x: xp, win: { ...win, begin: zeros, end: zeros } };
}

/** How a padded copy transforms each element it copies, and the copy's type. */
export interface ElementMap { f: (e: Expr) => Expr; dtype: DType }

/** The element of a phase-split input that output position o reads at kernel tap r. */
export type PhaseRead = (n: Expr, chan: Expr, o: Expr[], r: Expr[]) => Expr;

/**
 * A materialised copy of x, padded with `fill` and split by the window's strides into phases:
 * element [n, c, p..., j...] is padded coordinate j*stride + p. Tap r of output o then reads
 * phase r % stride at o + r / stride, so consecutive outputs read consecutive elements. Only
 * the phases some tap reads are kept (min(stride, kernel) per dim). Dilation must be 1.
 */
export function phaseInput(te: TE, x: TensorRef, win: Window, fill: Expr, map?: ElementMap): PhaseRead {
  const spatial = x.shape.slice(2);
  const s = win.strides, kern = win.kernel;
  const phases = spatial.map((_, i) => Math.min(s[i]!, kern[i]!));
  const len = spatial.map((_, i) => win.out[i]! + Math.floor((kern[i]! - 1) / s[i]!));
  const xp = te.compute("phase", [...x.shape.slice(0, 2), ...phases, ...len], ([n, ch, ...pj]) => {
    const coords = spatial.map((_, i) => bin("sub", bin("add", bin("mul", pj[spatial.length + i]!, c(s[i]!)), pj[i]!), c(win.begin[i]!)));
    return select(inside(coords, spatial)!, map ? map.f(at(x, n!, ch!, ...coords)) : at(x, n!, ch!, ...coords), fill);
  }, { dtype: map?.dtype ?? x.dtype, materialize: true });
  return (n, chan, o, r) => {
    const p = r.map((ri, i) => (phases[i]! > 1 ? bin("floormod", ri, c(s[i]!)) : c(0)));
    const j = o.map((oi, i) => (phases[i]! > 1 ? bin("add", oi, bin("floordiv", r[i]!, c(s[i]!))) : bin("add", oi, r[i]!)));
    return at(xp, n, chan, ...p, ...j);
  };
}

function poolCompute(ctx: OpCtx, te: TE, x: TensorRef, outShape: number[], mode: "max" | "avg" | "lp", withIndices = false): TensorRef[] {
  const spatial = x.shape.slice(2);
  const kernel = ctx.ints("kernel_shape");
  const win = windowOf(ctx, spatial, kernel, ctx.int("ceil_mode", 0) === 1);
  const ct = isFloat(x.dtype) ? computeType(x.dtype) : x.dtype;
  const includePad = ctx.int("count_include_pad", 0) === 1;
  const p = ctx.int("p", 2);
  const coordsOf = (o: Var[], r: Var[]) => o.map((oi, i) => tap(win, i, oi, r[i]!));
  if (mode === "max") {
    const lowest = isFloat(x.dtype) ? k(-Infinity, x.dtype) : c(minOf(x.dtype), x.dtype);
    // ceil_mode adds a window only when the last one would hang past the end.
    const unguarded = win.out.every((o, i) => win.begin[i] === 0 && (o - 1) * win.strides[i]! + (kernel[i]! - 1) * win.dilations[i]! < spatial[i]!);
    const tapValue = (n: Var, ch: Var, o: Var[], r: Var[]) => {
      const xv = cast(at(x, n, ch, ...coordsOf(o, r)), ct);
      return unguarded ? xv : select(inside(coordsOf(o, r), spatial)!, xv, lowest);
    };
    const y = te.compute("maxpool", outShape, ([n, ch, ...o]) =>
      reduce("max", kernel, (r) => tapValue(n!, ch!, o, r)), { dtype: x.dtype, materialize: withIndices });
    if (!withIndices) return [y];
    // The first tap holding the maximum, as a flat index into the input (row- or column-major).
    const colMajor = ctx.int("storage_order", 0) === 1;
    const plane = spatial.reduce((a, b) => a * b, 1);
    const big = x.shape.reduce((a, b) => a * b, 1);
    const idx = te.compute("maxpool_idx", outShape, ([n, ch, ...o]) => reduce("min", kernel, (r) => {
      const co = coordsOf(o, r);
      let pos: Expr = c(0);
      const order = colMajor ? [...co.keys()].reverse() : [...co.keys()];
      for (const i of order) pos = bin("add", bin("mul", pos, c(spatial[i]!)), co[i]!);
      const flat = bin("add", bin("mul", bin("add", bin("mul", n!, c(x.shape[1]!)), ch!), c(plane)), pos);
      let hit = bin("eq", tapValue(n!, ch!, o, r), cast(at(y, n!, ch!, ...o), ct));
      if (!unguarded) hit = bin("land", inside(co, spatial)!, hit);
      return select(hit, flat, c(big));
    }, c(big)), { dtype: "i64" });
    return [y, idx];
  }
  return [te.compute(mode === "lp" ? "lppool" : "avgpool", outShape, (idx) => {
    const [n, ch, ...o] = idx as [Var, Var, ...Var[]];
    const coords = (r: Var[]) => coordsOf(o, r);
    const sum = reduce("sum", kernel, (r) => {
      const cond = inside(coords(r), spatial)!;
      let v = cast(at(x, n, ch, ...coords(r)), ct);
      if (mode === "lp") v = p === 1 ? un("abs", v) : p === 2 ? bin("mul", v, v) : bin("pow", un("abs", v), c(p, ct));
      return select(cond, v, k(0, x.dtype));
    });
    if (mode === "lp") return p === 1 ? sum : p === 2 ? un("sqrt", sum) : bin("pow", sum, c(1 / p, ct));
    // Divisor: taps inside the input, or inside input plus explicit padding (never past it).
    let count: Expr = c(1);
    o.forEach((oi, i) => {
      const lo = includePad ? -win.begin[i]! : 0;
      const hi = includePad ? spatial[i]! + win.end[i]! : spatial[i]!;
      const start = bin("sub", bin("mul", oi, c(win.strides[i]!)), c(win.begin[i]!));
      // Number of taps t in [0, kernel) with lo <= start + t*d < hi.
      const d = win.dilations[i]!;
      const first = bin("max", c(0), bin("floordiv", bin("add", bin("sub", c(lo), start), c(d - 1)), c(d)));
      const last = bin("min", c(kernel[i]! - 1), bin("floordiv", bin("sub", bin("sub", c(hi), c(1)), start), c(d)));
      count = bin("mul", count, bin("max", c(0), bin("add", bin("sub", last, first), c(1))));
    });
    return bin("div", sum, cast(count, ct));
  }, { dtype: x.dtype })];
}

const POOL_ATTRS: Record<"max" | "avg" | "lp", string[]> = {
  max: ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"],
  avg: ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"],
  lp: ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "p", "pads", "strides"],
};

for (const mode of ["max", "avg", "lp"] as const) {
  const withIndices = (ctx: OpCtx) => mode === "max" && ctx.node.outputs.length > 1 && !!ctx.node.outputs[1];
  defineOp({
    op: mode === "max" ? "MaxPool" : mode === "avg" ? "AveragePool" : "LpPool",
    kind: "out-ewise-fusable",
    attrs: POOL_ATTRS[mode],
    infer(ctx) {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, mode === "max" ? [...FLOATS, "i8", "u8"] : FLOATS);
      if (x.shape.length < 3) ctx.fail(`input must have rank >= 3, got ${x.shape.length}`);
      if (mode === "lp" && ctx.int("p", 2) < 1) ctx.fail(`p must be a positive integer, got ${ctx.int("p", 2)}`);
      const win = windowOf(ctx, x.shape.slice(2), ctx.ints("kernel_shape"), ctx.int("ceil_mode", 0) === 1);
      const shape = [...x.shape.slice(0, 2), ...win.out];
      return withIndices(ctx) ? [{ dtype: x.dtype, shape }, { dtype: "i64", shape }] : [{ dtype: x.dtype, shape }];
    },
    compute(ctx, te, ins, outs) {
      return poolCompute(ctx, te, ins[0]!, outs[0]!.shape, mode, withIndices(ctx));
    },
  });
}

defineOp({
  op: "GlobalLpPool", kind: "reduce", attrs: ["p"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 2) ctx.fail(`input must have rank >= 2, got ${x.shape.length}`);
    if (ctx.int("p", 2) < 1) ctx.fail(`p must be a positive integer, got ${ctx.int("p", 2)}`);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)] }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const p = ctx.int("p", 2);
    const ct = computeType(x.dtype);
    return [te.compute("glppool", outs[0]!.shape, ([n, ch]) => {
      const s = reduce("sum", x.shape.slice(2), (rv) => {
        const v = cast(at(x, n!, ch!, ...rv), ct);
        return p === 1 ? un("abs", v) : p === 2 ? bin("mul", v, v) : bin("pow", un("abs", v), c(p, ct));
      });
      return p === 1 ? s : p === 2 ? un("sqrt", s) : bin("pow", s, c(1 / p, ct));
    }, { dtype: x.dtype })];
  },
});

for (const isMax of [true, false]) {
  defineOp({
    op: isMax ? "GlobalMaxPool" : "GlobalAveragePool",
    kind: "reduce",
    attrs: [],
    infer(ctx) {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, FLOATS);
      if (x.shape.length < 2) ctx.fail(`input must have rank >= 2, got ${x.shape.length}`);
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)] }];
    },
    compute(_ctx, te, ins, outs) {
      const x = ins[0]!;
      const spatial = x.shape.slice(2);
      const ct = computeType(x.dtype);
      const count = spatial.reduce((a, b) => a * b, 1);
      return [te.compute("gpool", outs[0]!.shape, ([n, ch]) => {
        const r = reduce(isMax ? "max" : "sum", spatial, (rv) => cast(at(x, n!, ch!, ...rv), ct));
        return isMax ? r : bin("div", r, k(count, x.dtype));
      }, { dtype: x.dtype })];
    },
  });
}

defineOp({
  op: "MaxUnpool", kind: "opaque", attrs: ["kernel_shape", "pads", "strides"],
  infer(ctx) {
    const x = ctx.input(0), ind = ctx.input(1);
    ctx.dtypeIn(x.dtype, [...FLOATS, "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64"]);
    ctx.dtypeIn(ind.dtype, ["i64"], "I");
    if (x.shape.length < 3) ctx.fail(`input must have rank >= 3, got ${x.shape.length}`);
    ctx.expectShape(1, x.shape);
    const spatial = x.shape.slice(2);
    const n = spatial.length;
    const kernel = ctx.ints("kernel_shape");
    const strides = ctx.ints("strides", new Array(n).fill(1));
    const pads = ctx.ints("pads", new Array(2 * n).fill(0));
    if (kernel.length !== n || strides.length !== n || pads.length !== 2 * n)
      ctx.fail(`kernel_shape, strides and pads must match the ${n} spatial dims`);
    let out = spatial.map((d, i) => (d - 1) * strides[i]! + kernel[i]! - pads[i]! - pads[i + n]!);
    if (ctx.has(2)) {
      const os = toNumbers(ctx.requireConst(2, "output_shape").data);
      if (os.length !== n + 2) ctx.fail(`output_shape must have ${n + 2} entries, got ${os.length}`);
      out = os.slice(2);
    }
    if (out.some((d) => d < 1)) ctx.fail(`the output would be empty: spatial size ${out}`);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...out] }];
  },
  compute(_ctx, te, ins, outs) {
    const [x, ind] = [ins[0]!, ins[1]!];
    const total = outs[0]!.shape.reduce((a, b) => a * b, 1);
    const count = x.shape.reduce((a, b) => a * b, 1);
    return te.extern([{ name: "maxunpool", ...outs[0]! }], [x, ind], ([xb, ib], [yb]) => {
      const zero = isFloat(x.dtype) ? k(0, x.dtype) : c(0, x.dtype);
      // Indices outside the output are dropped rather than written out of bounds.
      const scatter = loop(count, (i) => {
        const at64 = load(ib!, i);
        const ok = bin("land", bin("ge", at64, c(0, "i64")), bin("lt", at64, c(total, "i64")));
        return { k: "if", c: ok, then: store(yb!, cast(at64, "i32"), load(xb!, i)) };
      }, "i");
      return seq(loop(total, (p) => store(yb!, p, cast(zero, x.dtype)), "p"), scatter);
    });
  },
});
