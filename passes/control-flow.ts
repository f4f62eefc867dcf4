/**
 * @fileoverview Builds If, Loop and Scan nodes as program steps. Each subgraph is compiled by the
 * same pipeline into its own program, whose storage is then moved into the enclosing one: its
 * inputs and outputs become the enclosing storage they are bound to, its arena a scratch region
 * of the enclosing arena, its weights a part of the enclosing weights. Loop-carried values live
 * in the node's outputs, copied from a scratch copy after each iteration; scan slices are storage
 * offset by the loop counter.
 */
import { byteSize } from "../ir/dtype.ts";
import { Graph, Node, Tensor, TensorType, numel } from "../ir/graph.ts";
import { Buffer, PrimFunc } from "../ir/tir.ts";
import { check } from "../ir/diagnostics.ts";
import { opCtx } from "../ops/infer.ts";
import { interpret } from "./interpret.ts";
import { analyzeIf, analyzeLoop, analyzeScan } from "../ops/control-flow.ts";
import { BuildOptions, buildProgram } from "./program.ts";
import { KernelStep, Program, Slice, Step, Storage } from "../ir/program.ts";
import { capturesOf } from "../ir/captures.ts";
import { TE, at } from "../ops/te.ts";
import { lowerTE } from "./lower-te.ts";

/** What a control-flow node needs from the enclosing program, and how to build its steps then. */
export interface ControlPlan {
  /** Enclosing values read and written; scratch regions of the enclosing arena. */
  inputs: string[];
  outputs: string[];
  scratch: Buffer[];
  /** `args` holds the storage of inputs, outputs and scratch, in that order. */
  build(args: Storage[], addWeights: (bytes: Uint8Array) => number): Step[];
}

function must<T>(x: T | undefined, name: string): T {
  check(x !== undefined, `subgraph input ${name} is bound to nothing`);
  return x;
}

const tbytes = (t: TensorType) => numel(t.shape) * byteSize(t.dtype);

/** The storage `bytes` further on, moving with the given loops too. */
export function shift(base: Storage, bytes: number, per: Slice["per"] = []): Storage {
  const all = [...(base.slice?.per ?? []), ...per];
  let extra = base.slice?.offset ?? 0;
  let s: Storage;
  if (base.kind === "weight" || base.kind === "arena") s = { kind: base.kind, offset: base.offset + bytes };
  else { s = { kind: base.kind, index: base.index }; extra += bytes; }
  if (all.length || extra) s.slice = { offset: extra, per: all };
  return s;
}

interface Binding { inputs: Storage[]; outputs: Storage[]; arena: Storage; weights: number }

/** A subprogram's steps with its storage moved into the enclosing program. */
function embed(steps: readonly Step[], b: Binding): Step[] {
  const move = (s: Storage): Storage => {
    const base = s.kind === "input" ? b.inputs[s.index]! : s.kind === "output" ? b.outputs[s.index]!
      : s.kind === "weight" ? { kind: "weight" as const, offset: b.weights + s.offset } : shift(b.arena, s.offset);
    return shift(base, s.slice?.offset ?? 0, s.slice?.per);
  };
  return steps.map((st): Step => {
    switch (st.kind) {
      case "kernel": return { ...st, args: st.args.map(move) };
      case "if": return { ...st, cond: move(st.cond), then: embed(st.then, b), else: embed(st.else, b) };
      case "loop": return {
        ...st, trip: typeof st.trip === "object" ? move(st.trip) : st.trip,
        cond: st.cond && move(st.cond), counter: st.counter && move(st.counter), body: embed(st.body, b),
      };
    }
  });
}

function kernelOf(name: string, t: TensorType, f: (te: TE, x: ReturnType<TE["placeholder"]>) => ReturnType<TE["compute"]>): PrimFunc {
  const te = new TE();
  const x = te.placeholder("x", t.dtype, t.shape);
  return lowerTE(te, name, [x], [f(te, x)]).func;
}

function copyKernel(t: TensorType, opts: BuildOptions): PrimFunc {
  const key = `${t.dtype}[${t.shape}]`;
  let k = opts.shared!.copies.get(key);
  if (!k) opts.shared!.copies.set(key, (k = kernelOf("copy", t, (te, x) => te.compute("copy", t.shape, (idx) => at(x, ...idx), { materialize: true }))));
  return k;
}

