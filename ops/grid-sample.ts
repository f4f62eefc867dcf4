/**
 * @fileoverview GridSample (N-D): nearest, linear and cubic sampling of X at normalised grid
 * positions, with zeros, border and reflection padding.
 */
import { DType } from "../ir/dtype.ts";
import { Expr, bin, c, cast, select, un } from "../ir/tir.ts";
import { at } from "./te.ts";
import { defineOp } from "./registry.ts";
import { FLOATS, computeType } from "./util.ts";

const MODES: Record<string, "nearest" | "linear" | "cubic"> = {
  nearest: "nearest", linear: "linear", bilinear: "linear", cubic: "cubic", bicubic: "cubic",
};

/** Reflects x into [lo, hi] by folding at the nearer border until inside. */
function reflect(x: Expr, lo: number, hi: number, ct: DType): Expr {
  const rng = c(hi - lo, ct);
  const fold = (dx: Expr, near: number, far: number) => {
    const n = un("trunc", bin("div", dx, rng));
    const r = bin("sub", dx, bin("mul", n, rng));
    const even = bin("eq", bin("fmod", n, c(2, ct)), c(0, ct));
    return select(even, bin(near === lo ? "add" : "sub", c(near, ct), r), bin(far === lo ? "add" : "sub", c(far, ct), r));
  };
  return select(bin("lt", x, c(lo, ct)), fold(bin("sub", c(lo, ct), x), lo, hi),
    select(bin("gt", x, c(hi, ct)), fold(bin("sub", x, c(hi, ct)), hi, lo), x));
}

/** Keys cubic convolution weights (alpha -0.75) for taps -1..2 at fraction t. */
function cubicWeights(t: Expr, ct: DType): Expr[] {
  const a = -0.75;
  const k = (v: number) => c(v, ct);
  const far = (x: Expr) => bin("sub", bin("mul", bin("add", bin("mul", bin("sub", bin("mul", k(a), x), k(5 * a)), x), k(8 * a)), x), k(4 * a));
  const near = (x: Expr) => bin("add", bin("mul", bin("mul", bin("sub", bin("mul", k(a + 2), x), k(a + 3)), x), x), k(1));
  const one = (v: number) => bin("add", t, k(v));
  return [far(one(1)), near(t), near(bin("sub", k(1), t)), far(bin("sub", k(2), t))];
}

defineOp({
  op: "GridSample", kind: "opaque", attrs: ["align_corners", "mode", "padding_mode"],
  infer(ctx) {
    const x = ctx.input(0), g = ctx.input(1);
    ctx.dtypeIn(x.dtype, FLOATS);
    ctx.dtypeIn(g.dtype, FLOATS, "grid");
    const r = x.shape.length - 2;
    if (r < 1) ctx.fail(`X must be [N, C, spatial...], got rank ${x.shape.length}`);
    if (g.shape.length !== r + 2 || g.shape[0] !== x.shape[0] || g.shape[r + 1] !== r)
      ctx.fail(`grid must be [${x.shape[0]}, out..., ${r}] for ${r} spatial dims, got [${g.shape}]`);
    const mode = ctx.string("mode", ctx.opset >= 20 ? "linear" : "bilinear");
    if (!MODES[mode]) ctx.fail(`mode '${mode}' is not one of nearest, linear, cubic`);
    const pad = ctx.string("padding_mode", "zeros");
    if (!["zeros", "border", "reflection"].includes(pad)) ctx.fail(`padding_mode '${pad}' is not one of zeros, border, reflection`);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, ...g.shape.slice(1, r + 1)] }];
  },
  compute(ctx, te, ins, outs) {
    const [x, g] = [ins[0]!, ins[1]!];
    const dims = x.shape.slice(2);
    const r = dims.length;
    const mode = MODES[ctx.string("mode", ctx.opset >= 20 ? "linear" : "bilinear")]!;
    const pad = ctx.string("padding_mode", "zeros");
    const align = ctx.int("align_corners", 0) === 1;
    const ct = computeType(x.dtype) === "f64" || computeType(g.dtype) === "f64" ? "f64" : "f32";
    const lo = (i: number) => (align ? 0 : -0.5), hi = (i: number) => (align ? dims[i]! - 1 : dims[i]! - 0.5);
    return [te.compute("gridsample", outs[0]!.shape, ([n, ch, ...o]) => {
      // Grid coordinates come in reverse spatial order (x = last dim).
      const pos = dims.map((d, i) => {
        const gv = cast(at(g, n!, ...o, c(r - 1 - i)), ct);
        let p = align ? bin("mul", bin("div", bin("add", gv, c(1, ct)), c(2, ct)), c(d - 1, ct))
          : bin("div", bin("sub", bin("mul", bin("add", gv, c(1, ct)), c(d, ct)), c(1, ct)), c(2, ct));
        // Nearest rounds half to even in every rank.
        if (mode === "nearest") p = un("round", p);
        const out = bin("lor", bin("lt", p, c(lo(i), ct)), bin("gt", p, c(hi(i), ct)));
        if (pad === "border") p = select(out, bin("min", bin("max", p, c(0, ct)), c(d - 1, ct)), p);
        else if (pad === "reflection") p = reflect(p, lo(i), hi(i), ct);
        return p;
      });
      // Pixel index along dim i, with padding applied; `ok` is false where zeros padding reads 0.
      const pixel = (idx: Expr[]) => {
        let ok: Expr | undefined;
        const safe = idx.map((v, i) => {
          const d = dims[i]!;
          if (pad === "zeros") {
            const inside = bin("land", bin("ge", v, c(0)), bin("lt", v, c(d)));
            ok = ok ? bin("land", ok, inside) : inside;
            return bin("min", bin("max", v, c(0)), c(d - 1));
          }
          if (pad === "border") return bin("min", bin("max", v, c(0)), c(d - 1));
          const refl = cast(reflect(cast(v, ct), lo(i), hi(i), ct), "i32");
          return bin("min", bin("max", refl, c(0)), c(d - 1));
        });
        const val = cast(at(x, n!, ch!, ...safe), ct);
        return ok ? select(ok, val, c(0, ct)) : val;
      };
      if (mode === "nearest") return pixel(pos.map((p) => cast(p, "i32")));
      const base = pos.map((p) => un("floor", p));
      const frac = pos.map((p, i) => bin("sub", p, base[i]!));
      const taps = mode === "linear" ? [0, 1] : [-1, 0, 1, 2];
      const weights = frac.map((t) => (mode === "linear" ? [bin("sub", c(1, ct), t), t] : cubicWeights(t, ct)));
      let sum: Expr | undefined;
      const combo = (i: number, idx: Expr[], w: Expr | undefined): void => {
        if (i === r) {
          const term = bin("mul", w!, pixel(idx));
          sum = sum ? bin("add", sum, term) : term;
          return;
        }
        taps.forEach((tp, j) => {
          const ix = bin("add", cast(base[i]!, "i32"), c(tp));
          combo(i + 1, [...idx, ix], w ? bin("mul", w, weights[i]![j]!) : weights[i]![j]!);
        });
      };
      combo(0, [], undefined);
      return sum!;
    }, { dtype: outs[0]!.dtype })];
  },
});
