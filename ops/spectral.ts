/**
 * @fileoverview Spectral ops: DFT (forward, inverse, one-sided, real-input inverse), STFT, the
 * Hann/Hamming/Blackman windows and MelWeightMatrix. Transforms are direct O(n^2) sums whose
 * twiddles and accumulators are f64, so exact zeros of the transform stay within 1e-12.
 */
import { DType, isFloat } from "../ir/dtype.ts";
import { numel } from "../ir/graph.ts";
import { Buffer, Expr, Stmt, TensorRef, Var, bin, c, cast, load, loop, mkVar, select, seq, store, un } from "../ir/tir.ts";
import { TE } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { table } from "./shape.ts";
import { FLOATS } from "./util.ts";
import { valueOf } from "./generate.ts";

const F64 = "f64";
const f = (v: number): Expr => c(v, F64);
const decl = (v: Var, init: Expr): Stmt => ({ k: "decl", v, init });
const assign = (v: Var, value: Expr): Stmt => ({ k: "assign", v, value });

/** Stores an f64 result into a tensor of dtype t (half types go through f32). */
const narrow = (v: Expr, t: DType): Expr => (t === F64 ? v : cast(cast(v, "f32"), t));

/** The angle 2*pi*((a*b) mod n)/n, reduced in integers so large products keep full precision. */
function angle(a: Expr, b: Expr, n: Expr): Expr {
  const m = bin("mod", bin("mul", cast(a, "i64"), cast(b, "i64")), cast(n, "i64"));
  return bin("div", bin("mul", f(2 * Math.PI), cast(m, F64)), cast(n, F64));
}

/** cos and sin of 2*pi*k*n/len, with any statements that must run first. */
type Twiddle = (k: Expr, n: Expr) => { pre: Stmt[]; cos: Expr; sin: Expr };

/** Twiddles computed per term, for lengths known only at run time. */
function directTwiddle(len: Expr): Twiddle {
  return (k, n) => {
    const th = mkVar("th", F64);
    return { pre: [decl(th, angle(k, n, len))], cos: un("cos", th), sin: un("sin", th) };
  };
}

/** A [len, 2] table of cos and sin, computed once per run, so a sum reads instead of calling cos/sin. */
function twiddleTable(te: TE, len: number): TensorRef {
  return te.compute("twiddles", [len, 2], ([m, j]) =>
    select(bin("eq", j!, c(0)), un("cos", angle(m!, c(1), c(len))), un("sin", angle(m!, c(1), c(len)))), { dtype: F64, materialize: true });
}

function tableTwiddle(tb: Buffer, len: number): Twiddle {
  return (k, n) => {
    const m = cast(bin("mod", bin("mul", cast(k, "i64"), cast(n, "i64")), c(len, "i64")), "i32");
    const at0 = bin("mul", m, c(2));
    return { pre: [], cos: load(tb, at0), sin: load(tb, bin("add", at0, c(1))) };
  };
}

function scalarConst(ctx: OpCtx, i: number, what: string): number {
  const t = ctx.requireConst(i, what);
  if (numel(t.shape) !== 1) ctx.fail(`${what} (input ${i}) must hold one value, got shape [${t.shape}]`);
  return valueOf(t, 0);
}

// ---- DFT ----

interface DftSpec {
  /** The transformed axis, or undefined when it arrives at run time. */
  axis?: number;
  /** The transform length. */
  len: number;
  inverse: boolean;
  onesided: boolean;
  outShape: number[];
}

