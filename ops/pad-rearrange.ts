/**
 * @fileoverview Data rearrangement by index maps: Pad (constant, reflect, edge, wrap),
 * CenterCropPad, DepthToSpace, SpaceToDepth and ReverseSequence.
 */
import { toNumbers } from "../ir/dtype.ts";
import { Expr, bin, c, cast, select } from "../ir/tir.ts";
import { at } from "./te.ts";
import { lit } from "./generate.ts";
import { OpCtx, defineOp } from "./registry.ts";

type PadMode = "constant" | "reflect" | "edge" | "wrap";

/** Begin and end padding of every dim (negative values crop). */
function padSpec(ctx: OpCtx): { mode: PadMode; begin: number[]; end: number[] } {
  const x = ctx.input(0);
  const r = x.shape.length;
  const mode = ctx.string("mode", "constant") as PadMode;
  if (!["constant", "reflect", "edge", "wrap"].includes(mode)) ctx.fail(`mode '${mode}' is not supported`, "use constant, reflect, edge or wrap");
  let pads: number[];
  let axes = x.shape.map((_, i) => i);
  if (ctx.opset < 11) pads = ctx.hasAttr("paddings") ? ctx.ints("paddings") : ctx.ints("pads");
  else {
    pads = toNumbers(ctx.requireConst(1, "pads").data);
    if (ctx.has(3)) axes = toNumbers(ctx.requireConst(3, "axes").data).map((a) => ctx.axis(a, r));
  }
  if (new Set(axes).size !== axes.length) ctx.fail(`axes [${axes}] repeat`);
  if (pads.length !== 2 * axes.length) ctx.fail(`pads has ${pads.length} values, expected ${2 * axes.length}`);
  const begin = new Array<number>(r).fill(0), end = new Array<number>(r).fill(0);
  axes.forEach((a, i) => { begin[a] = pads[i]!; end[a] = pads[i + axes.length]!; });
  x.shape.forEach((d, i) => {
    if (d + begin[i]! + end[i]! < 0) ctx.fail(`pads [${pads}] crop axis ${i} of size ${d} below zero`);
    const kept = d - Math.max(-begin[i]!, 0) - Math.max(-end[i]!, 0);
    if (mode !== "constant" && kept <= 0 && (begin[i]! > 0 || end[i]! > 0)) ctx.fail(`${mode} padding of the empty axis ${i} is undefined`);
  });
  return { mode, begin, end };
}

defineOp({
  op: "Pad", kind: "injective", attrs: ["mode", "pads", "paddings", "value"],
  infer(ctx) {
    const x = ctx.input(0);
    const { begin, end } = padSpec(ctx);
    if (ctx.opset >= 11 && ctx.has(2) && ctx.input(2).dtype !== x.dtype) ctx.fail(`constant_value is ${ctx.input(2).dtype} but data is ${x.dtype}`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => d + begin[i]! + end[i]!) }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!, vRef = ctx.opset >= 11 ? ins[2] : undefined;
    const { mode, begin, end } = padSpec(ctx);
    const value: Expr = vRef ? at(vRef, ...vRef.shape.map(() => c(0))) : lit(ctx.opset < 11 ? ctx.float("value", 0) : 0, x.dtype);
    return [te.compute("pad", outs[0]!.shape, (idx) => {
      let inside: Expr | undefined;
      const src = idx.map((v, i) => {
        // Negative pads crop first; the mode then pads the cropped axis (as ONNX Runtime does).
        const cropB = Math.max(-begin[i]!, 0), cropE = Math.max(-end[i]!, 0);
        const d = x.shape[i]! - cropB - cropE;
        const s = bin("sub", v, c(Math.max(begin[i]!, 0)));
        const shift = (e: Expr) => bin("add", e, c(cropB));
        if (begin[i]! <= 0 && end[i]! <= 0) return shift(s);
        const clamp = bin("min", bin("max", s, c(0)), c(Math.max(d - 1, 0)));
        if (mode === "edge") return shift(clamp);
        if (mode === "wrap") return shift(bin("floormod", s, c(d)));
        if (mode === "reflect") {
          if (d === 1) return c(cropB);
          // Reflection repeats with period 2(d-1), which also covers pads longer than the axis.
          const t = bin("floormod", s, c(2 * (d - 1)));
          return shift(select(bin("lt", t, c(d)), t, bin("sub", c(2 * (d - 1)), t)));
        }
        const ok = bin("land", bin("ge", s, c(0)), bin("lt", s, c(d)));
        inside = inside ? bin("land", inside, ok) : ok;
        return shift(clamp);
      });
      return inside ? select(inside, at(x, ...src), value) : at(x, ...src);
    })];
  },
});

function blockSize(ctx: OpCtx): number {
  const b = ctx.int("blocksize");
  if (b < 1) ctx.fail(`blocksize ${b} must be positive`);
  if (ctx.input(0).shape.length !== 4) ctx.fail(`input has rank ${ctx.input(0).shape.length}, expected 4 (NCHW)`);
  return b;
}

