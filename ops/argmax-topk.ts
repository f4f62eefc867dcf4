/**
 * @fileoverview Index-producing and scan ops along one axis: ArgMax, ArgMin, TopK, CumSum, CumProd.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { Expr, Stmt, TensorRef, Var, bin, c, cast, load, loop, mkVar, seq, select, store, un } from "../ir/tir.ts";
import { TE, at, flatIndex, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { NUMERIC, computeType } from "./util.ts";

/** Splits a shape around `axis` into (outer, n, inner) extents. */
function around(shape: number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return [outer, shape[axis]!, inner];
}

for (const op of ["ArgMax", "ArgMin"] as const) {
  const axisOf = (ctx: OpCtx) => ctx.axis(ctx.int("axis", 0), ctx.input(0).shape.length);
  defineOp({
    op, kind: "reduce", attrs: ["axis", "keepdims", "select_last_index"],
    infer(ctx) {
      const x = ctx.input(0);
      ctx.dtypeIn(x.dtype, NUMERIC);
      if (!x.shape.length) ctx.fail(`the input is a scalar; ${op} needs a tensor of rank 1 or more`);
      const axis = axisOf(ctx);
      if (x.shape[axis] === 0) ctx.fail("the reduced axis is empty, so there is no index to return");
      const keep = ctx.int("keepdims", 1) === 1;
      return [{ dtype: "i64", shape: keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis) }];
    },
    compute(ctx, te, ins, outs) {
      const x = ins[0]!;
      const axis = axisOf(ctx);
      const keep = ctx.int("keepdims", 1) === 1;
      const last = ctx.int("select_last_index", 0) === 1;
      const n = x.shape[axis]!;
      const ct = isFloat(x.dtype) ? computeType(x.dtype) : x.dtype;
      const xAt = (idx: Expr[], r: Expr) => {
        const full = keep ? idx.map((v, i) => (i === axis ? r : v)) : [...idx.slice(0, axis), r, ...idx.slice(axis)];
        return cast(at(x, ...full), ct);
      };
      const best = te.compute(`${op.toLowerCase()}_val`, outs[0]!.shape, (idx) =>
        reduce(op === "ArgMax" ? "max" : "min", [n], ([r]) => xAt(idx, r!)), { dtype: ct });
      // The first (or last) position holding the extreme value.
      return [te.compute(op.toLowerCase(), outs[0]!.shape, (idx) => {
        const hit = (r: Var) => bin("eq", xAt(idx, r), at(best, ...idx));
        const pos = last
          ? reduce("max", [n], ([r]) => select(hit(r!), r!, c(-1)), c(-1))
          : reduce("min", [n], ([r]) => select(hit(r!), r!, c(n)), c(n));
        // A NaN extreme matches nothing; report index 0 rather than an out-of-range one.
        return select(bin("land", bin("ge", pos, c(0)), bin("lt", pos, c(n))), pos, c(0));
      }, { dtype: "i64" })];
    },
  });
}

function topkParams(ctx: OpCtx): { axis: number; k: number } {
  const x = ctx.input(0);
  const axis = ctx.axis(ctx.int("axis", -1), x.shape.length);
  let k: number;
  if (ctx.opset >= 10) {
    const kt = ctx.requireConst(1, "k");
    const ks = toNumbers(kt.data);
    if (ks.length !== 1) ctx.fail(`k must hold one value, got ${ks.length}`);
    k = ks[0]!;
  } else {
    k = ctx.int("k");
  }
  if (k < 0 || k > x.shape[axis]!) ctx.fail(`k = ${k} is outside [0, ${x.shape[axis]}] for axis ${axis}`);
  return { axis, k };
}