/** Collects a plan's enclosing values and scratch, handing out their positions in `args`. */
class Needs {
  inputs: string[] = [];
  outputs: string[] = [];
  scratch: Buffer[] = [];
  input(v: string): (a: Storage[]) => Storage {
    const i = this.inputs.push(v) - 1;
    return (a) => a[i]!;
  }
  output(v: string): (a: Storage[]) => Storage {
    const i = this.outputs.push(v) - 1;
    return (a) => a[this.inputs.length + i]!;
  }
  region(bytes: number): (a: Storage[]) => Storage {
    const i = this.scratch.push({ name: `cf${this.scratch.length}`, dtype: "u8", shape: [Math.max(bytes, 1)], scope: "scratch" }) - 1;
    return (a) => a[this.inputs.length + this.outputs.length + i]!;
  }
  /** An enclosing output, or scratch when the node's output is unused. */
  outputOr(v: string | undefined, bytes: number): (a: Storage[]) => Storage {
    return v ? this.output(v) : this.region(bytes);
  }
  plan(build: ControlPlan["build"]): ControlPlan {
    return { inputs: this.inputs, outputs: this.outputs, scratch: this.scratch, build };
  }
}

/** Compiles a prepared subgraph into its own program, through the enclosing graph's passes. */
function compileBody(sub: Graph, opts: BuildOptions): Program {
  opts.passes?.(sub);
  // Inputs nothing reads (an unused iteration number, a capture folded away) need no binding.
  const read = new Set([...sub.nodes.flatMap((m) => m.inputs), ...sub.outputs]);
  sub.inputs = sub.inputs.filter((v) => read.has(v));
  return buildProgram(sub, opts);
}

/** Storage getters of a subprogram's runtime inputs, by name: its own inputs, then captures. */
function captureBinder(n: Node, needs: Needs): (name: string) => ((a: Storage[]) => Storage) | undefined {
  const { names, declared } = capturesOf(n);
  const got = new Map<string, (a: Storage[]) => Storage>();
  return (name) => {
    const i = names.indexOf(name);
    if (i < 0) return undefined;
    let f = got.get(name);
    if (!f) got.set(name, (f = needs.input(n.inputs[declared + i]!)));
    return f;
  };
}

export function planControl(g: Graph, n: Node, opts: BuildOptions): ControlPlan {
  switch (n.op) {
    case "If": return planIf(g, n, opts);
    case "Loop": return planLoop(g, n, opts);
    case "Scan": return planScan(g, n, opts);
  }
  throw new Error(`${n.op} is not a control-flow op`);
}

function planIf(g: Graph, n: Node, opts: BuildOptions): ControlPlan {
  const plan = analyzeIf(opCtx(g, n));
  const used = plan.outputs.map((_, i) => !!n.outputs[i]);
  const branches = [plan.then, plan.else].map((sub) => {
    if (!sub) return undefined;
    sub.outputs = sub.outputs.filter((_, i) => used[i]);
    return { sub, prog: compileBody(sub, opts) };
  });
  const needs = new Needs();
  const cond = plan.then && plan.else ? needs.input(n.inputs[0]!) : undefined;
  const outs = n.outputs.filter((o) => o).map((o) => needs.output(o));
  const capture = captureBinder(n, needs);
  const ins = branches.map((b) => b?.sub.inputs.map((name) => must(capture(name), name)));
  const arena = needs.region(Math.max(...branches.map((b) => b?.prog.arenaBytes ?? 0)));
  return needs.plan((args, addWeights) => {
    const parts = branches.map((b, i) => b && embed(b.prog.steps, {
      inputs: ins[i]!.map((f) => f(args)), outputs: outs.map((f) => f(args)), arena: arena(args), weights: addWeights(b.prog.weights),
    }));
    if (!cond) return (parts[0] ?? parts[1])!;
    return [{ kind: "if", cond: cond(args), then: parts[0]!, else: parts[1]!, op: n.op, node: n.name }];
  });
}

