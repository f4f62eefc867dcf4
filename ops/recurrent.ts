/**
 * @fileoverview Recurrent ops LSTM, GRU and RNN. The time loop is sequential, so each is one extern
 * stage: per step and batch row it forms the gate pre-activations from X, the previous state and
 * the biases, then updates the state held in scratch buffers.
 */
import { DType } from "../ir/dtype.ts";
import { TensorType } from "../ir/graph.ts";
import { Buffer, Expr, Stmt, Var, bin, c, cast, load, loop, mkVar, seq, select, store, un } from "../ir/tir.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { FLOATS, computeType } from "./util.ts";

type Cell = "LSTM" | "GRU" | "RNN";
type Act = (x: Expr) => Expr;

const GATES: Record<Cell, number> = { LSTM: 4, GRU: 3, RNN: 1 };
const ACTS_PER_DIR: Record<Cell, number> = { LSTM: 3, GRU: 2, RNN: 1 };
const DEFAULT_ACTS: Record<Cell, string[]> = { LSTM: ["Sigmoid", "Tanh", "Tanh"], GRU: ["Sigmoid", "Tanh"], RNN: ["Tanh"] };

const add = (a: Expr, b: Expr) => bin("add", a, b);
const mul = (a: Expr, b: Expr) => bin("mul", a, b);
/** Row-major flat index of `idx` in `shape`. */
const flat = (idx: Expr[], shape: number[]): Expr =>
  idx.reduce((acc, e, i) => (i === 0 ? e : add(mul(acc, c(shape[i]!)), e)), c(0));

interface Dims { S: number; B: number; I: number; H: number; D: number; layout: number }

function dims(ctx: OpCtx, cell: Cell): Dims {
  const x = ctx.input(0), w = ctx.input(1), r = ctx.input(2);
  const layout = ctx.int("layout", 0);
  if (layout !== 0 && layout !== 1) ctx.fail(`layout ${layout} is not supported`, "use 0 or 1");
  if (x.shape.length !== 3) ctx.fail(`X must have rank 3, got [${x.shape}]`);
  const [S, B] = layout === 0 ? [x.shape[0]!, x.shape[1]!] : [x.shape[1]!, x.shape[0]!];
  const I = x.shape[2]!;
  const D = direction(ctx) === "bidirectional" ? 2 : 1;
  const G = GATES[cell];
  if (w.shape.length !== 3 || w.shape[0] !== D || w.shape[2] !== I || w.shape[1]! % G !== 0)
    ctx.fail(`W has shape [${w.shape}], expected [${D}, ${G}*hidden_size, ${I}]`);
  const H = w.shape[1]! / G;
  if (ctx.hasAttr("hidden_size") && ctx.int("hidden_size") !== H)
    ctx.fail(`hidden_size ${ctx.int("hidden_size")} does not match W (${H})`, "fix the attribute or the weights");
  ctx.expectShape(2, [D, G * H, H]);
  for (const t of [x, w, r]) ctx.dtypeIn(t.dtype, FLOATS);
  const stateShape = layout === 0 ? [D, B, H] : [B, D, H];
  if (ctx.has(3)) ctx.expectShape(3, [D, 2 * G * H]);
  if (ctx.has(4)) {
    ctx.expectShape(4, [B]);
    ctx.dtypeIn(ctx.input(4).dtype, ["i32"], "sequence_lens");
  }
  if (ctx.has(5)) ctx.expectShape(5, stateShape);
  if (cell === "LSTM" && ctx.has(6)) ctx.expectShape(6, stateShape);
  if (cell === "LSTM" && ctx.has(7)) ctx.expectShape(7, [D, 3 * H]);
  return { S, B, I, H, D, layout };
}

function direction(ctx: OpCtx): string {
  const d = ctx.string("direction", "forward");
  if (d !== "forward" && d !== "reverse" && d !== "bidirectional")
    ctx.fail(`direction '${d}' is not supported`, "use forward, reverse or bidirectional");
  return d;
}

