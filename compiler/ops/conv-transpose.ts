/**
 * @fileoverview ConvTranspose: the gradient of Conv written as a gather, so each output element
 * sums the input taps that scatter onto it (no scratch accumulation).
 */
import { Expr, Var, bin, c, cast, select } from "../../ir/tir.ts";
import { at, reduce } from "../te.ts";
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