function planLoop(g: Graph, n: Node, opts: BuildOptions): ControlPlan {
  const plan = analyzeLoop(opCtx(g, n));
  const sub = plan.body;
  const body = n.attrs.body!.value as Graph;
  const carriedNames = body.inputs.slice(2);
  const types = plan.outputs;
  const id = opts.shared!.nextLoop++;
  // Body outputs kept: the condition when checked at run time, the carried values, used scans.
  const scanUsed = Array.from({ length: plan.scans }, (_, j) => !!n.outputs[plan.carried + j]);
  sub.outputs = sub.outputs.filter((_, i) => (i === 0 ? plan.condAtRuntime : i <= plan.carried || scanUsed[i - 1 - plan.carried]));
  const prog = compileBody(sub, opts);
  const needs = new Needs();
  const trip = plan.trip === "input" ? needs.input(n.inputs[0]!) : undefined;
  const condIn = plan.condAtRuntime && n.inputs[1] ? needs.input(n.inputs[1]) : undefined;
  const init = carriedNames.map((_, k) => needs.input(n.inputs[2 + k]!));
  const state = carriedNames.map((_, k) => needs.outputOr(n.outputs[k], tbytes(types[k]!)));
  const scans = scanUsed.map((u, j) => (u ? needs.output(n.outputs[plan.carried + j]!) : undefined));
  const capture = captureBinder(n, needs);
  const next = carriedNames.map((_, k) => needs.region(tbytes(types[k]!)));
  const condSlot = plan.condAtRuntime ? needs.region(1) : undefined;
  const condNext = plan.condAtRuntime ? needs.region(1) : undefined;
  const counter = sub.inputs.includes(plan.iterName) ? needs.region(8) : undefined;
  const arena = needs.region(prog.arenaBytes);
  const bodyIn = sub.inputs.map((name) => {
    if (name === plan.iterName) return counter!;
    if (name === plan.condName) return condSlot!;
    const k = carriedNames.indexOf(name);
    return k >= 0 ? state[k]! : must(capture(name), name);
  });
  const boolT: TensorType = { dtype: "bool", shape: [] };
  return needs.plan((args, addWeights) => {
    const copy = (t: TensorType, src: Storage, dst: Storage, what: string): KernelStep =>
      ({ kind: "kernel", kernel: copyKernel(t, opts), args: [src, dst], values: [what, what], op: "Copy", node: n.name });
    const steps: Step[] = carriedNames.map((v, k) => copy(types[k]!, init[k]!(args), state[k]!(args), v));
    if (condSlot) {
      const src = condIn ? condIn(args) : { kind: "weight" as const, offset: addWeights(new Uint8Array([1])) };
      steps.push(copy(boolT, src, condSlot(args), plan.condName));
    }
    const inputs = bodyIn.map((f) => f(args));
    const outputs: Storage[] = [];
    if (condNext) outputs.push(condNext(args));
    next.forEach((f) => outputs.push(f(args)));
    scans.forEach((f, j) => {
      if (f) outputs.push(shift(f(args), 0, [{ loop: id, stride: tbytes({ ...types[plan.carried + j]!, shape: types[plan.carried + j]!.shape.slice(1) }) }]));
    });
    const inner = embed(prog.steps, { inputs, outputs, arena: arena(args), weights: addWeights(prog.weights) });
    carriedNames.forEach((v, k) => inner.push(copy(types[k]!, next[k]!(args), state[k]!(args), v)));
    if (condNext) inner.push(copy(boolT, condNext(args), condSlot!(args), plan.condName));
    steps.push({
      kind: "loop", id, trip: trip ? trip(args) : plan.trip as number | undefined,
      cond: condSlot?.(args), counter: counter?.(args), body: inner, op: n.op, node: n.name,
    });
    return steps;
  });
}