defineOp({
  op: "TopK", kind: "opaque", attrs: ["axis", "k", "largest", "sorted"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, NUMERIC);
    const { axis, k } = topkParams(ctx);
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    return [{ dtype: x.dtype, shape }, { dtype: "i64", shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const { axis, k } = topkParams(ctx);
    const largest = ctx.int("largest", 1) === 1;
    const [outer, n, inner] = around(x.shape, axis);
    const ct = isFloat(x.dtype) ? computeType(x.dtype) : x.dtype;
    return te.extern([{ name: "topk_values", ...outs[0]! }, { name: "topk_indices", ...outs[1]! }], [x], ([xb], [vb, ib]) => {
      // Each element's place in the stable order is the count of elements ranked before it.
      const body = (o: Var, q: Var): Stmt => loop(n, (i) => {
        const xv = (j: Expr) => cast(load(xb!, flatIndex([o, j, q], [outer, n, inner])), ct);
        const rank = mkVar("rank");
        // NaN ranks above every number, so the order is total and every output slot is filled.
        const before = (j: Var) => {
          const [a, b] = [xv(j), xv(i)];
          let better = bin(largest ? "gt" : "lt", a, b);
          let same = bin("eq", a, b);
          if (isFloat(x.dtype)) {
            const na = un("isnan", a), nb = un("isnan", b);
            better = bin("lor", better, largest ? bin("land", na, un("lnot", nb)) : bin("land", un("lnot", na), nb));
            same = bin("lor", same, bin("land", na, nb));
          }
          return bin("lor", better, bin("land", same, bin("lt", j, i)));
        };
        const dst = (r: Expr) => flatIndex([o, r, q], [outer, k, inner]);
        return seq(
          { k: "decl", v: rank, init: c(0) },
          loop(n, (j) => ({ k: "assign", v: rank, value: bin("add", rank, cast(before(j), "i32")) }), "j"),
          { k: "if", c: bin("lt", rank, c(k)), then: seq(
            store(vb!, dst(rank), load(xb!, flatIndex([o, i, q], [outer, n, inner]))),
            store(ib!, dst(rank), cast(i, "i64"))) },
        );
      }, "i");
      return k === 0 ? seq() : loop(outer, (o) => loop(inner, (q) => body(o, q), "q"), "o");
    });
  },
});

/** Running sums and products share one scan; `op` combines, `identity` starts it. */
const SCANS = [["CumSum", "add", 0], ["CumProd", "mul", 1]] as const;
type ScanOp = (typeof SCANS)[number][1];

for (const [name, op, identity] of SCANS) defineOp({
  op: name, kind: "opaque", attrs: ["exclusive", "reverse"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, NUMERIC);
    if (x.shape.length === 0) ctx.fail("input must have rank >= 1");
    ctx.dtypeIn(ctx.input(1).dtype, ["i32", "i64"], "axis");
    cumsumAxis(ctx);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const axis = cumsumAxis(ctx);
    const exclusive = ctx.int("exclusive", 0) === 1;
    const reverse = ctx.int("reverse", 0) === 1;
    const ct = isFloat(x.dtype) ? computeType(x.dtype) : x.dtype;
    if (axis === undefined) return [scanRuntimeAxis(te, x, ins[1]!, { op, identity, exclusive, reverse, ct })];
    const [outer, n, inner] = around(x.shape, axis);
    return te.extern([{ name: name.toLowerCase(), ...outs[0]! }], [x], ([xb], [yb]) => {
      const at3 = (o: Expr, i: Expr, q: Expr) => flatIndex([o, i, q], [outer, n, inner]);
      return loop(outer, (o) => loop(inner, (q) => {
        const acc = mkVar("acc", ct);
        const step = loop(n, (s) => {
          const i = reverse ? bin("sub", c(n - 1), s) : s;
          const next: Stmt = { k: "assign", v: acc, value: bin(op, acc, cast(load(xb!, at3(o, i, q)), ct)) };
          const put = store(yb!, at3(o, i, q), cast(acc, x.dtype));
          return exclusive ? seq(put, next) : seq(next, put);
        }, "s");
        return seq({ k: "decl", v: acc, init: c(identity, ct) }, step);
      }, "q"), "o");
    });
  },
});

/** The axis when it is a compile-time constant; undefined when it arrives at run time. */
function cumsumAxis(ctx: OpCtx): number | undefined {
  const t = ctx.constant(1);
  if (!t) {
    if (ctx.input(1).shape.reduce((a, b) => a * b, 1) !== 1) ctx.fail("axis must hold one value");
    return undefined;
  }
  const a = toNumbers(t.data);
  if (a.length !== 1) ctx.fail(`axis must hold one value, got ${a.length}`);
  return ctx.axis(a[0]!, ctx.input(0).shape.length);
}

interface ScanSpec { op: ScanOp; identity: number; exclusive: boolean; reverse: boolean; ct: DType }

/** A scan whose axis is only known when the model runs: each output combines along a runtime stride. */
function scanRuntimeAxis(te: TE, x: TensorRef, axisT: TensorRef, { op, identity, exclusive, reverse, ct }: ScanSpec): TensorRef {
  const r = x.shape.length;
  const strides = x.shape.map((_, d) => x.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const maxN = Math.max(...x.shape);
  const total = x.shape.reduce((a, b) => a * b, 1);
  return te.extern([{ name: "cumsum", dtype: x.dtype, shape: x.shape }], [x, axisT], ([xb, ab], [yb]) => {
    const raw = cast(load(ab!, c(0)), "i32");
    const a = mkVar("axis"), inner = mkVar("inner"), n = mkVar("n");
    // Out-of-range axes fall back to the last axis rather than reading out of bounds.
    const norm = select(bin("lt", raw, c(0)), bin("add", raw, c(r)), raw);
    const pick = (vals: number[]) => vals.reduce<Expr>((e, v, d) => select(bin("eq", a, c(d)), c(v), e), c(vals[r - 1]!));
    const body = loop(total, (p) => {
      const i = mkVar("pos"), base = mkVar("base"), acc = mkVar("acc", ct);
      const inRange = (t: Var) => {
        const cmp = reverse ? (exclusive ? "gt" : "ge") : (exclusive ? "lt" : "le");
        return bin("land", bin("lt", t, n), bin(cmp, t, i));
      };
      return seq(
        { k: "decl", v: i, init: bin("floormod", bin("floordiv", p, inner), n) },
        { k: "decl", v: base, init: bin("sub", p, bin("mul", i, inner)) },
        { k: "decl", v: acc, init: c(identity, ct) },
        loop(maxN, (t) => ({ k: "if", c: inRange(t), then: { k: "assign", v: acc,
          value: bin(op, acc, cast(load(xb!, bin("add", base, bin("mul", t, inner))), ct)) } }), "t"),
        store(yb!, p, cast(acc, x.dtype)),
      );
    }, "p");
    return seq(
      { k: "decl", v: a, init: norm },
      { k: "assign", v: a, value: select(bin("land", bin("ge", a, c(0)), bin("lt", a, c(r))), a, c(r - 1)) },
      { k: "decl", v: inner, init: pick(strides) },
      { k: "decl", v: n, init: pick(x.shape) },
      body,
    );
  })[0]!;
}
