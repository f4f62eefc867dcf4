/**
 * @fileoverview Image-region ops: RoiAlign, Col2Im and AffineGrid. Every position
 * computed from run-time data is clamped before it indexes a buffer.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { numel } from "../ir/graph.ts";
import { Expr, Stmt, TensorRef, Var, bin, c, cast, load, loop, mkVar, select, seq, store, un } from "../ir/tir.ts";
import { TE, at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { safeIndex } from "./shape.ts";
import { FLOATS, computeType } from "./util.ts";

// ---- RoiAlign ----

type RoiSpec = ReturnType<typeof roiSpec>;

function roiSpec(ctx: OpCtx) {
  const x = ctx.input(0), rois = ctx.input(1), bi = ctx.input(2);
  ctx.dtypeIn(x.dtype, FLOATS);
  if (rois.dtype !== x.dtype) ctx.fail(`rois are ${rois.dtype} but X is ${x.dtype}`);
  ctx.dtypeIn(bi.dtype, ["i64", "i32"], "batch_indices");
  if (x.shape.length !== 4) ctx.fail(`X must be [N, C, H, W], got rank ${x.shape.length}`);
  if (rois.shape.length !== 2 || rois.shape[1] !== 4) ctx.fail(`rois must be [num_rois, 4], got [${rois.shape}]`);
  if (bi.shape.length !== 1 || bi.shape[0] !== rois.shape[0]) ctx.fail(`batch_indices must be [${rois.shape[0]}], got [${bi.shape}]`);
  const mode = ctx.string("mode", "avg");
  if (mode !== "avg" && mode !== "max") ctx.fail(`mode '${mode}' is not one of avg, max`);
  const ctm = ctx.opset >= 16 ? ctx.string("coordinate_transformation_mode", "half_pixel") : "output_half_pixel";
  if (ctm !== "half_pixel" && ctm !== "output_half_pixel") ctx.fail(`coordinate_transformation_mode '${ctm}' is not one of half_pixel, output_half_pixel`);
  const sampling = ctx.int("sampling_ratio", 0);
  const oh = ctx.int("output_height", 1), ow = ctx.int("output_width", 1);
  if (oh < 1 || ow < 1) ctx.fail(`output size ${oh}x${ow} must be positive`);
  if (x.shape[0] === 0 && rois.shape[0]! > 0) ctx.fail("X has no batch entries to take ROIs from");
  return { mode, half: ctm === "half_pixel", sampling, oh, ow, scale: ctx.float("spatial_scale", 1) };
}

defineOp({
  op: "RoiAlign", kind: "opaque",
  attrs: ["coordinate_transformation_mode", "mode", "output_height", "output_width", "sampling_ratio", "spatial_scale"],
  infer(ctx) {
    const s = roiSpec(ctx);
    const x = ctx.input(0);
    const shape = [ctx.input(1).shape[0]!, x.shape[1]!, s.oh, s.ow];
    if ((x.shape[0] === 0 || x.shape[2] === 0 || x.shape[3] === 0) && !shape.includes(0))
      ctx.fail(`X has shape [${x.shape}]: an empty batch or feature map leaves nothing to sample`);
    return [{ dtype: x.dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const s = roiSpec(ctx);
    const [x, rois, bi] = [ins[0]!, ins[1]!, ins[2]!];
    const [nb, , h, w] = x.shape as [number, number, number, number];
    const ct = computeType(x.dtype);
    const k = (v: number) => c(v, ct);
    if (s.sampling <= 0) return roiAlignAdaptive(te, s, x, rois, bi, outs[0]!.shape);
    return [te.compute("roi_align", outs[0]!.shape, ([r, ch, ph, pw]) => {
      const g = roiGeometry(s, (j) => cast(at(rois, r!, c(j)), ct), ct);
      const b = safeIndex(at(bi, r!), nb);
      const sample = (iy: Var, ix: Var) => {
        const pos = (start: Expr, p: Expr, size: Expr, i: Var) =>
          bin("add", bin("add", start, bin("mul", cast(p, ct), size)), bin("div", bin("mul", bin("add", cast(i, ct), k(0.5)), size), k(s.sampling)));
        return roiSample(pos(g.sh, ph!, g.bh, iy), pos(g.sw, pw!, g.bw, ix), h, w, ct, s.mode === "avg", (yi, xi) => cast(at(x, b, ch!, yi, xi), ct));
      };
      const grid = [s.sampling, s.sampling];
      if (s.mode === "avg") return bin("div", reduce("sum", grid, ([iy, ix]) => sample(iy!, ix!)), k(s.sampling * s.sampling));
      return reduce("max", grid, ([iy, ix]) => sample(iy!, ix!));
    }, { dtype: x.dtype })];
  },
});

/** Start and bin size of an ROI in feature-map coordinates, from its four stored coordinates. */
function roiGeometry(s: RoiSpec, coord: (j: number) => Expr, ct: DType) {
  const k = (v: number) => c(v, ct);
  const at_ = (j: number) => bin("sub", bin("mul", coord(j), k(s.scale)), k(s.half ? 0.5 : 0));
  const [sw, sh] = [at_(0), at_(1)];
  let rw = bin("sub", at_(2), sw), rh = bin("sub", at_(3), sh);
  // Without half-pixel offsets malformed ROIs are forced to 1x1.
  if (!s.half) { rw = bin("max", rw, k(1)); rh = bin("max", rh, k(1)); }
  return { sw, sh, rw, rh, bh: bin("div", rh, k(s.oh)), bw: bin("div", rw, k(s.ow)) };
}

