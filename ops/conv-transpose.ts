/**
 * @fileoverview ConvTranspose, written as a gather so each output element sums the input taps
 * that scatter onto it (no scratch accumulation), and DeformConv (bilinear sampling at offsets).
 */
import { Expr, Var, bin, c, cast, select, un } from "../ir/tir.ts";
import { at, reduce } from "./te.ts";
import { windowOf } from "./conv-pool.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType, k } from "./util.ts";

interface TWindow {
  kernel: number[];
  strides: number[];
  dilations: number[];
  begin: number[];
  out: number[];
}

/** Output size and leading padding, following the ONNX ConvTranspose shape rules. */
function transposeWindow(ctx: OpCtx, spatial: number[], kernel: number[]): TWindow {
  const n = spatial.length;
  const strides = ctx.ints("strides", new Array(n).fill(1));
  const dilations = ctx.ints("dilations", new Array(n).fill(1));
  const outPad = ctx.ints("output_padding", new Array(n).fill(0));
  let pads = ctx.ints("pads", new Array(2 * n).fill(0));
  const autoPad = ctx.string("auto_pad", "NOTSET");
  if (strides.length !== n || dilations.length !== n || outPad.length !== n || pads.length !== 2 * n)
    ctx.fail(`strides, dilations, output_padding and pads must match the ${n} spatial dims`);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1))
    ctx.fail("strides and dilations must be positive");
  if (!["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].includes(autoPad))
    ctx.fail(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  const ext = kernel.map((kk, i) => (kk - 1) * dilations[i]! + 1);
  const full = spatial.map((d, i) => strides[i]! * (d - 1) + outPad[i]! + ext[i]!);
  let target: number[] | undefined;
  if (ctx.hasAttr("output_shape")) {
    const os = ctx.ints("output_shape");
    target = os.length === n + 2 ? os.slice(2) : os;
    if (target.length !== n) ctx.fail(`output_shape must list the ${n} spatial dims`);
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    target = spatial.map((d, i) => d * strides[i]!);
  }
  if (target) {
    // Padding that makes the full output crop to the target; the odd unit goes last for SAME_UPPER.
    pads = new Array(2 * n).fill(0);
    target.forEach((t, i) => {
      // A negative total (output_shape beyond the full size) extends the output with bias-only cells.
      const total = full[i]! - t;
      const small = Math.floor(total / 2);
      pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      pads[i + n] = total - pads[i]!;
    });
  } else if (autoPad === "VALID") {
    pads = new Array(2 * n).fill(0);
  }
  if (!target && pads.some((p) => p < 0)) ctx.fail("pads must be non-negative");
  const out = full.map((f, i) => f - pads[i]! - pads[i + n]!);
  if (out.some((o) => o < 1)) ctx.fail(`the output would be empty: spatial size ${out}`);
  return { kernel, strides, dilations, begin: pads.slice(0, n), out };
}

defineOp({
  op: "ConvTranspose",
  kind: "out-ewise-fusable",
  attrs: ["auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(1);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got rank ${x.shape.length}`);
    if (w.shape.length !== x.shape.length) ctx.fail("weight rank must equal input rank");
    const group = ctx.int("group", 1);
    const cin = x.shape[1]!;
    if (group < 1 || w.shape[0] !== cin || cin % group !== 0)
      ctx.fail(`weight shape [${w.shape}] does not match ${cin} input channels in ${group} groups`);
    const m = w.shape[1]! * group;
    if (ctx.has(2)) ctx.expectShape(2, [m]);
    const kernel = ctx.ints("kernel_shape", w.shape.slice(2));
    if (kernel.some((kk, i) => kk !== w.shape[2 + i])) ctx.fail(`kernel_shape [${kernel}] differs from the weight shape [${w.shape}]`);
    const win = transposeWindow(ctx, x.shape.slice(2), kernel);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, m, ...win.out] }];
  },
  compute(ctx, te, ins, outs) {
    const [x, w, b] = [ins[0]!, ins[1]!, ins[2]];
    const spatial = x.shape.slice(2);
    const kernel = w.shape.slice(2);
    const win = transposeWindow(ctx, spatial, kernel);
    const group = ctx.int("group", 1);
    const cpg = x.shape[1]! / group;
    const mpg = w.shape[1]!;
    const ct = computeType(x.dtype);
    return [te.compute("convtranspose", outs[0]!.shape, (idx) => {
      const [n, m, ...o] = idx as [Var, Var, ...Var[]];
      const acc = reduce("sum", [cpg, ...kernel], ([ci, ...r]) => {
        const chan = group === 1 ? ci! : bin("add", bin("mul", bin("floordiv", m, c(mpg)), c(cpg)), ci!);
        const wm = group === 1 ? m : bin("floormod", m, c(mpg));
        // Input position i with i*stride + r*dilation - pad = o, when that is a whole, in-range i.
        let ok: Expr | undefined;
        const coords = o.map((oi, i) => {
          const num = bin("sub", bin("add", oi, c(win.begin[i]!)), bin("mul", r[i]!, c(win.dilations[i]!)));
          const s = win.strides[i]!;
          const pos = s === 1 ? num : bin("floordiv", num, c(s));
          let cond = bin("land", bin("ge", num, c(0)), bin("lt", pos, c(spatial[i]!)));
          if (s !== 1) cond = bin("land", cond, bin("eq", bin("floormod", num, c(s)), c(0)));
          ok = ok ? bin("land", ok, cond) : cond;
          return pos;
        });
        const xv = cast(at(x, n, chan, ...coords), ct);
        return bin("mul", select(ok!, xv, k(0, x.dtype)), cast(at(w, chan, wm, ...r), ct));
      });
      return b ? bin("add", acc, cast(at(b, m), ct)) : acc;
    }, { dtype: outs[0]!.dtype })];
  },
});

