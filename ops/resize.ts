/**
 * @fileoverview Resize and Upsample: nearest (every nearest_mode), linear and cubic (cubic_coeff_a,
 * exclude_outside, antialias), every coordinate_transformation_mode, scales or sizes, axes and
 * keep_aspect_ratio_policy. Sizes are compile-time constants; the source coordinate of each output
 * position is computed in the kernel in double precision, and linear/cubic resize one axis per
 * stage (innermost first), which is the same separable sum the ONNX definition describes.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { Expr, TensorRef, bin, c, cast, select, un } from "../ir/tir.ts";
import { TE, at } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, INTS } from "./util.ts";

type Mode = "nearest" | "linear" | "cubic";

interface ResizeSpec {
  mode: Mode;
  ctm: string;
  nearest: string;
  cubicA: number;
  exclude: boolean;
  extrapolation: number;
  antialias: boolean;
  /** Per axis: the scale used for coordinates, and the roi start/end (tf_crop_and_resize). */
  scales: number[];
  roi: [number, number][];
  outShape: number[];
}

const CTMS = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize"];
const NEAREST = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple"];

function constValues(ctx: OpCtx, i: number, what: string): number[] | undefined {
  if (!ctx.has(i)) return undefined;
  const v = toNumbers(ctx.requireConst(i, what).data);
  return v.length ? v : undefined;
}

function resizeSpec(ctx: OpCtx, upsample: boolean): ResizeSpec {
  const x = ctx.input(0);
  const r = x.shape.length;
  let mode = ctx.string("mode", "nearest");
  if (mode === "bilinear") mode = "linear";
  if (mode !== "nearest" && mode !== "linear" && mode !== "cubic") ctx.fail(`mode '${mode}' is not supported`, "use nearest, linear or cubic");
  if (upsample && mode === "cubic") ctx.fail("Upsample has no cubic mode", "use Resize");
  const legacy = upsample || ctx.opset < 11;
  // Before opset 11 coordinates are asymmetric and nearest picks like ONNX Runtime's "simple" mode.
  const ctm = legacy ? "asymmetric" : ctx.string("coordinate_transformation_mode", "half_pixel");
  const nearest = legacy ? "simple" : ctx.string("nearest_mode", "round_prefer_floor");
  if (!CTMS.includes(ctm)) ctx.fail(`coordinate_transformation_mode '${ctm}' is not supported`, `use one of ${CTMS.join(", ")}`);
  if (!NEAREST.includes(nearest)) ctx.fail(`nearest_mode '${nearest}' is not supported`);
  const antialias = ctx.int("antialias", 0) !== 0 && mode !== "nearest";
  let axes = x.shape.map((_, i) => i);
  if (ctx.hasAttr("axes")) axes = ctx.ints("axes").map((a) => ctx.axis(a, r));
  if (new Set(axes).size !== axes.length) ctx.fail(`axes [${axes}] repeat`);
  let scaleIn: number[] | undefined, sizeIn: number[] | undefined;
  if (upsample) scaleIn = ctx.opset < 9 ? ctx.floats("scales") : constValues(ctx, 1, "scales");
  else if (ctx.opset < 11) scaleIn = constValues(ctx, 1, "scales");
  else { scaleIn = constValues(ctx, 2, "scales"); sizeIn = constValues(ctx, 3, "sizes"); }
  if (!scaleIn === !sizeIn) ctx.fail("exactly one of scales and sizes must be given");
  const given = (scaleIn ?? sizeIn)!;
  if (given.length !== axes.length) ctx.fail(`${scaleIn ? "scales" : "sizes"} has ${given.length} values for ${axes.length} axes`);
  const scales = x.shape.map(() => 1);
  const outShape = [...x.shape];
  if (scaleIn) {
    axes.forEach((a, i) => {
      if (!(scaleIn![i]! > 0)) ctx.fail(`scale ${scaleIn![i]} must be positive`);
      scales[a] = scaleIn![i]!;
      outShape[a] = Math.floor(x.shape[a]! * scales[a]!);
    });
  } else {
    axes.forEach((a, i) => {
      if (!(sizeIn![i]! > 0)) ctx.fail(`size ${sizeIn![i]} must be positive`);
      outShape[a] = sizeIn![i]!;
      scales[a] = outShape[a]! / x.shape[a]!;
    });
    const policy = ctx.string("keep_aspect_ratio_policy", "stretch");
    if (policy !== "stretch") {
      if (policy !== "not_larger" && policy !== "not_smaller") ctx.fail(`keep_aspect_ratio_policy '${policy}' is not supported`);
      const pick = axes.map((a) => scales[a]!);
      const s = policy === "not_larger" ? Math.min(...pick) : Math.max(...pick);
      for (const a of axes) { scales[a] = s; outShape[a] = Math.floor(s * x.shape[a]! + 0.5); }
    }
  }
  const roi: [number, number][] = x.shape.map(() => [0, 1]);
  if (ctm === "tf_crop_and_resize") {
    const v = constValues(ctx, 1, "roi");
    if (!v) ctx.fail("tf_crop_and_resize needs the roi input");
    if (v.length !== 2 * axes.length) ctx.fail(`roi has ${v.length} values, expected ${2 * axes.length}`);
    axes.forEach((a, i) => { roi[a] = [v[i]!, v[i + axes.length]!]; });
  }
  if (x.shape.some((d, i) => d === 0 && outShape[i]! > 0)) ctx.fail("cannot resize an empty axis to a non-empty one");
  return {
    mode: mode as Mode, ctm, nearest, antialias, scales, roi, outShape,
    cubicA: ctx.float("cubic_coeff_a", -0.75),
    exclude: ctx.int("exclude_outside", 0) !== 0,
    extrapolation: ctx.float("extrapolation_value", 0),
  };
}