/**
 * The sample at (yy, xx): the bilinear value (avg mode) or the largest weighted corner (max
 * mode, as the ONNX definition has it); 0 beyond one pixel outside the map.
 */
function roiSample(yy: Expr, xx: Expr, h: number, w: number, ct: DType, avg: boolean, read: (yi: Expr, xi: Expr) => Expr): Expr {
  const k = (v: number) => c(v, ct);
  const outside = bin("lor", bin("lor", bin("lt", yy, k(-1)), bin("gt", yy, k(h))), bin("lor", bin("lt", xx, k(-1)), bin("gt", xx, k(w))));
  const axis = (v: Expr, n: number) => {
    const cl = bin("min", bin("max", v, k(0)), k(n));
    const low0 = cast(un("floor", cl), "i32");
    const edge = bin("ge", low0, c(n - 1));
    const low = bin("min", low0, c(n - 1)), high = bin("min", bin("add", low0, c(1)), c(n - 1));
    const frac = select(edge, k(0), bin("sub", cl, cast(low0, ct)));
    return { low, high, l: frac, hgt: bin("sub", k(1), frac) };
  };
  const Y = axis(yy, h), X = axis(xx, w);
  const terms = [
    bin("mul", bin("mul", Y.hgt, X.hgt), read(Y.low, X.low)), bin("mul", bin("mul", Y.hgt, X.l), read(Y.low, X.high)),
    bin("mul", bin("mul", Y.l, X.hgt), read(Y.high, X.low)), bin("mul", bin("mul", Y.l, X.l), read(Y.high, X.high)),
  ];
  const val = avg ? terms.reduce((a, t) => bin("add", a, t)) : terms.reduce((a, t) => bin("max", a, t));
  return select(outside, k(0), val);
}

/**
 * sampling_ratio 0: each ROI samples a ceil(bin size) grid per bin. Grid points are at most one
 * pixel apart, so at most 2n+3 of them fall inside a map of n pixels along an axis; the loops
 * visit a window of that size around the first such point, and every point outside the window
 * is outside the map (a zero sample).
 */
