/**
 * @fileoverview Matrix products: Gemm and MatMul.
 */
import { Expr, Var, bin, c, cast } from "../ir/tir.ts";
import { at, reduce } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { NUMERIC, bcast, broadcastShapes, broadcastsTo, computeType, k } from "./util.ts";
import { isFloat } from "../ir/dtype.ts";

defineOp({
  op: "Gemm",
  kind: "out-ewise-fusable",
  attrs: ["alpha", "beta", "transA", "transB", "broadcast"],
  infer(ctx) {
    const a = ctx.input(0), b = ctx.input(1);
    ctx.dtypeIn(a.dtype, NUMERIC);
    if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail("A and B must be matrices");
    const ta = ctx.int("transA", 0), tb = ctx.int("transB", 0);
    const [m, ka] = ta ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [kb, n] = tb ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (ka !== kb) ctx.fail(`inner dimensions differ: ${ka} and ${kb}`);
    for (const i of [1, 2]) if (ctx.has(i) && ctx.input(i).dtype !== a.dtype) ctx.fail(`input ${i} is ${ctx.input(i).dtype} but A is ${a.dtype}`);
    if (ctx.has(2)) broadcastsTo(ctx, 2, [m, n], "C");
    if (!isFloat(a.dtype))
      for (const name of ["alpha", "beta"]) {
        const v = ctx.float(name, 1);
        if (!Number.isInteger(v)) ctx.fail(`${name} = ${v} is not an integer, and A is ${a.dtype}`, "integer Gemm takes integer alpha and beta");
      }
    return [{ dtype: a.dtype, shape: [m, n] }];
  },
  compute(ctx, te, ins, outs) {
    const [a, b, cc] = ins;
    const ta = ctx.int("transA", 0), tb = ctx.int("transB", 0);
    const alpha = ctx.float("alpha", 1), beta = ctx.float("beta", 1);
    const kk = ta ? a!.shape[0]! : a!.shape[1]!;
    const ct = computeType(a!.dtype);
    return [te.compute("gemm", outs[0]!.shape, ([i, j]) => {
      let acc = reduce("sum", [kk], ([r]) =>
        bin("mul", cast(ta ? at(a!, r!, i!) : at(a!, i!, r!), ct), cast(tb ? at(b!, j!, r!) : at(b!, r!, j!), ct)));
      if (alpha !== 1) acc = bin("mul", acc, k(alpha, a!.dtype));
      if (cc && beta !== 0) {
        let cv = cast(bcast(cc, [i!, j!]), ct);
        if (beta !== 1) cv = bin("mul", cv, k(beta, a!.dtype));
        acc = bin("add", acc, cv);
      }
      return acc;
    }, { dtype: outs[0]!.dtype })];
  },
});

/** numpy.matmul output shape (1-D operands promoted and the added dim dropped). */
export function matmulShape(ctx: OpCtx, a: number[], b: number[]): number[] {
  if (a.length === 0 || b.length === 0) ctx.fail("inputs must not be scalars");
  const as = a.length === 1 ? [1, a[0]!] : a;
  const bs = b.length === 1 ? [b[0]!, 1] : b;
  if (as[as.length - 1] !== bs[bs.length - 2])
    ctx.fail(`inner dimensions differ: [${a}] x [${b}]`);
  const batch = broadcastShapes(ctx, [as.slice(0, -2), bs.slice(0, -2)]);
  const shape = [...batch];
  if (a.length > 1) shape.push(as[as.length - 2]!);
  if (b.length > 1) shape.push(bs[bs.length - 1]!);
  return shape;
}

/**
 * For an output index of a numpy.matmul, the index into A and B at reduction position r, plus
 * the row i and column j (undefined where an operand is 1-D).
 */
export function matmulIndex(a: number[], b: number[], idx: Var[]) {
  const full: Var[] = [...idx];
  const i = a.length > 1 ? full.splice(full.length - (b.length > 1 ? 2 : 1), 1)[0]! : undefined;
  const j = b.length > 1 ? full.pop()! : undefined;
  const batch = full;
  return {
    i, j, batch,
    ai: (r: Expr): Expr[] => (a.length === 1 ? [r] : [...bcastBatch(a.slice(0, -2), batch), i!, r]),
    bi: (r: Expr): Expr[] => (b.length === 1 ? [r] : [...bcastBatch(b.slice(0, -2), batch), r, j!]),
  };
}

defineOp({
  op: "MatMul",
  kind: "out-ewise-fusable",
  attrs: [],
  infer(ctx) {
    const a = ctx.input(0), b = ctx.input(1);
    ctx.dtypeIn(a.dtype, NUMERIC);
    if (a.dtype !== b.dtype) ctx.fail(`inputs mix ${a.dtype} and ${b.dtype}`);
    return [{ dtype: a.dtype, shape: matmulShape(ctx, a.shape, b.shape) }];
  },
  compute(_ctx, te, ins, outs) {
    const [a, b] = [ins[0]!, ins[1]!];
    const ct = computeType(a.dtype);
    const kk = a.shape[a.shape.length - 1]!;
    return [te.compute("matmul", outs[0]!.shape, (idx) => {
      const m = matmulIndex(a.shape, b.shape, idx);
      return reduce("sum", [kk], ([r]) => bin("mul", cast(at(a, ...m.ai(r!)), ct), cast(at(b, ...m.bi(r!)), ct)));
    }, { dtype: a.dtype })];
  },
});

function bcastBatch(shape: number[], batch: Var[]): Expr[] {
  const off = batch.length - shape.length;
  return shape.map((d, i) => (d === 1 ? c(0) : batch[off + i]!));
}