defineOp({
  op: "DeformConv",
  kind: "opaque",
  attrs: ["dilations", "group", "kernel_shape", "offset_group", "pads", "strides"],
  infer(ctx) {
    const x = ctx.input(0), w = ctx.input(1), off = ctx.input(2);
    ctx.dtypeIn(x.dtype, FLOATS);
    if (x.shape.length !== 4 || w.shape.length !== 4) ctx.fail("only 2-D deformable convolution is supported (rank-4 X and W)");
    const group = ctx.int("group", 1), og = ctx.int("offset_group", 1);
    const [n, cin] = x.shape as [number, number];
    const m = w.shape[0]!;
    if (group < 1 || w.shape[1]! * group !== cin || m % group !== 0)
      ctx.fail(`weight shape [${w.shape}] does not match ${cin} input channels in ${group} groups`);
    if (og < 1 || cin % og !== 0) ctx.fail(`offset_group ${og} does not divide ${cin} channels`);
    const kernel = ctx.ints("kernel_shape", w.shape.slice(2));
    if (kernel.join() !== w.shape.slice(2).join()) ctx.fail(`kernel_shape [${kernel}] does not match the weight's [${w.shape.slice(2)}]`);
    if (w.dtype !== x.dtype) ctx.fail(`the weight is ${w.dtype} but X is ${x.dtype}; they must have one type`);
    const win = windowOf(ctx, x.shape.slice(2), kernel);
    const kk = kernel[0]! * kernel[1]!;
    const shape = [n, m, ...win.out];
    if (off.shape.join() !== [n, og * kk * 2, ...win.out].join())
      ctx.fail(`offset has shape [${off.shape}], expected [${[n, og * kk * 2, ...win.out]}]`);
    if (ctx.has(3)) ctx.expectShape(3, [m]);
    if (ctx.has(4)) ctx.expectShape(4, [n, og * kk, ...win.out]);
    return [{ dtype: x.dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, w, off, b, mask] = ins;
    const [H, W] = x!.shape.slice(2) as [number, number];
    const kernel = w!.shape.slice(2) as [number, number];
    const win = windowOf(ctx, [H, W], kernel);
    const group = ctx.int("group", 1), og = ctx.int("offset_group", 1);
    const cpg = w!.shape[1]!, mpg = w!.shape[0]! / group, cpo = x!.shape[1]! / og;
    const ct = computeType(x!.dtype);
    const f = (e: Expr) => cast(e, ct);
    return [te.compute("deformconv", outs[0]!.shape, ([n, m, oh, ow]) => {
      const acc = reduce("sum", [cpg, ...kernel], ([ci, kh, kw]) => {
        const chan = group === 1 ? ci! : bin("add", bin("mul", bin("floordiv", m!, c(mpg)), c(cpg)), ci!);
        const tapIdx = bin("add", bin("mul", bin("add", bin("mul", bin("floordiv", chan, c(cpo)), c(kernel[0])), kh!), c(kernel[1])), kw!);
        const offAt = (d: number) => f(at(off!, n!, bin("add", bin("mul", tapIdx, c(2)), c(d)), oh!, ow!));
        const base = (o: Expr, r: Expr, i: number) =>
          cast(bin("sub", bin("add", bin("mul", o, c(win.strides[i]!)), bin("mul", r, c(win.dilations[i]!))), c(win.begin[i]!)), ct);
        const ph = bin("add", base(oh!, kh!, 0), offAt(0));
        const pw = bin("add", base(ow!, kw!, 1), offAt(1));
        const fh = un("floor", ph), fw = un("floor", pw);
        // Bilinear sample; corners outside the image read as zero.
        const corner = (dh: number, dw: number) => {
          const hi = cast(bin("add", fh, c(dh, ct)), "i32"), wi = cast(bin("add", fw, c(dw, ct)), "i32");
          const ok = bin("land", bin("land", bin("ge", hi, c(0)), bin("lt", hi, c(H))), bin("land", bin("ge", wi, c(0)), bin("lt", wi, c(W))));
          const clampH = bin("min", bin("max", hi, c(0)), c(H - 1)), clampW = bin("min", bin("max", wi, c(0)), c(W - 1));
          const wh = dh ? bin("sub", ph, fh) : bin("sub", c(1, ct), bin("sub", ph, fh));
          const ww = dw ? bin("sub", pw, fw) : bin("sub", c(1, ct), bin("sub", pw, fw));
          return bin("mul", bin("mul", wh, ww), select(ok, f(at(x!, n!, chan, clampH, clampW)), c(0, ct)));
        };
        let v = bin("add", bin("add", corner(0, 0), corner(0, 1)), bin("add", corner(1, 0), corner(1, 1)));
        if (mask) v = bin("mul", v, f(at(mask, n!, tapIdx, oh!, ow!)));
        return bin("mul", v, f(at(w!, m!, ci!, kh!, kw!)));
      });
      return b ? bin("add", acc, f(at(b, m!))) : acc;
    }, { dtype: outs[0]!.dtype })];
  },
});