function roiAlignAdaptive(te: TE, s: RoiSpec, x: TensorRef, rois: TensorRef, bi: TensorRef, shape: number[]): TensorRef[] {
  const [nb, ch, h, w] = x.shape as [number, number, number, number];
  const ct = computeType(x.dtype);
  const k = (v: number) => c(v, ct);
  const avg = s.mode === "avg";
  const d = (v: Var, init: Expr): Stmt => ({ k: "decl", v, init });
  const set = (v: Var, value: Expr): Stmt => ({ k: "assign", v, value });
  return te.extern([{ name: "roi_align", dtype: x.dtype, shape }], [x, rois, bi], ([xb, rb, bb], [yb]) => loop(shape[0]!, (r) => {
    const coords = [0, 1, 2, 3].map((j) => mkVar(`roi${j}_`, ct));
    const g = roiGeometry(s, (j) => coords[j]!, ct);
    const [sh, sw, bh, bw] = [mkVar("sh", ct), mkVar("sw", ct), mkVar("bh", ct), mkVar("bw", ct)];
    const [gh, gw, b] = [mkVar("gh"), mkVar("gw"), mkVar("b")];
    const [ghf, gwf] = [mkVar("ghf", ct), mkVar("gwf", ct)];
    const grid = (size: Expr) => bin("max", cast(un("ceil", bin("min", size, k(1 << 30))), "i32"), c(0));
    const pre: Stmt[] = [
      ...coords.map((v, j) => d(v, cast(load(rb!, bin("add", bin("mul", r, c(4)), c(j))), ct))),
      d(sh, g.sh), d(sw, g.sw), d(bh, g.bh), d(bw, g.bw),
      d(gh, grid(bh)), d(gw, grid(bw)), d(ghf, cast(gh, ct)), d(gwf, cast(gw, ct)),
      d(b, safeIndex(load(bb!, r), nb)),
    ];
    const body = loop(ch, (cc) => loop(s.oh, (ph) => loop(s.ow, (pw) => {
      const [y0, x0, acc, seen] = [mkVar("y0", ct), mkVar("x0", ct), mkVar("acc", ct), mkVar("seen", ct)];
      const [ly, lx] = [mkVar("ly"), mkVar("lx")];
      // First grid index to visit: one before the first point at or past -1.
      const first = (o: Var, size: Var, n: Var) => {
        const step = bin("div", size, bin("max", cast(n, ct), k(1)));
        const est = bin("sub", bin("sub", bin("div", bin("sub", k(-1), o), step), k(0.5)), k(1));
        return cast(un("floor", bin("min", bin("max", est, k(0)), cast(n, ct))), "i32");
      };
      const pos = (o: Var, size: Var, nf: Var, i: Expr) => bin("add", o, bin("div", bin("mul", bin("add", cast(i, ct), k(0.5)), size), nf));
      const read = (yi: Expr, xi: Expr) =>
        cast(load(xb!, bin("add", bin("mul", bin("add", bin("mul", bin("add", bin("mul", b, c(ch)), cc), c(h)), yi), c(w)), xi)), ct);
      const inner = loop(2 * h + 5, (jy) => {
        const iy = bin("add", ly, jy);
        return { k: "if", c: bin("lt", iy, gh), then: loop(2 * w + 5, (jx) => {
          const ix = bin("add", lx, jx);
          const v = roiSample(pos(y0, bh, ghf, iy), pos(x0, bw, gwf, ix), h, w, ct, avg, read);
          return { k: "if", c: bin("lt", ix, gw), then: seq(set(acc, avg ? bin("add", acc, v) : bin("max", acc, v)), set(seen, bin("add", seen, k(1)))) };
        }, "jx") };
      }, "jy");
      const total = bin("mul", ghf, gwf);
      // Max mode: unvisited points are outside the map and sample 0; no points at all gives 0.
      const result = avg ? bin("div", acc, bin("max", total, k(1)))
        : select(bin("eq", seen, k(0)), k(0), select(bin("lt", seen, total), bin("max", acc, k(0)), acc));
      return seq(
        d(y0, bin("add", sh, bin("mul", cast(ph, ct), bh))), d(x0, bin("add", sw, bin("mul", cast(pw, ct), bw))),
        d(acc, k(avg ? 0 : -Infinity)), d(seen, k(0)),
        d(ly, first(y0, bh, gh)), d(lx, first(x0, bw, gw)),
        inner,
        store(yb!, bin("add", bin("mul", bin("add", bin("mul", bin("add", bin("mul", r, c(ch)), cc), c(s.oh)), ph), c(s.ow)), pw), cast(result, x.dtype)),
      );
    }, "pw"), "ph"), "c");
    return seq(...pre, body);
  }, "r"));
}

// ---- Col2Im ----

function col2imSpec(ctx: OpCtx) {
  const x = ctx.input(0);
  ctx.dtypeIn(x.dtype, [...FLOATS, "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"]);
  const image = toNumbers(ctx.requireConst(1, "image_shape").data);
  const block = toNumbers(ctx.requireConst(2, "block_shape").data);
  const r = image.length;
  if (block.length !== r || r === 0) ctx.fail(`image_shape has ${r} dims but block_shape has ${block.length}`);
  if (x.shape.length !== 3) ctx.fail(`input must be [N, C*prod(block_shape), L], got rank ${x.shape.length}`);
  const dil = ctx.ints("dilations", new Array<number>(r).fill(1)), str = ctx.ints("strides", new Array<number>(r).fill(1));
  const pads = ctx.ints("pads", new Array<number>(2 * r).fill(0));
  if (dil.length !== r || str.length !== r || pads.length !== 2 * r) ctx.fail(`dilations, strides and pads must have ${r}, ${r} and ${2 * r} entries`);
  if ([...image, ...block, ...dil, ...str].some((v) => !Number.isInteger(v) || v < 1)) ctx.fail("image_shape, block_shape, dilations and strides must be positive");
  const kn = numel(block);
  if (x.shape[1]! % kn !== 0) ctx.fail(`input dim 1 (${x.shape[1]}) is not a multiple of the block size ${kn}`);
  const cols = image.map((d, i) => Math.floor((d + pads[i]! + pads[i + r]! - (dil[i]! * (block[i]! - 1) + 1)) / str[i]!) + 1);
  if (cols.some((v) => v < 1) || numel(cols) !== x.shape[2]) ctx.fail(`input dim 2 is ${x.shape[2]} but the blocks tile ${cols.join("x")} = ${numel(cols)} positions`);
  return { image, block, dil, str, pads, cols, channels: x.shape[1]! / kn };
}