function dftSpec(ctx: OpCtx): DftSpec {
  const x = ctx.input(0);
  const r = x.shape.length;
  ctx.dtypeIn(x.dtype, FLOATS);
  if (r < 2) ctx.fail(`input must have rank >= 2 (the last dim holds 1 real or 2 complex parts), got rank ${r}`);
  const comps = x.shape[r - 1]!;
  if (comps !== 1 && comps !== 2) ctx.fail(`the last dim must be 1 (real) or 2 (complex), got ${comps}`);
  const inverse = ctx.int("inverse", 0) === 1, onesided = ctx.int("onesided", 0) === 1;
  let axis: number | undefined;
  if (ctx.opset < 20) axis = ctx.int("axis", 1);
  else if (!ctx.has(2)) axis = -2;
  else {
    const t = ctx.constant(2);
    if (t) {
      if (numel(t.shape) !== 1) ctx.fail("axis (input 2) must hold one value");
      axis = valueOf(t, 0);
    }
  }
  if (axis !== undefined) {
    axis = ctx.axis(axis, r);
    if (axis === r - 1) ctx.fail("axis is the last dim, which holds the real and imaginary parts", "transform another axis");
  }
  const given = ctx.has(1) ? scalarConst(ctx, 1, "dft_length") : undefined;
  if (given !== undefined && (!Number.isInteger(given) || given < 1)) ctx.fail(`dft_length must be a positive integer, got ${given}`);
  if (axis === undefined) {
    // A run-time axis leaves the output shape alone only for a full transform of the axis's length.
    if (onesided || given !== undefined) ctx.requireConst(2, "axis");
    const a = ctx.input(2);
    ctx.dtypeIn(a.dtype, ["i32", "i64"], "axis");
    if (numel(a.shape) !== 1) ctx.fail(`axis (input 2) must hold one value, got shape [${a.shape}]`);
    return { len: 0, inverse, onesided, outShape: [...x.shape.slice(0, -1), 2] };
  }
  const n = x.shape[axis]!;
  if (inverse && onesided) {
    const len = given ?? 2 * (n - 1);
    if (len < 1) ctx.fail(`the inverse of a one-sided transform of ${n} bins has no length`, "give dft_length");
    return { axis, len, inverse, onesided, outShape: x.shape.map((d, i) => (i === axis ? len : i === r - 1 ? 1 : d)) };
  }
  const len = given ?? n;
  if (len < 1) ctx.fail("the transformed axis is empty");
  const out = onesided ? Math.floor(len / 2) + 1 : len;
  return { axis, len, inverse, onesided, outShape: x.shape.map((d, i) => (i === axis ? out : i === r - 1 ? 2 : d)) };
}