/** The activation functions for each direction, with their alpha/beta taken in order. */
function activations(ctx: OpCtx, cell: Cell, D: number, ct: DType): Act[][] {
  const n = ACTS_PER_DIR[cell];
  const names = ctx.strings("activations", []);
  const list = names.length ? names : Array.from({ length: D }, () => DEFAULT_ACTS[cell]).flat();
  if (list.length !== n * D) ctx.fail(`activations lists ${list.length} functions, expected ${n * D}`, `give ${n} per direction`);
  const alphas = ctx.floats("activation_alpha", []), betas = ctx.floats("activation_beta", []);
  let ai = 0, bi = 0;
  const k = (v: number) => c(v, ct);
  const alpha = (def: number) => (ai < alphas.length ? alphas[ai++]! : def);
  const beta = (def: number) => (bi < betas.length ? betas[bi++]! : def);
  const make = (name: string): Act => {
    switch (name.toLowerCase()) {
      case "sigmoid": return (x) => un("sigmoid", x);
      case "tanh": return (x) => un("tanh", x);
      case "relu": return (x) => bin("max", x, k(0));
      case "softsign": return (x) => bin("div", x, add(k(1), un("abs", x)));
      case "softplus": return (x) => un("log1p", un("exp", x));
      case "affine": { const a = alpha(1), b = beta(0); return (x) => add(mul(k(a), x), k(b)); }
      case "leakyrelu": { const a = alpha(0.01); return (x) => select(bin("ge", x, k(0)), x, mul(k(a), x)); }
      case "thresholdedrelu": { const a = alpha(1); return (x) => select(bin("gt", x, k(a)), x, k(0)); }
      case "scaledtanh": { const a = alpha(1), b = beta(1); return (x) => mul(k(a), un("tanh", mul(k(b), x))); }
      case "hardsigmoid": {
        const a = alpha(0.2), b = beta(0.5);
        return (x) => bin("max", k(0), bin("min", k(1), add(mul(k(a), x), k(b))));
      }
      case "elu": {
        const a = alpha(1);
        return (x) => select(bin("ge", x, k(0)), x, mul(k(a), un("expm1", x)));
      }
      default:
        return ctx.fail(`activation '${name}' is not supported`,
          "use Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign or Softplus");
    }
  };
  const acts = list.map(make);
  return Array.from({ length: D }, (_, d) => acts.slice(d * n, d * n + n));
}

function define(cell: Cell): void {
  // output_sequence (opset 1) only said whether Y is produced; the output list says that already.
  const attrs = ["activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout", "output_sequence"];
  if (cell === "LSTM") attrs.push("input_forget");
  if (cell === "GRU") attrs.push("linear_before_reset");
  const nOut = cell === "LSTM" ? 3 : 2;
  defineOp({
    op: cell, kind: "opaque", attrs,
    infer(ctx) {
      const { S, B, H, D, layout } = dims(ctx, cell);
      if (ctx.node.outputs.length > nOut) ctx.fail(`${cell} has at most ${nOut} outputs, got ${ctx.node.outputs.length}`);
      activations(ctx, cell, D, "f32");
      const dt = ctx.input(0).dtype;
      const y: TensorType = { dtype: dt, shape: layout === 0 ? [S, D, B, H] : [B, S, D, H] };
      const st: TensorType = { dtype: dt, shape: layout === 0 ? [D, B, H] : [B, D, H] };
      return [y, st, st].slice(0, Math.max(1, Math.min(nOut, ctx.node.outputs.length)));
    },
    compute(ctx, te, ins, outs) {
      const dm = dims(ctx, cell);
      const { S, B, H, D, layout } = dm;
      const G = GATES[cell];
      const dt = ins[0]!.dtype, ct = computeType(dt);
      const acts = activations(ctx, cell, D, ct);
      const dir = direction(ctx);
      const clipV = ctx.hasAttr("clip") ? ctx.float("clip") : undefined;
      const inputForget = cell === "LSTM" && ctx.int("input_forget", 0) !== 0;
      const lbr = cell === "GRU" && ctx.int("linear_before_reset", 0) !== 0;
      const present = ins.map((t, i) => (t ? i : -1)).filter((i) => i >= 0);
      const stShape = layout === 0 ? [D, B, H] : [B, D, H];
      const yShape = layout === 0 ? [S, D, B, H] : [B, S, D, H];
      const res = te.extern([
        { name: "Y", dtype: dt, shape: yShape },
        { name: "Y_h", dtype: dt, shape: stShape },
        { name: "Y_c", dtype: dt, shape: stShape },
        { name: "rnn_h", dtype: ct, shape: [D, B, H] },
        { name: "rnn_c", dtype: ct, shape: [D, B, H] },
        { name: "rnn_gates", dtype: ct, shape: [G * H] },
      ], present.map((i) => ins[i]!), (inBufs, [Y, Yh, Yc, Hs, Cs, Gb]) => {
        const inp = (i: number): Buffer | undefined => {
          const p = present.indexOf(i);
          return p < 0 ? undefined : inBufs[p];
        };
        const bufs: Bufs = {
          X: inp(0)!, W: inp(1)!, R: inp(2)!, Bias: inp(3), L: inp(4), H0: inp(5), C0: inp(6), P: inp(7),
          Y: Y!, Yh: Yh!, Yc: Yc!, Hs: Hs!, Cs: Cs!, Gb: Gb!,
        };
        const opts: Opts = { cell, dm, ct, dt, clipV, inputForget, lbr };
        return seq(...Array.from({ length: D }, (_, d) =>
          direction1(bufs, opts, d, dir === "reverse" || (dir === "bidirectional" && d === 1), acts[d]!)));
      });
      return res.slice(0, outs.length);
    },
  });
}