const f64 = (v: number): Expr => c(v, "f64");
const clampI = (e: Expr, lo: number, hi: number): Expr => bin("min", bin("max", e, c(lo)), c(hi));

/** Source coordinate of output position x along axis a, and whether it falls outside (crop mode). */
function sourceCoord(x: Expr, s: ResizeSpec, a: number, inSize: number): { xo: Expr; outside?: Expr } {
  const scale = s.scales[a]!;
  const outW = scale * inSize; // the real-valued output length the definition uses
  const xf = cast(x, "f64");
  const halfPixel = () => bin("sub", bin("div", bin("add", xf, f64(0.5)), f64(scale)), f64(0.5));
  switch (s.ctm) {
    case "align_corners":
      return { xo: outW === 1 ? f64(0) : bin("div", bin("mul", xf, f64(inSize - 1)), f64(outW - 1)) };
    case "asymmetric": return { xo: bin("div", xf, f64(scale)) };
    case "pytorch_half_pixel": return { xo: outW === 1 ? f64(-0.5) : halfPixel() };
    case "half_pixel_symmetric": {
      const offset = (inSize / 2) * (1 - s.outShape[a]! / outW);
      return { xo: bin("add", f64(offset), halfPixel()) };
    }
    case "tf_crop_and_resize": {
      const [r0, r1] = s.roi[a]!;
      const span = (r1 - r0) * (inSize - 1);
      const xo = outW === 1 ? f64(span / 2 + r0 * (inSize - 1))
        : bin("add", bin("div", bin("mul", xf, f64(span)), f64(outW - 1)), f64(r0 * (inSize - 1)));
      return { xo, outside: bin("lor", bin("lt", xo, f64(0)), bin("gt", xo, f64(inSize - 1))) };
    }
    default: return { xo: halfPixel() };
  }
}

/** An axis that maps every output position onto the same input position needs no work. */
function isIdentity(s: ResizeSpec, a: number, inSize: number): boolean {
  return s.ctm !== "tf_crop_and_resize" && s.outShape[a] === inSize && s.scales[a] === 1;
}

/**
 * Whole-number upscaling where nearest mode reads input x // k: asymmetric coordinates rounded
 * down, or half-pixel ones rounded to nearest (x // k + (m + 0.5) / k - 0.5 never ties at 0.5).
 */
function integerNearest(s: ResizeSpec, a: number): boolean {
  const k = s.scales[a]!;
  if (!Number.isInteger(k) || k < 1) return false;
  if (s.ctm === "asymmetric") return s.nearest === "floor" || s.nearest === "simple";
  const halfPixel = s.ctm === "half_pixel" || s.ctm === "half_pixel_symmetric" || s.ctm === "pytorch_half_pixel";
  return halfPixel && (s.nearest === "round_prefer_floor" || s.nearest === "round_prefer_ceil") && s.outShape[a]! > 1;
}

/** The input index nearest mode reads for source coordinate xo, clamped into the axis. */
function nearestIndex(xo: Expr, s: ResizeSpec, a: number, inSize: number): Expr {
  if (s.nearest === "simple") {
    // Upsampling floors, downsampling rounds up (ONNX Runtime's behaviour for old opsets).
    return clampI(cast(un(s.scales[a]! < 1 ? "ceil" : "floor", xo), "i32"), 0, inSize - 1);
  }
  const i0 = bin("sub", cast(un("ceil", xo), "i32"), c(1));
  const ratio = bin("sub", xo, cast(i0, "f64"));
  const up: Expr = s.nearest === "round_prefer_floor" ? bin("gt", ratio, f64(0.5))
    : s.nearest === "round_prefer_ceil" ? bin("ge", ratio, f64(0.5))
    : s.nearest === "floor" ? bin("ge", ratio, f64(1)) : c(1, "bool");
  const lo = clampI(i0, -1, inSize - 1);
  return clampI(bin("add", lo, select(up, c(1), c(0))), 0, inSize - 1);
}

