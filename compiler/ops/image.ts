/**
 * @fileoverview Image-region ops: RoiAlign, Col2Im and AffineGrid. Every position
 * computed from run-time data is clamped before it indexes a buffer.
 */
import { isFloat, toNumbers } from "../../ir/dtype.ts";
import { numel } from "../../ir/graph.ts";
import { Expr, Var, bin, c, cast, select, un } from "../../ir/tir.ts";
import { at, reduce } from "../te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { safeIndex } from "./shape.ts";
import { FLOATS, computeType } from "./util.ts";

// ---- RoiAlign ----

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
  // The adaptive grid's size depends on each ROI, so its loop has no bound known here.
  if (sampling <= 0) ctx.fail("sampling_ratio 0 (an adaptive sampling grid) is not supported", "set sampling_ratio to a positive count");
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
    return [{ dtype: x.dtype, shape: [ctx.input(1).shape[0]!, x.shape[1]!, s.oh, s.ow] }];
  },
  compute(ctx, te, ins, outs) {
    const s = roiSpec(ctx);
    const [x, rois, bi] = [ins[0]!, ins[1]!, ins[2]!];
    const [nb, , h, w] = x.shape as [number, number, number, number];
    const ct = computeType(x.dtype);
    const k = (v: number) => c(v, ct);
    return [te.compute("roi_align", outs[0]!.shape, ([r, ch, ph, pw]) => {
      const coord = (j: number) => bin("sub", bin("mul", cast(at(rois, r!, c(j)), ct), k(s.scale)), k(s.half ? 0.5 : 0));
      const [sw, sh] = [coord(0), coord(1)];
      let rw = bin("sub", coord(2), sw), rh = bin("sub", coord(3), sh);
      // Without half-pixel offsets malformed ROIs are forced to 1x1.
      if (!s.half) { rw = bin("max", rw, k(1)); rh = bin("max", rh, k(1)); }
      const bh = bin("div", rh, k(s.oh)), bw = bin("div", rw, k(s.ow));
      const b = safeIndex(at(bi, r!), nb);
      const sample = (iy: Var, ix: Var) => {
        const pos = (start: Expr, p: Expr, bin_: Expr, i: Var) =>
          bin("add", bin("add", start, bin("mul", cast(p, ct), bin_)), bin("div", bin("mul", bin("add", cast(i, ct), k(0.5)), bin_), k(s.sampling)));
        const yy = pos(sh, ph!, bh, iy), xx = pos(sw, pw!, bw, ix);
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
        const v = (yi: Expr, xi: Expr) => cast(at(x, b, ch!, yi, xi), ct);
        const terms = [
          bin("mul", bin("mul", Y.hgt, X.hgt), v(Y.low, X.low)), bin("mul", bin("mul", Y.hgt, X.l), v(Y.low, X.high)),
          bin("mul", bin("mul", Y.l, X.hgt), v(Y.high, X.low)), bin("mul", bin("mul", Y.l, X.l), v(Y.high, X.high)),
        ];
        // Max mode takes the largest weighted corner, not the interpolated value.
        const val = s.mode === "avg" ? terms.reduce((a, t) => bin("add", a, t)) : terms.reduce((a, t) => bin("max", a, t));
        return select(outside, k(0), val);
      };
      const grid = [s.sampling, s.sampling];
      if (s.mode === "avg") return bin("div", reduce("sum", grid, ([iy, ix]) => sample(iy!, ix!)), k(s.sampling * s.sampling));
      return reduce("max", grid, ([iy, ix]) => sample(iy!, ix!));
    }, { dtype: x.dtype })];
  },
});

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