defineOp({
  op: "Col2Im", kind: "opaque", attrs: ["dilations", "pads", "strides"],
  infer(ctx) {
    const s = col2imSpec(ctx);
    return [{ dtype: ctx.input(0).dtype, shape: [ctx.input(0).shape[0]!, s.channels, ...s.image] }];
  },
  compute(ctx, te, ins, outs) {
    const s = col2imSpec(ctx);
    const x = ins[0]!;
    const r = s.image.length;
    const ct = isFloat(x.dtype) ? computeType(x.dtype) : x.dtype;
    // Each image position gathers the block entries that land on it (the adjoint of im2col).
    return [te.compute("col2im", outs[0]!.shape, ([n, ch, ...pos]) => reduce("sum", s.block, (ks) => {
      let valid: Expr = c(1, "bool");
      let col: Expr = c(0), kf: Expr = c(0);
      for (let i = 0; i < r; i++) {
        const t = bin("sub", bin("add", pos[i]!, c(s.pads[i]!)), bin("mul", ks[i]!, c(s.dil[i]!)));
        const q = bin("floordiv", t, c(s.str[i]!));
        valid = bin("land", valid, bin("land", bin("ge", t, c(0)),
          bin("land", bin("eq", bin("floormod", t, c(s.str[i]!)), c(0)), bin("lt", q, c(s.cols[i]!)))));
        col = bin("add", bin("mul", col, c(s.cols[i]!)), q);
        kf = bin("add", bin("mul", kf, c(s.block[i]!)), ks[i]!);
      }
      const v = at(x, n!, bin("add", bin("mul", ch!, c(numel(s.block))), kf), select(valid, col, c(0)));
      return select(valid, cast(v, ct), c(0, ct));
    }), { dtype: x.dtype })];
  },
});

// ---- AffineGrid ----

function affineSpec(ctx: OpCtx) {
  const th = ctx.input(0);
  ctx.dtypeIn(th.dtype, FLOATS, "theta");
  const size = toNumbers(ctx.requireConst(1, "size").data);
  if (size.length !== 4 && size.length !== 5) ctx.fail(`size must be [N, C, H, W] or [N, C, D, H, W], got ${size.length} values`);
  const r = size.length - 2;
  if (th.shape.length !== 3 || th.shape[0] !== size[0] || th.shape[1] !== r || th.shape[2] !== r + 1)
    ctx.fail(`theta must be [${size[0]}, ${r}, ${r + 1}], got [${th.shape}]`);
  if (size.some((d) => !Number.isInteger(d) || d < 0)) ctx.fail(`size [${size}] must hold non-negative integers`);
  return { n: size[0]!, spatial: size.slice(2), align: ctx.int("align_corners", 0) === 1 };
}

defineOp({
  op: "AffineGrid", kind: "opaque", attrs: ["align_corners"],
  infer(ctx) {
    const s = affineSpec(ctx);
    return [{ dtype: ctx.input(0).dtype, shape: [s.n, ...s.spatial, s.spatial.length] }];
  },
  compute(ctx, te, ins, outs) {
    const s = affineSpec(ctx);
    const th = ins[0]!;
    const r = s.spatial.length;
    const ct = computeType(th.dtype);
    // Normalised base coordinate of index i along a dim of size d, in [-1, 1].
    const base = (i: Expr, d: number): Expr => {
      const fi = cast(i, ct);
      if (s.align) return d > 1 ? bin("sub", bin("mul", fi, c(2 / (d - 1), ct)), c(1, ct)) : c(-1, ct);
      return bin("sub", bin("div", bin("add", bin("mul", fi, c(2, ct)), c(1, ct)), c(d, ct)), c(1, ct));
    };
    return [te.compute("affine_grid", outs[0]!.shape, (idx) => {
      const [n, j] = [idx[0]!, idx[r + 1]!];
      // The homogeneous point is (x, y[, z], 1): x runs along the last spatial dim.
      let v: Expr = cast(at(th, n, j, c(r)), ct);
      for (let k = 0; k < r; k++) {
        const d = r - 1 - k;
        v = bin("add", v, bin("mul", cast(at(th, n, j, c(k)), ct), base(idx[1 + d]!, s.spatial[d]!)));
      }
      return v;
    }, { dtype: th.dtype })];
  },
});