defineOp({
  op: "DepthToSpace", kind: "injective", attrs: ["blocksize", "mode"],
  infer(ctx) {
    const x = ctx.input(0), b = blockSize(ctx);
    const [n, ch, h, w] = x.shape as [number, number, number, number];
    if (ch % (b * b) !== 0) ctx.fail(`channels ${ch} are not divisible by blocksize² ${b * b}`);
    const mode = ctx.string("mode", "DCR");
    if (mode !== "DCR" && mode !== "CRD") ctx.fail(`mode '${mode}' is not supported`, "use DCR or CRD");
    return [{ dtype: x.dtype, shape: [n, ch / (b * b), h * b, w * b] }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!, b = blockSize(ctx);
    const co = outs[0]!.shape[1]!;
    const dcr = ctx.string("mode", "DCR") === "DCR";
    return [te.compute("depth_to_space", outs[0]!.shape, ([n, ch, h, w]) => {
      const bh = bin("floormod", h!, c(b)), bw = bin("floormod", w!, c(b));
      const blk = bin("add", bin("mul", bh, c(b)), bw);
      const src = dcr ? bin("add", bin("mul", blk, c(co)), ch!) : bin("add", bin("mul", ch!, c(b * b)), blk);
      return at(x, n!, src, bin("floordiv", h!, c(b)), bin("floordiv", w!, c(b)));
    })];
  },
});

defineOp({
  op: "SpaceToDepth", kind: "injective", attrs: ["blocksize"],
  infer(ctx) {
    const x = ctx.input(0), b = blockSize(ctx);
    const [n, ch, h, w] = x.shape as [number, number, number, number];
    if (h % b !== 0 || w % b !== 0) ctx.fail(`spatial size ${h}x${w} is not divisible by blocksize ${b}`);
    return [{ dtype: x.dtype, shape: [n, ch * b * b, h / b, w / b] }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!, b = blockSize(ctx);
    const ci = x.shape[1]!;
    return [te.compute("space_to_depth", outs[0]!.shape, ([n, ch, h, w]) => {
      const blk = bin("floordiv", ch!, c(ci)), src = bin("floormod", ch!, c(ci));
      const bh = bin("floordiv", blk, c(b)), bw = bin("floormod", blk, c(b));
      return at(x, n!, src, bin("add", bin("mul", h!, c(b)), bh), bin("add", bin("mul", w!, c(b)), bw));
    })];
  },
});

/** [batch_axis, time_axis]: 0 and 1 in either order. */
function sequenceAxes(ctx: OpCtx): [number, number] {
  const ba = ctx.axis(ctx.int("batch_axis", 1), 2, "batch_axis"), ta = ctx.axis(ctx.int("time_axis", 0), 2, "time_axis");
  if (ba === ta) ctx.fail("batch_axis and time_axis must differ");
  return [ba, ta];
}

defineOp({
  op: "ReverseSequence", kind: "injective", attrs: ["batch_axis", "time_axis"],
  infer(ctx) {
    const x = ctx.input(0), lens = ctx.input(1);
    if (x.shape.length < 2) ctx.fail(`input has rank ${x.shape.length}, expected at least 2`);
    const [ba] = sequenceAxes(ctx);
    ctx.dtypeIn(lens.dtype, ["i64"], "sequence_lens");
    if (lens.shape.length !== 1 || lens.shape[0] !== x.shape[ba]) ctx.fail(`sequence_lens has shape [${lens.shape}], expected [${x.shape[ba]}]`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const [x, lens] = [ins[0]!, ins[1]!];
    const [ba, ta] = sequenceAxes(ctx);
    const steps = x.shape[ta]!;
    return [te.compute("reverse_sequence", outs[0]!.shape, (idx) => {
      // Lengths outside [0, steps] are clamped so the reversed index stays in bounds.
      const len = bin("min", bin("max", at(lens, idx[ba]!), c(0, "i64")), c(steps, "i64"));
      const t = cast(idx[ta]!, "i64");
      const src = cast(select(bin("lt", t, len), bin("sub", bin("sub", len, c(1, "i64")), t), t), "i32");
      return at(x, ...idx.map((v, i) => (i === ta ? src : v)));
    })];
  },
});

/** Per dim: how far the output window is shifted against the input (crop > 0, pad < 0). */
function centerCropPadSpec(ctx: OpCtx): { shape: number[]; shift: number[] } {
  const x = ctx.input(0);
  const r = x.shape.length;
  const target = toNumbers(ctx.requireConst(1, "the target shape").data);
  const axes = ctx.hasAttr("axes") ? ctx.ints("axes").map((a) => ctx.axis(a, r)) : x.shape.map((_, i) => i);
  if (new Set(axes).size !== axes.length) ctx.fail(`axes [${axes}] repeat`);
  if (target.length !== axes.length) ctx.fail(`shape has ${target.length} values for ${axes.length} axes`);
  const shape = [...x.shape], shift = new Array<number>(r).fill(0);
  axes.forEach((a, i) => {
    const d = x.shape[a]!, t = target[i]!;
    if (t < 0) ctx.fail(`target size ${t} is negative`);
    shape[a] = t;
    shift[a] = t < d ? Math.floor((d - t) / 2) : -Math.floor((t - d) / 2);
  });
  return { shape, shift };
}

defineOp({
  op: "CenterCropPad", kind: "injective", attrs: ["axes"],
  infer(ctx) {
    return [{ dtype: ctx.input(0).dtype, shape: centerCropPadSpec(ctx).shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const { shift } = centerCropPadSpec(ctx);
    return [te.compute("center_crop_pad", outs[0]!.shape, (idx) => {
      let inside: Expr | undefined;
      const src = idx.map((v, i) => {
        const d = x.shape[i]!;
        const s = bin("add", v, c(shift[i]!));
        if (shift[i]! >= 0 && outs[0]!.shape[i]! + shift[i]! <= d) return s;
        const ok = bin("land", bin("ge", s, c(0)), bin("lt", s, c(d)));
        inside = inside ? bin("land", inside, ok) : ok;
        return bin("min", bin("max", s, c(0)), c(Math.max(d - 1, 0)));
      });
      return inside ? select(inside, at(x, ...src), lit(0, x.dtype)) : at(x, ...src);
    })];
  },
});
