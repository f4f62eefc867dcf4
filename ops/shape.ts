/**
 * @fileoverview Shape and data-movement ops: views (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity), Transpose, Concat, Split, Gather, Slice, Expand, Tile, Shape, Size, Constant.
 */
import { DType, getNumber, isFloat, isSigned, toNumbers } from "../ir/dtype.ts";
import { Tensor, TensorType, numel } from "../ir/graph.ts";
import { Expr, Var, bin, c, cast, select } from "../ir/tir.ts";
import { at } from "./te.ts";
import { OpCtx, OpDef, defineOp } from "./registry.ts";
import { bcast, broadcastShapes } from "./util.ts";

/** Defines a view op: output 0 is input 0 with another shape. */
function defineView(op: string, attrs: readonly string[], shapeOf: (ctx: OpCtx, x: TensorType) => number[]): void {
  const def: OpDef = {
    op, kind: "injective", attrs, view: true,
    infer(ctx) {
      const x = ctx.input(0);
      const shape = shapeOf(ctx, x);
      if (numel(shape) !== numel(x.shape)) ctx.fail(`cannot reshape [${x.shape}] to [${shape}]`);
      return [{ dtype: x.dtype, shape }];
    },
    compute(_ctx, te, ins, outs) {
      const x = ins[0]!;
      const out = outs[0]!.shape;
      // Row-major element order is unchanged: recompute the input index from the flat position.
      return [te.compute(op.toLowerCase(), out, (idx) => at(x, ...unflatten(flatOf(idx, out), x.shape)))];
    },
  };
  defineOp(def);
}

export function flatOf(idx: Expr[], shape: number[]): Expr {
  let flat: Expr = c(0);
  idx.forEach((v, i) => { flat = bin("add", bin("mul", flat, c(shape[i]!)), v); });
  return flat;
}

export function unflatten(flat: Expr, shape: number[]): Expr[] {
  const out: Expr[] = [];
  let rest = flat;
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(i === 0 ? rest : bin("floormod", rest, c(shape[i]!)));
    rest = bin("floordiv", rest, c(shape[i]!));
  }
  return out;
}

/**
 * An index read at run time made safe to use: negative values count from the end and anything
 * still out of [0, n) is clamped, so a kernel never reads out of bounds. Returns an INDEX expr.
 */
export function safeIndex(raw: Expr, n: number): Expr {
  const v = isFloat(raw.dtype) || raw.dtype === "bool" ? cast(raw, "i64") : raw;
  const t = v.dtype;
  const wrapped = isSigned(t) ? select(bin("lt", v, c(0, t)), bin("add", v, c(n, t)), v) : v;
  return cast(bin("min", bin("max", wrapped, c(0, t)), c(Math.max(n - 1, 0), t)), "i32");
}

/** Axes from the attribute (older opsets) or the constant input `i` (newer). */
export function axesOf(ctx: OpCtx, i: number, sinceInput: number): number[] | undefined {
  if (ctx.opset >= sinceInput) return ctx.has(i) ? toNumbers(ctx.requireConst(i, "axes").data) : undefined;
  return ctx.hasAttr("axes") ? ctx.ints("axes") : undefined;
}

defineView("Reshape", ["allowzero", "shape"], (ctx, x) => {
  const spec = ctx.opset < 5 ? ctx.ints("shape") : toNumbers(ctx.requireConst(1, "the target shape").data);
  const allowZero = ctx.int("allowzero", 0) === 1;
  const shape = spec.map((d, i) => (d === 0 && !allowZero ? (i < x.shape.length ? x.shape[i]! : ctx.fail(`dim ${i} is 0 but the input has rank ${x.shape.length}`)) : d));
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) ctx.fail("more than one dim is -1");
  if (shape.some((d) => d < -1)) ctx.fail(`invalid target shape [${spec}]`);
  if (unknown) {
    const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (known === 0 || numel(x.shape) % known !== 0) ctx.fail(`cannot infer -1 reshaping [${x.shape}] to [${spec}]`);
    shape[shape.indexOf(-1)] = numel(x.shape) / known;
  }
  return shape;
});

defineView("Flatten", ["axis"], (ctx, x) => {
  const r = x.shape.length;
  const a = ctx.int("axis", 1);
  if (a < -r || a > r) ctx.fail(`axis ${a} is out of range for rank ${r}`);
  const axis = a < 0 ? a + r : a;
  return [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))];
});