/** The cubic convolution kernel at distance t (any sign). */
function cubicKernel(t: Expr, A: number): Expr {
  const x = un("abs", t);
  const x2 = bin("mul", x, x), x3 = bin("mul", x2, x);
  const inner = bin("add", bin("sub", bin("mul", f64(A + 2), x3), bin("mul", f64(A + 3), x2)), f64(1));
  const outer = bin("sub", bin("add", bin("sub", bin("mul", f64(A), x3), bin("mul", f64(5 * A), x2)), bin("mul", f64(8 * A), x)), f64(4 * A));
  return select(bin("le", x, f64(1)), inner, select(bin("lt", x, f64(2)), outer, f64(0)));
}

/** Taps (input index before clamping, weight) of one axis at source coordinate xo. */
function taps(xo: Expr, s: ResizeSpec, a: number, inSize: number): { idx: Expr; w: Expr }[] {
  const scale = Math.min(s.scales[a]!, 1);
  const support = s.mode === "linear" ? 1 : 2;
  const start = s.antialias ? Math.floor(-support / scale) + 1 : 1 - support;
  const n = 2 - 2 * start;
  const pad = Math.ceil(n / 2);
  const i0 = bin("sub", cast(un("ceil", xo), "i32"), c(1));
  const ratio = bin("sub", xo, cast(i0, "f64"));
  // The window of n neighbours stays inside the edge-padded axis, as the definition picks it.
  const lo = clampI(bin("add", i0, c(start)), -pad, inSize - 1 + pad - (n - 1));
  const out = Array.from({ length: n }, (_, j) => {
    let t = bin("sub", f64(start + j), ratio);
    if (s.antialias) t = bin("mul", t, f64(scale));
    const w = s.mode === "linear" ? bin("max", bin("sub", f64(1), un("abs", t)), f64(0)) : cubicKernel(t, s.cubicA);
    return { idx: bin("add", lo, c(j)), w };
  });
  if (s.exclude)
    for (const tp of out) tp.w = select(bin("land", bin("ge", tp.idx, c(0)), bin("lt", tp.idx, c(inSize))), tp.w, f64(0));
  if (s.antialias || s.exclude) {
    const sum = out.map((tp) => tp.w).reduce((p, q) => bin("add", p, q));
    for (const tp of out) tp.w = bin("div", tp.w, sum);
  }
  return out;
}

function buildResize(te: TE, x: TensorRef, s: ResizeSpec): TensorRef {
  const outT = x.dtype;
  const extrap = (t: DType) => (t === "f16" || t === "bf16" ? cast(c(s.extrapolation, "f32"), t) : c(s.extrapolation, t));
  if (s.mode === "nearest") {
    return te.compute("resize", s.outShape, (idx) => {
      let outside: Expr | undefined;
      const src = idx.map((v, a) => {
        const inSize = x.shape[a]!;
        if (isIdentity(s, a, inSize)) return v;
        const k = s.scales[a]!;
        if (integerNearest(s, a)) return bin("floordiv", v, c(k));
        const sc = sourceCoord(v, s, a, inSize);
        if (sc.outside) outside = outside ? bin("lor", outside, sc.outside) : sc.outside;
        return nearestIndex(sc.xo, s, a, inSize);
      });
      return outside ? select(outside, extrap(outT), at(x, ...src)) : at(x, ...src);
    });
  }
  const acc: DType = outT === "f64" || !isFloat(outT) ? "f64" : "f32";
  const axes = x.shape.map((_, a) => a).filter((a) => !isIdentity(s, a, x.shape[a]!)).reverse();
  if (axes.length === 0) return te.compute("resize", s.outShape, (idx) => at(x, ...idx), { materialize: true });
  let cur = x;
  let shape = [...x.shape];
  axes.forEach((a, k) => {
    const last = k === axes.length - 1;
    const inSize = x.shape[a]!;
    shape = shape.map((d, i) => (i === a ? s.outShape[a]! : d));
    const prev = cur;
    cur = te.compute(`resize_axis${a}`, shape, (idx) => {
      const sc = sourceCoord(idx[a]!, s, a, inSize);
      const terms = taps(sc.xo, s, a, inSize).map((tp) => {
        const src = idx.map((v, i) => (i === a ? clampI(tp.idx, 0, inSize - 1) : v));
        return bin("mul", cast(tp.w, acc), cast(at(prev, ...src), acc));
      });
      const sum = terms.reduce((p, q) => bin("add", p, q));
      return sc.outside ? select(sc.outside, c(s.extrapolation, acc), sum) : sum;
    }, { dtype: last ? outT : acc, materialize: !last });
  });
  return cur;
}

function defineResize(op: string, attrs: readonly string[]): void {
  const upsample = op === "Upsample";
  defineOp({
    op, kind: "injective", attrs,
    infer(ctx) {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, [...FLOATS, ...INTS]);
      return [{ dtype: x.dtype, shape: resizeSpec(ctx, upsample).outShape }];
    },
    compute: (ctx, te, ins) => [buildResize(te, ins[0]!, resizeSpec(ctx, upsample))],
  });
}

defineResize("Resize", ["mode", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
  "extrapolation_value", "nearest_mode", "antialias", "axes", "keep_aspect_ratio_policy"]);
defineResize("Upsample", ["mode", "scales"]);