interface Bufs {
  X: Buffer; W: Buffer; R: Buffer; Bias?: Buffer; L?: Buffer; H0?: Buffer; C0?: Buffer; P?: Buffer;
  Y: Buffer; Yh: Buffer; Yc: Buffer; Hs: Buffer; Cs: Buffer; Gb: Buffer;
}
interface Opts { cell: Cell; dm: Dims; ct: DType; dt: DType; clipV?: number; inputForget: boolean; lbr: boolean }

/** One direction: initial state, the sequential time loop, then the final state outputs. */
function direction1(b: Bufs, o: Opts, d: number, reverse: boolean, acts: Act[]): Stmt {
  const { S, B, I, H, D, layout } = o.dm;
  const { cell, ct, dt } = o;
  const G = GATES[cell];
  const k = (v: number) => c(v, ct);
  const ld = (buf: Buffer, i: Expr) => cast(load(buf, i), ct);
  const clip = (x: Expr) => (o.clipV === undefined ? x : bin("min", bin("max", x, k(-o.clipV)), k(o.clipV)));
  const stIdx = (bb: Expr, j: Expr) => (layout === 0 ? flat([c(d), bb, j], [D, B, H]) : flat([bb, c(d), j], [B, D, H]));
  const sIdx = (bb: Expr, j: Expr) => flat([c(d), bb, j], [D, B, H]);
  const xIdx = (t: Expr, bb: Expr, i: Expr) => (layout === 0 ? flat([t, bb, i], [S, B, I]) : flat([bb, t, i], [B, S, I]));
  const yIdx = (t: Expr, bb: Expr, j: Expr) =>
    (layout === 0 ? flat([t, c(d), bb, j], [S, D, B, H]) : flat([bb, t, c(d), j], [B, S, D, H]));

  const init = loop(B, (bb) => loop(H, (j) => seq(
    store(b.Hs, sIdx(bb, j), b.H0 ? ld(b.H0, stIdx(bb, j)) : k(0)),
    store(b.Cs, sIdx(bb, j), b.C0 ? ld(b.C0, stIdx(bb, j)) : k(0)),
  ), "j"), "b");

  /** acc = biases + X[t]·W[gj] (+ Hprev·R[gj] when withR), returned as a declared variable. */
  const preact = (t: Expr, bb: Expr, gj: Expr, withR: boolean, hid: string): [Stmt, Var] => {
    const acc = mkVar(hid, ct);
    const GH = G * H;
    let bias: Expr = k(0);
    if (b.Bias) {
      bias = ld(b.Bias, add(c(d * 2 * GH), gj));
      if (withR) bias = add(bias, ld(b.Bias, add(c(d * 2 * GH + GH), gj)));
    }
    const stmts: Stmt[] = [
      { k: "decl", v: acc, init: bias },
      loop(I, (i) => ({ k: "assign", v: acc,
        value: add(acc, mul(ld(b.X, xIdx(t, bb, i)), ld(b.W, add(mul(add(c(d * GH), gj), c(I)), i)))) }), "i"),
    ];
    if (withR) stmts.push(loop(H, (kk) => ({ k: "assign", v: acc,
      value: add(acc, mul(load(b.Hs, sIdx(bb, kk)), ld(b.R, add(mul(add(c(d * GH), gj), c(H)), kk)))) }), "k"));
    return [seq(...stmts), acc];
  };

  const step = (t: Expr, bb: Expr): Stmt => {
    const hprev = (j: Expr) => load(b.Hs, sIdx(bb, j));
    const emit = (j: Expr, h: Expr): Stmt => {
      const hv = mkVar("h", ct);
      return seq({ k: "decl", v: hv, init: h }, store(b.Hs, sIdx(bb, j), hv), store(b.Y, yIdx(t, bb, j), cast(hv, dt)));
    };
    if (cell === "RNN") {
      return seq(
        loop(H, (j) => { const [s, a] = preact(t, bb, j, true, "acc"); return seq(s, store(b.Gb, j, acts[0]!(clip(a)))); }, "j"),
        loop(H, (j) => emit(j, load(b.Gb, j)), "j"));
    }
    if (cell === "LSTM") {
      const [f, g, h] = acts as [Act, Act, Act];
      const peep = (off: number, j: Expr, cv: Expr): Expr => (b.P ? mul(ld(b.P, add(c(d * 3 * H + off), j)), cv) : k(0));
      const update = (j: Var): Stmt => {
        const cp = mkVar("cprev", ct), ig = mkVar("ig", ct), fg = mkVar("fg", ct), cn = mkVar("cn", ct), og = mkVar("og", ct);
        const gate = (n: number) => load(b.Gb, add(c(n * H), j));
        return seq(
          { k: "decl", v: cp, init: load(b.Cs, sIdx(bb, j)) },
          { k: "decl", v: ig, init: f(clip(add(gate(0), peep(0, j, cp)))) },
          { k: "decl", v: fg, init: o.inputForget ? bin("sub", k(1), ig) : f(clip(add(gate(2), peep(2 * H, j, cp)))) },
          { k: "decl", v: cn, init: add(mul(fg, cp), mul(ig, g(clip(gate(3))))) },
          { k: "decl", v: og, init: f(clip(add(gate(1), peep(H, j, cn)))) },
          store(b.Cs, sIdx(bb, j), cn),
          emit(j, mul(og, h(clip(cn)))),
        );
      };
      return seq(
        loop(4 * H, (gj) => { const [s, a] = preact(t, bb, gj, true, "acc"); return seq(s, store(b.Gb, gj, a)); }, "g"),
        loop(H, update, "j"));
    }
    // GRU: z and r first, since the candidate needs r for every unit.
    const [f, g] = acts as [Act, Act];
    const GH = 3 * H;
    const rbh = (j: Expr): Expr => (b.Bias ? ld(b.Bias, add(c(d * 2 * GH + GH + 2 * H), j)) : k(0));
    const rRow = (j: Expr, kk: Expr) => ld(b.R, add(mul(add(c(d * GH + 2 * H), j), c(H)), kk));
    const cand = (j: Var): Stmt => {
      const [s, xh] = preact(t, bb, add(c(2 * H), j), false, "xh");
      const rh = mkVar("rh", ct);
      const r = (kk: Expr) => load(b.Gb, add(c(H), kk));
      const rSum = loop(H, (kk) => ({ k: "assign", v: rh,
        value: add(rh, o.lbr ? mul(hprev(kk), rRow(j, kk)) : mul(mul(r(kk), hprev(kk)), rRow(j, kk))) }), "k");
      const pre = o.lbr ? add(xh, mul(r(j), rh)) : add(xh, rh);
      return seq(s, { k: "decl", v: rh, init: rbh(j) }, rSum, store(b.Gb, add(c(2 * H), j), g(clip(pre))));
    };
    const upd = (j: Var): Stmt => {
      const z = load(b.Gb, j);
      return emit(j, add(mul(bin("sub", k(1), z), load(b.Gb, add(c(2 * H), j))), mul(z, hprev(j))));
    };
    return seq(
      loop(2 * H, (gj) => { const [s, a] = preact(t, bb, gj, true, "acc"); return seq(s, store(b.Gb, gj, f(clip(a)))); }, "g"),
      loop(H, cand, "j"),
      loop(H, upd, "j"));
  };

  const time = loop(S, (t) => loop(B, (bb) => {
    const len = mkVar("len");
    const lenInit: Expr = b.L ? bin("min", bin("max", cast(load(b.L, bb), "i32"), c(0)), c(S)) : c(S);
    const tt = reverse ? bin("sub", bin("sub", len, c(1)), t) : t;
    const zeros = loop(H, (j) => store(b.Y, yIdx(t, bb, j), cast(k(0), dt)), "j");
    return seq(
      { k: "decl", v: len, init: lenInit },
      { k: "if", c: bin("lt", t, len), then: step(tt, bb), else: zeros },
    );
  }, "b"), "t");

  const fin = loop(B, (bb) => loop(H, (j) => seq(
    store(b.Yh, stIdx(bb, j), cast(load(b.Hs, sIdx(bb, j)), dt)),
    store(b.Yc, stIdx(bb, j), cast(load(b.Cs, sIdx(bb, j)), dt)),
  ), "j"), "b");
  return seq(init, time, fin);
}

for (const cell of ["LSTM", "GRU", "RNN"] as const) define(cell);