function planScan(g: Graph, n: Node, opts: BuildOptions): ControlPlan {
  const plan = analyzeScan(opCtx(g, n));
  const sub = plan.body;
  const body = n.attrs.body!.value as Graph;
  const { declared } = capturesOf(n);
  const first = declared - plan.state - plan.ins.length;
  const id = opts.shared!.nextLoop++;
  const T = plan.trip;
  const stateNames = body.inputs.slice(0, plan.state);
  const elemNames = body.inputs.slice(plan.state, plan.state + plan.ins.length);
  const outerIn = (i: number) => g.typeOf(n.inputs[i]!);
  const scanUsed = plan.outs.map((_, j) => !!n.outputs[plan.state + j]);
  const elemOut = plan.outs.map((_, j) => sub.typeOf(sub.outputs[plan.state + j]!));
  sub.outputs = sub.outputs.filter((_, i) => i < plan.state || scanUsed[i - plan.state]);
  const prog = compileBody(sub, opts);
  const needs = new Needs();
  const init = stateNames.map((_, k) => needs.input(n.inputs[first + k]!));
  const state = stateNames.map((_, k) => needs.outputOr(n.outputs[k], tbytes(plan.outputs[k]!)));
  const scanIn = plan.ins.map((_, j) => needs.input(n.inputs[first + plan.state + j]!));
  const scanOut = plan.outs.map((_, j) => (scanUsed[j] ? needs.output(n.outputs[plan.state + j]!) : undefined));
  // Scan axes other than 0 go through an axis-0 copy, so each slice is contiguous.
  const inT = plan.ins.map((s, j) => (s.axis ? needs.region(tbytes(outerIn(first + plan.state + j))) : undefined));
  const outT = plan.outs.map((s, j) => (s.axis && scanUsed[j] ? needs.region(T * tbytes(elemOut[j]!)) : undefined));
  const capture = captureBinder(n, needs);
  const next = stateNames.map((_, k) => needs.region(tbytes(plan.outputs[k]!)));
  const arena = needs.region(prog.arenaBytes);
  // Scan elements are bound in build (they may go through a transposed copy).
  const bodyIn = sub.inputs.map((name) => {
    const k = stateNames.indexOf(name);
    return k >= 0 ? state[k]! : elemNames.includes(name) ? undefined : must(capture(name), name);
  });
  const slice = (base: Storage, elem: TensorType, reverse: boolean) => {
    const eb = tbytes(elem);
    return reverse ? shift(base, (T - 1) * eb, [{ loop: id, stride: -eb }]) : shift(base, 0, [{ loop: id, stride: eb }]);
  };
  return needs.plan((args, addWeights) => {
    const kstep = (kernel: PrimFunc, src: Storage, dst: Storage, what: string, op = "Copy"): KernelStep =>
      ({ kind: "kernel", kernel, args: [src, dst], values: [what, what], op, node: n.name });
    const steps: Step[] = stateNames.map((v, k) => kstep(copyKernel(plan.outputs[k]!, opts), init[k]!(args), state[k]!(args), v));
    const elemIn = plan.ins.map((s, j) => {
      const t = outerIn(first + plan.state + j);
      const shape = plan.batched ? t.shape.slice(1) : t.shape;
      const elem = { dtype: t.dtype, shape: shape.filter((_, d) => d !== s.axis) };
      let base = scanIn[j]!(args);
      if (inT[j]) {
        // [.., T at axis, ..] -> [T, ..]
        const k = kernelOf("scan_in", { dtype: t.dtype, shape }, (te, x) =>
          te.compute("t", [T, ...elem.shape], (idx) => { const r = idx.slice(1); r.splice(s.axis, 0, idx[0]!); return at(x, ...r); }, { materialize: true }));
        steps.push(kstep(k, base, inT[j]!(args), elemNames[j]!, "Transpose"));
        base = inT[j]!(args);
      }
      return slice(base, elem, s.reverse);
    });
    const inputs = sub.inputs.map((name, i) => {
      const j = elemNames.indexOf(name);
      return j >= 0 ? elemIn[j]! : bodyIn[i]!(args);
    });
    const outputs: Storage[] = next.map((f) => f(args));
    const after: Step[] = [];
    plan.outs.forEach((s, j) => {
      if (!scanUsed[j]) return;
      const e = elemOut[j]!;
      if (!outT[j]) { outputs.push(slice(scanOut[j]!(args), e, s.reverse)); return; }
      outputs.push(slice(outT[j]!(args), e, s.reverse));
      // [T, ..] -> [.., T at axis, ..]
      const shape = [...e.shape];
      shape.splice(s.axis, 0, T);
      const k = kernelOf("scan_out", { dtype: e.dtype, shape: [T, ...e.shape] }, (te, x) =>
        te.compute("t", shape, (idx) => at(x, idx[s.axis]!, ...idx.filter((_, d) => d !== s.axis)), { materialize: true }));
      after.push(kstep(k, outT[j]!(args), scanOut[j]!(args), n.outputs[plan.state + j]!, "Transpose"));
    });
    const inner = embed(prog.steps, { inputs, outputs, arena: arena(args), weights: addWeights(prog.weights) });
    stateNames.forEach((v, k) => inner.push(kstep(copyKernel(plan.outputs[k]!, opts), next[k]!(args), state[k]!(args), v)));
    steps.push({ kind: "loop", id, trip: T, body: inner, op: n.op, node: n.name }, ...after);
    return steps;
  });
}

/** Results larger than this stay computed at run time, as for other ops. */
const MAX_FOLD_ELEMENTS = 1 << 22;

/**
 * Folds a control-flow node whose result is known: an If whose taken branch folds to constants,
 * or a Loop/Scan whose inputs are all constants (run through its own program, interpreted).
 */
export function foldControl(g: Graph, n: Node): boolean {
  const outs = n.outputs.filter((o) => o);
  if (outs.some((o) => numel(g.typeOf(o).shape) > MAX_FOLD_ELEMENTS)) return false;
  if (n.op === "If") {
    if (!g.constants.has(n.inputs[0]!)) return false;
    const plan = analyzeIf(opCtx(g, n));
    const sub = (plan.then ?? plan.else)!;
    const vals = sub.outputs.map((o) => sub.constants.get(o));
    if (vals.some((v, i) => n.outputs[i] && !v)) return false;
    n.outputs.forEach((o, i) => { if (o) g.constants.set(o, vals[i]!); });
    return true;
  }
  if (!n.inputs.every((v) => !v || g.constants.has(v))) return false;
  const mini = new Graph();
  mini.opset = g.opset;
  mini.nodes = [n];
  mini.outputs = outs;
  for (const v of [...n.inputs.filter((x) => x), ...outs]) mini.types.set(v, g.typeOf(v));
  for (const v of n.inputs) if (v) mini.constants.set(v, g.constants.get(v)!);
  const p = buildProgram(mini);
  const vals = interpret(p, []);
  outs.forEach((o, i) => g.constants.set(o, { ...g.typeOf(o), data: vals[i]! } as Tensor));
  return true;
}