defineOp({
  op: "DFT", kind: "opaque", attrs: ["axis", "inverse", "onesided"],
  infer(ctx) {
    const s = dftSpec(ctx);
    return [{ dtype: ctx.input(0).dtype, shape: s.outShape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const s = dftSpec(ctx);
    const out = { name: "dft", ...outs[0]! };
    if (s.axis === undefined) return te.extern([out], [x, ins[2]!], ([xb, ab], [yb]) => dftRuntimeAxis(x, xb!, ab!, yb!, s.inverse));
    const comps = x.shape[x.shape.length - 1]!;
    const stride = numel(x.shape.slice(s.axis + 1, -1));
    const nIn = x.shape[s.axis]!, nOut = s.outShape[s.axis]!;
    const rows = numel(x.shape.slice(0, s.axis));
    const tw = twiddleTable(te, s.len);
    if (s.inverse && s.onesided)
      return te.extern([out], [x, tw], ([xb, tb], [yb]) => loop(rows, (o) => loop(stride, (q) =>
        irfftLine(xb!, yb!, tableTwiddle(tb!, s.len), comps, bin("add", bin("mul", o, c(nIn * stride)), q), bin("add", bin("mul", o, c(nOut * stride)), q), stride, nIn, s.len), "q"), "o"));
    return te.extern([out], [x, tw], ([xb, tb], [yb]) => loop(rows, (o) => loop(nOut, (k) => loop(stride, (q) => {
      const src = bin("add", bin("mul", o, c(nIn * stride)), q);
      const dst = bin("add", bin("add", bin("mul", o, c(nOut * stride)), bin("mul", k, c(stride))), q);
      return dftPoint(xb!, yb!, tableTwiddle(tb!, s.len), comps, src, dst, k, c(stride), c(Math.min(nIn, s.len)), Math.min(nIn, s.len), c(s.len), s.inverse);
    }, "q"), "k"), "o"));
  },
});

/**
 * One output bin k: sums the first `count` (at most `maxCount`) samples starting at element `src`
 * with step `stride`, and writes the complex result at element `dst`.
 */
function dftPoint(xb: Buffer, yb: Buffer, tw: Twiddle, comps: number, src: Expr, dst: Expr,
  k: Expr, stride: Expr, count: Expr, maxCount: number, len: Expr, inverse: boolean): Stmt {
  const re = mkVar("re", F64), im = mkVar("im", F64);
  const term = (n: Var): Stmt => {
    const xr = mkVar("xr", F64), xi = mkVar("xi", F64);
    const at0 = bin("mul", bin("add", src, bin("mul", n, stride)), c(comps));
    const t = tw(k, n);
    const cs = t.cos, sn = inverse ? t.sin : un("neg", t.sin);
    const body = seq(
      ...t.pre,
      decl(xr, cast(load(xb, at0), F64)),
      decl(xi, comps === 2 ? cast(load(xb, bin("add", at0, c(1))), F64) : f(0)),
      // (xr + i xi)(cos + i sn)
      assign(re, bin("add", re, bin("sub", bin("mul", xr, cs), bin("mul", xi, sn)))),
      assign(im, bin("add", im, bin("add", bin("mul", xi, cs), bin("mul", xr, sn)))),
    );
    return count.k === "const" ? body : { k: "if", c: bin("lt", n, count), then: body };
  };
  const scale = (v: Expr) => (inverse ? bin("div", v, cast(len, F64)) : v);
  const t = yb.dtype;
  return seq(decl(re, f(0)), decl(im, f(0)), loop(maxCount, term, "n"),
    store(yb, bin("mul", dst, c(2)), narrow(scale(re), t)),
    store(yb, bin("add", bin("mul", dst, c(2)), c(1)), narrow(scale(im), t)));
}

/** A transform along an axis read at run time: strides and lengths are picked per axis. */
function dftRuntimeAxis(x: TensorRef, xb: Buffer, ab: Buffer, yb: Buffer, inverse: boolean): Stmt {
  const dims = x.shape.slice(0, -1);
  const r = dims.length;
  const comps = x.shape[x.shape.length - 1]!;
  const strides = dims.map((_, d) => numel(dims.slice(d + 1)));
  const a = mkVar("axis"), stride = mkVar("stride"), n = mkVar("n");
  const raw = cast(load(ab, c(0)), "i32");
  // Out-of-range axes fall back to the axis before the complex dim rather than reading out of bounds.
  const norm = mkVar("a");
  const total = numel(dims);
  return seq(
    decl(norm, select(bin("lt", raw, c(0)), bin("add", raw, c(r + 1)), raw)),
    decl(a, bin("min", bin("max", norm, c(0)), c(r - 1))),
    decl(stride, table(a, strides, "i32")),
    decl(n, table(a, dims, "i32")),
    loop(total, (q) => {
      const k = bin("floormod", bin("floordiv", q, stride), n);
      const src = bin("sub", q, bin("mul", k, stride));
      return dftPoint(xb, yb, directTwiddle(n), comps, src, q, k, stride, n, Math.max(...dims), n, inverse);
    }, "q"),
  );
}

/**
 * The real inverse of a one-sided spectrum: bins past the half are the conjugates of those
 * below it; missing bins are zero and bins past len/2 are ignored.
 */
function irfftLine(xb: Buffer, yb: Buffer, tw: Twiddle, comps: number, src: Expr, dst: Expr, stride: number, nIn: number, len: number): Stmt {
  const half = Math.floor(len / 2);
  const used = Math.min(nIn, half + 1);
  return loop(len, (t) => {
    const acc = mkVar("acc", F64);
    const parts: Stmt[] = [decl(acc, f(0))];
    for (let k = 0; k < used; k++) {
      const at0 = bin("mul", bin("add", src, c(k * stride)), c(comps));
      const xr = cast(load(xb, at0), F64);
      const xi = comps === 2 ? cast(load(xb, bin("add", at0, c(1))), F64) : f(0);
      // Bin 0 and, for even lengths, bin len/2 appear once; the others twice (with their conjugates).
      const once = k === 0 || (len % 2 === 0 && k === half);
      const { cos, sin } = tw(c(k), t);
      const v = once ? bin("mul", xr, cos) : bin("mul", f(2), bin("sub", bin("mul", xr, cos), bin("mul", xi, sin)));
      parts.push(assign(acc, bin("add", acc, v)));
    }
    parts.push(store(yb, bin("add", dst, bin("mul", t, c(stride))), narrow(bin("div", acc, f(len)), yb.dtype)));
    return seq(...parts);
  }, "t");
}

// ---- STFT ----

defineOp({
  op: "STFT", kind: "opaque", attrs: ["onesided"],
  infer(ctx) {
    const s = stftSpec(ctx);
    return [{ dtype: ctx.input(0).dtype, shape: [s.batch, s.frames, s.bins, 2] }];
  },
  compute(ctx, te, ins, outs) {
    const s = stftSpec(ctx);
    const [x, w] = [ins[0]!, ins[2]];
    const comps = x.shape[2]!, sigLen = x.shape[1]!;
    const table = twiddleTable(te, s.len);
    return te.extern([{ name: "stft", ...outs[0]! }], w ? [x, table, w] : [x, table], ([xb, tb, wb], [yb]) =>
      loop(s.batch, (b) => loop(s.frames, (fr) => loop(s.bins, (k) => {
        const re = mkVar("re", F64), im = mkVar("im", F64);
        const term = (n: Var): Stmt => {
          const wv = mkVar("w", F64);
          const at0 = bin("mul", bin("add", bin("mul", b, c(sigLen)), bin("add", bin("mul", fr, c(s.step)), n)), c(comps));
          const xr = bin("mul", cast(load(xb!, at0), F64), wv);
          const xi = comps === 2 ? bin("mul", cast(load(xb!, bin("add", at0, c(1))), F64), wv) : f(0);
          const { cos: cs, sin: sn } = tableTwiddle(tb!, s.len)(k, n);
          return seq(
            decl(wv, wb ? cast(load(wb, n), F64) : f(1)),
            assign(re, bin("add", re, bin("add", bin("mul", xr, cs), bin("mul", xi, sn)))),
            assign(im, bin("add", im, bin("sub", bin("mul", xi, cs), bin("mul", xr, sn)))),
          );
        };
        const dst = bin("mul", bin("add", bin("mul", bin("add", bin("mul", b, c(s.frames)), fr), c(s.bins)), k), c(2));
        return seq(decl(re, f(0)), decl(im, f(0)), loop(s.len, term, "n"),
          store(yb!, dst, narrow(re, yb!.dtype)), store(yb!, bin("add", dst, c(1)), narrow(im, yb!.dtype)));
      }, "k"), "f"), "b"));
  },
});

function stftSpec(ctx: OpCtx): { batch: number; frames: number; bins: number; step: number; len: number } {
  const x = ctx.input(0);
  ctx.dtypeIn(x.dtype, FLOATS);
  if (x.shape.length !== 3 || (x.shape[2] !== 1 && x.shape[2] !== 2))
    ctx.fail(`signal must be [batch, length, 1 or 2], got [${x.shape}]`);
  const step = scalarConst(ctx, 1, "frame_step");
  let len: number | undefined;
  if (ctx.has(2)) {
    const w = ctx.input(2);
    if (w.shape.length !== 1) ctx.fail(`window must be 1-D, got [${w.shape}]`);
    if (w.dtype !== x.dtype) ctx.fail(`window is ${w.dtype} but signal is ${x.dtype}`);
    len = w.shape[0]!;
  }
  if (ctx.has(3)) {
    const fl = scalarConst(ctx, 3, "frame_length");
    if (len !== undefined && fl !== len) ctx.fail(`frame_length ${fl} differs from the window length ${len}`);
    len = fl;
  }
  if (len === undefined) return ctx.fail("needs a window or a frame_length");
  if (!Number.isInteger(step) || step < 1) ctx.fail(`frame_step must be a positive integer, got ${step}`);
  if (!Number.isInteger(len) || len < 1 || len > x.shape[1]!) ctx.fail(`frame length ${len} does not fit the signal of length ${x.shape[1]}`);
  const onesided = ctx.int("onesided", 1) === 1;
  if (onesided && x.shape[2] === 2) ctx.fail("a one-sided STFT needs a real signal", "set onesided=0 for complex input");
  return {
    batch: x.shape[0]!, frames: Math.floor((x.shape[1]! - len) / step) + 1,
    bins: onesided ? Math.floor(len / 2) + 1 : len, step, len,
  };
}

// ---- windows ----

/** Cosine-sum windows: w[n] = sum_j a_j cos(2 pi j n / N) with alternating signs folded into a_j. */
const WINDOWS: [string, number[]][] = [
  ["HannWindow", [0.5, -0.5]],
  ["HammingWindow", [25 / 46, -21 / 46]],
  ["BlackmanWindow", [0.42, -0.5, 0.08]],
];

for (const [op, coeffs] of WINDOWS) {
  const spec = (ctx: OpCtx) => {
    ctx.dtypeIn(ctx.input(0).dtype, ["i32", "i64"], "size");
    const size = scalarConst(ctx, 0, "size");
    if (!Number.isInteger(size) || size < 0) ctx.fail(`size must be a non-negative integer, got ${size}`);
    const code = ctx.int("output_datatype", 1);
    const dt = outputType(ctx, code);
    return { size, dt, periodic: ctx.int("periodic", 1) === 1 };
  };
  defineOp({
    op, kind: "opaque", attrs: ["output_datatype", "periodic"],
    infer(ctx) {
      const { size, dt } = spec(ctx);
      return [{ dtype: dt, shape: [size] }];
    },
    compute(ctx, te) {
      const { size, dt, periodic } = spec(ctx);
      const denom = periodic ? size : size - 1;
      return [te.compute(op.toLowerCase(), [size], ([n]) => {
        const th = denom > 0 ? bin("div", bin("mul", f(2 * Math.PI), cast(n!, F64)), f(denom)) : f(0);
        const v = coeffs.reduce<Expr>((e, a, j) => bin("add", e, bin("mul", f(a), un("cos", bin("mul", f(j), th)))), f(0));
        return isFloat(dt) ? narrow(v, dt) : cast(v, dt);
      })];
    },
  });
}

const WINDOW_TYPES: Record<number, DType> = { 1: "f32", 2: "u8", 3: "i8", 4: "u16", 5: "i16", 6: "i32", 7: "i64", 10: "f16", 11: "f64", 12: "u32", 13: "u64", 16: "bf16" };

function outputType(ctx: OpCtx, code: number): DType {
  const t = WINDOW_TYPES[code];
  if (!t) return ctx.fail(`output_datatype ${code} is not supported`, "use a float or integer type");
  return t;
}

// ---- MelWeightMatrix ----

defineOp({
  op: "MelWeightMatrix", kind: "opaque", attrs: ["output_datatype"],
  infer(ctx) {
    const s = melSpec(ctx);
    return [{ dtype: s.dt, shape: [s.bins, s.mels] }];
  },
  compute(ctx, te) {
    const s = melSpec(ctx);
    const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
    const melToHz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);
    // Triangle corners as spectrogram bins: mels + 2 points spaced (hi - lo) / (mels + 2) apart.
    const lo = hzToMel(s.lower), step = (hzToMel(s.upper) - lo) / (s.mels + 2);
    const corners = Array.from({ length: s.mels + 2 }, (_, i) => Math.floor(((s.dft + 1) * melToHz(lo + i * step)) / s.rate));
    return [te.compute("mel_weight_matrix", [s.bins, s.mels], ([j, m]) => {
      const start = table(m!, corners.slice(0, -2), "i32"), mid = table(m!, corners.slice(1, -1), "i32");
      const end = table(m!, corners.slice(2), "i32");
      const ratio = (num: Expr, den: Expr) => bin("div", cast(num, F64), cast(bin("max", den, c(1)), F64));
      const sel = (cond: Expr, a: Expr, b: Expr): Expr => ({ k: "select", c: cond, a, b, dtype: F64 });
      const v = sel(bin("eq", j!, mid), f(1),
        sel(bin("land", bin("ge", j!, start), bin("lt", j!, mid)), ratio(bin("sub", j!, start), bin("sub", mid, start)),
          sel(bin("land", bin("gt", j!, mid), bin("lt", j!, end)), ratio(bin("sub", end, j!), bin("sub", end, mid)), f(0))));
      return isFloat(s.dt) ? narrow(v, s.dt) : cast(v, s.dt);
    })];
  },
});

function melSpec(ctx: OpCtx) {
  const mels = scalarConst(ctx, 0, "num_mel_bins"), dft = scalarConst(ctx, 1, "dft_length");
  const rate = scalarConst(ctx, 2, "sample_rate");
  const lower = scalarConst(ctx, 3, "lower_edge_hertz"), upper = scalarConst(ctx, 4, "upper_edge_hertz");
  if (!Number.isInteger(mels) || mels < 1) ctx.fail(`num_mel_bins must be a positive integer, got ${mels}`);
  if (!Number.isInteger(dft) || dft < 1) ctx.fail(`dft_length must be a positive integer, got ${dft}`);
  if (rate <= 0) ctx.fail(`sample_rate must be positive, got ${rate}`);
  if (!(lower >= 0 && upper > lower && upper <= rate / 2)) ctx.fail(`the edges ${lower}..${upper} Hz must satisfy 0 <= lower < upper <= sample_rate/2`);
  return { mels, dft, rate, lower, upper, bins: Math.floor(dft / 2) + 1, dt: outputType(ctx, ctx.int("output_datatype", 1)) };
}