defineView("Squeeze", ["axes"], (ctx, x) => {
  const axes = axesOf(ctx, 1, 13)?.map((a) => ctx.axis(a, x.shape.length));
  if (axes) for (const a of axes) if (x.shape[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
});

defineView("Unsqueeze", ["axes"], (ctx, x) => {
  const axes = axesOf(ctx, 1, 13);
  if (!axes) return ctx.fail("axes are required");
  const rank = x.shape.length + axes.length;
  const norm = axes.map((a) => ctx.axis(a, rank));
  if (new Set(norm).size !== norm.length) ctx.fail("axes repeat");
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x.shape[j++]!);
  return out;
});

defineView("Identity", [], (_ctx, x) => x.shape);
defineOp({
  op: "Dropout", kind: "injective", attrs: ["ratio", "seed", "is_test"], view: true,
  infer(ctx) {
    const x = ctx.input(0);
    // Training mode drops at random; with a constant ratio of 0 it keeps everything, as inference does.
    const ratio = ctx.has(1) ? ctx.constant(1) : undefined;
    const keepsAll = ratio !== undefined && getNumber(ratio.data, 0) === 0;
    if (ctx.has(2) && !keepsAll && getNumber(ctx.requireConst(2, "training_mode").data, 0) !== 0) {
      if (!ctx.has(1) || getNumber(ctx.requireConst(1, "ratio").data, 0) !== 0)
        ctx.fail("training mode with a nonzero ratio is not supported", "export the model in inference mode");
    }
    const outs: TensorType[] = [{ dtype: x.dtype, shape: x.shape }];
    if (ctx.node.outputs[1]) outs.push({ dtype: ctx.opset >= 10 ? "bool" : x.dtype, shape: x.shape });
    return outs;
  },
  compute(_ctx, te, ins, outs) {
    const x = ins[0]!;
    const y = te.compute("dropout", x.shape, (idx) => at(x, ...idx));
    // Nothing is dropped outside training, so every mask element is set.
    const mask = outs[1] && te.compute("mask", x.shape, () => c(1, outs[1]!.dtype));
    return mask ? [y, mask] : [y];
  },
});

defineOp({
  op: "Transpose", kind: "injective", attrs: ["perm"],
  infer(ctx) {
    const x = ctx.input(0);
    const perm = ctx.ints("perm", x.shape.map((_, i) => x.shape.length - 1 - i));
    if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
      ctx.fail(`perm [${perm}] is not a permutation of rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const perm = ctx.ints("perm", x.shape.map((_, i) => x.shape.length - 1 - i));
    return [te.compute("transpose", outs[0]!.shape, (idx) => {
      const src = new Array<Expr>(perm.length);
      perm.forEach((p, i) => { src[p] = idx[i]!; });
      return at(x, ...src);
    })];
  },
});

defineOp({
  op: "Concat", kind: "injective", attrs: ["axis"],
  infer(ctx) {
    const xs = ctx.inputs.map((_, i) => ctx.input(i));
    const r = xs[0]!.shape.length;
    const axis = ctx.axis(ctx.int("axis"), r);
    let total = 0;
    for (const x of xs) {
      if (x.dtype !== xs[0]!.dtype) ctx.fail(`inputs mix ${xs[0]!.dtype} and ${x.dtype}`);
      if (x.shape.length !== r || x.shape.some((d, i) => i !== axis && d !== xs[0]!.shape[i]))
        ctx.fail(`input shapes [${xs[0]!.shape}] and [${x.shape}] differ outside axis ${axis}`);
      total += x.shape[axis]!;
    }
    const shape = [...xs[0]!.shape];
    shape[axis] = total;
    return [{ dtype: xs[0]!.dtype, shape }];
  },
  compute(ctx, te, ins, outs) {
    const xs = ins.map((t) => t!);
    const axis = ctx.axis(ctx.int("axis"), xs[0]!.shape.length);
    return [te.compute("concat", outs[0]!.shape, (idx) => {
      let offsets = 0;
      const parts = xs.map((x) => { const o = offsets; offsets += x.shape[axis]!; return { x, o }; });
      const live = parts.filter((p) => p.x.shape[axis]! > 0);
      if (live.length === 0) return at(xs[0]!, ...idx); // an empty output: never evaluated
      // A chain of selects for a few parts, a binary search over the offsets for many.
      const pick = (lo: number, hi: number): Expr => {
        if (hi - lo === 1) return readAt(live[lo]!);
        const mid = hi - lo <= 8 ? lo + 1 : (lo + hi) >> 1;
        return select(bin("lt", idx[axis]!, c(live[mid]!.o)), pick(lo, mid), pick(mid, hi));
      };
      return pick(0, live.length);
      function readAt(p: { x: typeof xs[0]; o: number }): Expr {
        const j = [...idx] as Expr[];
        j[axis] = bin("sub", idx[axis]!, c(p.o));
        return at(p.x!, ...j);
      }
    })];
  },
});

defineOp({
  op: "Gather", kind: "injective", attrs: ["axis"],
  infer(ctx) {
    const x = ctx.input(0), ind = ctx.input(1);
    ctx.dtypeIn(ind.dtype, ["i32", "i64"], "indices");
    if (x.shape.length === 0) ctx.fail("the data is a scalar", "Gather needs data of rank 1 or more");
    const axis = ctx.axis(ctx.int("axis", 0), x.shape.length);
    if (x.shape[axis] === 0 && numel(ind.shape) > 0) ctx.fail(`gathers from axis ${axis} of size 0`);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)] }];
  },
  compute(ctx, te, ins, outs) {
    const [x, ind] = [ins[0]!, ins[1]!];
    const axis = ctx.axis(ctx.int("axis", 0), x.shape.length);
    const n = x.shape[axis]!;
    return [te.compute("gather", outs[0]!.shape, (idx) => {
      const safe = safeIndex(at(ind, ...idx.slice(axis, axis + ind.shape.length)), n);
      return at(x, ...idx.slice(0, axis), safe, ...idx.slice(axis + ind.shape.length));
    })];
  },
});

defineOp({
  op: "Shape", kind: "opaque", attrs: ["start", "end"], shapeOnly: true,
  infer(ctx) {
    const [s, e] = shapeRange(ctx);
    return [{ dtype: "i64", shape: [Math.max(0, e - s)] }];
  },
  compute(ctx, te, ins, outs) {
    const [s] = shapeRange(ctx);
    const dims = ins[0]!.shape.slice(s, s + outs[0]!.shape[0]!);
    return [te.compute("shape", outs[0]!.shape, ([i]) => table(i!, dims, "i64"))];
  },
});

function shapeRange(ctx: OpCtx): [number, number] {
  const r = ctx.input(0).shape.length;
  const clampAxis = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
  return [clampAxis(ctx.int("start", 0)), clampAxis(ctx.int("end", r))];
}

/** values[i] as an expression, for small compile-time tables. */
export function table(i: Expr, values: number[], dtype: DType): Expr {
  let e: Expr = c(values[values.length - 1] ?? 0, dtype);
  for (let j = values.length - 2; j >= 0; j--) e = select(bin("eq", i, c(j)), c(values[j]!, dtype), e);
  return e;
}

defineOp({
  op: "Size", kind: "opaque", attrs: [], shapeOnly: true,
  infer: () => [{ dtype: "i64", shape: [] }],
  compute: (_ctx, te, ins) => [te.compute("size", [], () => c(numel(ins[0]!.shape), "i64"))],
});

defineOp({
  op: "Constant", kind: "opaque", requiredInputs: 0,
  attrs: ["value", "value_float", "value_floats", "value_int", "value_ints", "sparse_value", "value_string", "value_strings"],
  infer(ctx) {
    const t = constantValue(ctx);
    return [{ dtype: t.dtype, shape: t.shape }];
  },
  compute(ctx, te) {
    const t = constantValue(ctx);
    return [te.compute("constant", t.shape, (idx) => table(flatOf(idx, t.shape), toNumbers(t.data), t.dtype))];
  },
});

/** The tensor a Constant node holds. */
export function constantValue(ctx: OpCtx): Tensor {
  const t = ctx.tensor("value");
  if (t) return t;
  if (ctx.hasAttr("value_float")) return { dtype: "f32", shape: [], data: Float32Array.of(ctx.float("value_float")) };
  if (ctx.hasAttr("value_floats")) { const v = ctx.floats("value_floats"); return { dtype: "f32", shape: [v.length], data: Float32Array.from(v) }; }
  if (ctx.hasAttr("value_int")) return { dtype: "i64", shape: [], data: BigInt64Array.of(BigInt(ctx.int("value_int"))) };
  if (ctx.hasAttr("value_ints")) { const v = ctx.ints("value_ints"); return { dtype: "i64", shape: [v.length], data: BigInt64Array.from(v.map(BigInt)) }; }
  return ctx.fail("only tensor, float and int values are supported", "string and sparse constants cannot be compiled");
}

defineOp({
  op: "Expand", kind: "broadcast", attrs: [],
  infer(ctx) {
    const x = ctx.input(0);
    const s = toNumbers(ctx.requireConst(1, "the target shape").data);
    return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [x.shape, s]) }];
  },
  compute: (_ctx, te, ins, outs) => [te.compute("expand", outs[0]!.shape, (idx) => bcast(ins[0]!, idx))],
});

defineOp({
  op: "Slice", kind: "injective", attrs: ["starts", "ends", "axes"],
  infer(ctx) {
    const x = ctx.input(0);
    return [{ dtype: x.dtype, shape: sliceSpec(ctx, x.shape).map((s) => s.len) }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const spec = sliceSpec(ctx, x.shape);
    return [te.compute("slice", outs[0]!.shape, (idx) =>
      at(x, ...idx.map((v: Var, i) => bin("add", c(spec[i]!.start), bin("mul", v, c(spec[i]!.step))))))];
  },
});

interface SliceDim { start: number; step: number; len: number }

function sliceSpec(ctx: OpCtx, shape: number[]): SliceDim[] {
  const r = shape.length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.ints("starts"); ends = ctx.ints("ends"); axes = ctx.hasAttr("axes") ? ctx.ints("axes") : undefined;
  } else {
    starts = toNumbers(ctx.requireConst(1, "starts").data);
    ends = toNumbers(ctx.requireConst(2, "ends").data);
    axes = ctx.has(3) ? toNumbers(ctx.requireConst(3, "axes").data) : undefined;
    steps = ctx.has(4) ? toNumbers(ctx.requireConst(4, "steps").data) : undefined;
  }
  const dims: SliceDim[] = shape.map((d) => ({ start: 0, step: 1, len: d }));
  (axes ?? starts.map((_, i) => i)).forEach((a0, i) => {
    const a = ctx.axis(a0, r);
    const d = shape[a]!;
    const step = steps?.[i] ?? 1;
    if (step === 0) ctx.fail("a step is 0");
    let s = starts[i]!, e = ends[i]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const len = Math.max(0, Math.ceil((e - s) / step));
    dims[a] = { start: s, step, len };
  });
  return dims;
}

defineOp({
  op: "Split", kind: "injective", attrs: ["axis", "split", "num_outputs"],
  infer(ctx) {
    const x = ctx.input(0);
    const { axis, sizes } = splitSpec(ctx, x.shape);
    return sizes.map((d) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === axis ? d : e)) }));
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const { axis, sizes } = splitSpec(ctx, x.shape);
    let off = 0;
    return sizes.map((d, k) => {
      const o = off;
      off += d;
      return te.compute(`split${k}`, outs[k]!.shape, (idx) =>
        at(x, ...idx.map((v, i) => (i === axis ? bin("add", v, c(o)) : v))));
    });
  },
});

function splitSpec(ctx: OpCtx, shape: number[]): { axis: number; sizes: number[] } {
  const axis = ctx.axis(ctx.int("axis", 0), shape.length);
  const d = shape[axis]!;
  let sizes: number[];
  const n = ctx.node.outputs.length;
  if (ctx.opset >= 13 && ctx.has(1)) sizes = toNumbers(ctx.requireConst(1, "split").data);
  else if (ctx.opset < 13 && ctx.hasAttr("split")) sizes = ctx.ints("split");
  else if (ctx.hasAttr("num_outputs")) {
    const k = ctx.int("num_outputs");
    if (k < 1 || k > Math.max(d, 1)) ctx.fail(`num_outputs ${k} does not fit axis ${axis} of size ${d}`);
    // Uneven splits give every part ceil(d/k) elements except a smaller last one.
    const chunk = Math.ceil(d / k);
    sizes = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  } else {
    if (d % n !== 0) ctx.fail(`axis ${axis} of size ${d} does not split into ${n} equal parts`, "give the split sizes");
    sizes = new Array<number>(n).fill(d / n);
  }
  if (sizes.length !== n) ctx.fail(`split gives ${sizes.length} parts but the node has ${n} outputs`);
  if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== d)
    ctx.fail(`split sizes [${sizes}] do not add up to ${d}, the size of axis ${axis}`);
  return { axis, sizes };
}

defineOp({
  op: "Tile", kind: "injective", attrs: [],
  infer(ctx) {
    const x = ctx.input(0);
    const reps = toNumbers(ctx.requireConst(1, "repeats").data);
    if (reps.length !== x.shape.length) ctx.fail(`repeats has ${reps.length} values for an input of rank ${x.shape.length}`);
    if (reps.some((r) => r < 0)) ctx.fail(`repeats [${reps}] has a negative value`);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => d * reps[i]!) }];
  },
  compute(_ctx, te, ins, outs) {
    const x = ins[0]!;
    return [te.compute("tile", outs[0]!.shape, (idx) =>
      at(x, ...idx.map((v, i) => (x.shape[i] === 1 ? c(0) : bin("floormod", v, c(x.shape[i]!))))))];
  },
});
