/**
 * @fileoverview If, Loop and Scan: attributes, and output types from their subgraphs inferred for
 * the node's input types. Each analysis also settles what the program builder needs (trip count,
 * whether the condition is known); passes/control-flow.ts turns them into branch and loop steps.
 */
import { Graph, TensorType, shapeStr } from "../ir/graph.ts";
import { CAPTURES, capturesOf } from "../ir/captures.ts";
import { BodyInput, prepareSubgraph } from "./subgraph.ts";
import { OpCtx, defineOp } from "./registry.ts";

const sameType = (a: TensorType, b: TensorType) =>
  a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

const typeStr = (t: TensorType) => `${t.dtype}${shapeStr(t.shape)}`;

function bodyOf(ctx: OpCtx, attr: string): Graph {
  const a = ctx.node.attrs[attr];
  if (!a) ctx.fail(`attribute '${attr}' is required`);
  if (a.type !== "graph") ctx.fail(`attribute '${attr}' must be a graph, got ${a.type}`);
  return a.value;
}

/** The captured enclosing values, as subgraph inputs. */
function captured(ctx: OpCtx): BodyInput[] {
  const { declared } = capturesOf(ctx.node);
  return ctx.inputs.slice(declared).map((_, i) => ({ type: ctx.input(declared + i), value: ctx.constant(declared + i) }));
}

const outTypes = (sub: Graph) => sub.outputs.map((o) => sub.typeOf(o));

function checkOutputs(ctx: OpCtx, n: number, what: string): void {
  if (ctx.node.outputs.length > n) ctx.fail(`the node has ${ctx.node.outputs.length} outputs but its ${what} gives ${n}`, "the model is malformed");
}

// ---------------------------------------------------------------------------------------------
// If

export interface IfPlan {
  /** The prepared branches; only the taken one when the condition is a constant. */
  then?: Graph;
  else?: Graph;
  outputs: TensorType[];
}

export function analyzeIf(ctx: OpCtx): IfPlan {
  const c = ctx.input(0);
  if (c.dtype !== "bool" || c.shape.reduce((a, b) => a * b, 1) !== 1) ctx.fail(`the condition must be a single bool, got ${typeStr(c)}`);
  const caps = captured(ctx);
  const cond = ctx.constant(0);
  const prep = (attr: string) => prepareSubgraph(ctx.node, bodyOf(ctx, attr), [], caps, attr.replace("_", " "));
  const plan: IfPlan = { outputs: [] };
  if (!cond || Number(cond.data[0])) plan.then = prep("then_branch");
  if (!cond || !Number(cond.data[0])) plan.else = prep("else_branch");
  const [a, b] = [plan.then && outTypes(plan.then), plan.else && outTypes(plan.else)];
  if (a && b) {
    if (a.length !== b.length) ctx.fail(`the branches give ${a.length} and ${b.length} outputs`, "the model is malformed");
    a.forEach((t, i) => {
      if (!sameType(t, b[i]!))
        ctx.fail(`output ${i} is ${typeStr(t)} in the then branch but ${typeStr(b[i]!)} in the else branch`,
          "outputs whose shape depends on the run-time condition are not supported");
    });
  }
  plan.outputs = (a ?? b)!;
  checkOutputs(ctx, plan.outputs.length, "branch");
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Loop

export interface LoopPlan {
  body: Graph;
  /** Names of the body's inputs: iteration number, condition, carried values. */
  iterName: string;
  condName: string;
  carried: number;
  scans: number;
  /** A count (the condition stays true), "input" (M read at run time) or undefined (no bound). */
  trip: number | "input" | undefined;
  /** Whether the condition is checked at run time; otherwise it is true on every iteration. */
  condAtRuntime: boolean;
  outputs: TensorType[];
}

export function analyzeLoop(ctx: OpCtx): LoopPlan {
  const body = bodyOf(ctx, "body");
  const { declared } = capturesOf(ctx.node);
  const carried = declared - 2;
  if (carried < 0) ctx.fail("Loop needs the inputs M and cond (either may be empty)", "the model is malformed");
  if (body.inputs.length !== carried + 2)
    ctx.fail(`the body has ${body.inputs.length} inputs, expected ${carried + 2} (iteration, condition and ${carried} carried)`, "the model is malformed");
  const scalar = (i: number, dtype: string, what: string) => {
    const t = ctx.input(i);
    if (t.dtype !== dtype || t.shape.reduce((a, b) => a * b, 1) !== 1) ctx.fail(`${what} must be a single ${dtype}, got ${typeStr(t)}`);
  };
  if (ctx.has(0)) scalar(0, "i64", "the trip count M");
  if (ctx.has(1)) scalar(1, "bool", "the condition");
  // Scan outputs need a static length: checked before the body, which may need it too.
  if (body.outputs.length > 1 + carried && !ctx.constant(0)) ctx.requireConst(0, "the trip count M of a Loop with scan outputs");
  const mConst = ctx.constant(0);
  const m = mConst ? Math.max(0, Number(mConst.data[0])) : undefined;
  const condConst = ctx.has(1) ? ctx.constant(1) : { dtype: "bool" as const, shape: [], data: new Uint8Array([1]) };
  const carriedIn: BodyInput[] = [];
  for (let k = 0; k < carried; k++) carriedIn.push({ type: ctx.input(2 + k) });
  const caps = captured(ctx);
  const iterIn: BodyInput = { type: { dtype: "i64", shape: [] } };
  const prep = (cond: BodyInput) => prepareSubgraph(ctx.node, body, [iterIn, cond, ...carriedIn], caps, "body");
  let sub: Graph | undefined;
  let condAtRuntime = true;
  let never = false;
  if (condConst) {
    // A condition that enters true and comes out as the same constant stays true: by induction.
    const c = Number(condConst.data[0]) !== 0;
    const s = prep({ type: { dtype: "bool", shape: [] }, value: condConst });
    const out = s.constants.get(s.outputs[0] ?? "");
    if (!c) { sub = s; condAtRuntime = false; never = true; }
    else if (out && Number(out.data[0])) { sub = s; condAtRuntime = false; }
  }
  sub ??= prep({ type: { dtype: "bool", shape: [] } });
  const outs = outTypes(sub);
  const scans = outs.length - 1 - carried;
  if (scans < 0) ctx.fail(`the body gives ${outs.length} outputs, expected at least ${1 + carried}`, "the model is malformed");
  const co = outs[0]!;
  if (co.dtype !== "bool" || co.shape.reduce((a, b) => a * b, 1) !== 1) ctx.fail(`the body's condition output must be a single bool, got ${typeStr(co)}`);
  for (let k = 0; k < carried; k++)
    if (!sameType(outs[1 + k]!, carriedIn[k]!.type))
      ctx.fail(`loop-carried value ${k} enters as ${typeStr(carriedIn[k]!.type)} but the body gives ${typeStr(outs[1 + k]!)}`,
        "values whose shape changes between iterations are not supported");
  let trip: LoopPlan["trip"] = never ? 0 : m ?? (ctx.has(0) ? "input" : undefined);
  if (trip === undefined && !condAtRuntime) ctx.fail("the Loop has no trip count M and its condition never becomes false", "give M");
  if (scans > 0 && typeof trip !== "number") ctx.requireConst(0, "the trip count M of a Loop with scan outputs");
  if (scans > 0 && condAtRuntime)
    ctx.fail("the condition is computed at run time, so the Loop may stop early and its scan outputs have no static length",
      "this is not supported; make the condition a constant or drop the scan outputs");
  const outputs = [...carriedIn.map((c) => c.type), ...outs.slice(1 + carried).map((t) => ({ dtype: t.dtype, shape: [trip as number, ...t.shape] }))];
  checkOutputs(ctx, outputs.length, "body");
  return { body: sub, iterName: body.inputs[0]!, condName: body.inputs[1]!, carried, scans, trip, condAtRuntime, outputs };
}

// ---------------------------------------------------------------------------------------------
// Scan

export interface ScanPlan {
  body: Graph;
  state: number;
  /** Scan inputs and outputs, each with its axis (in the unbatched type) and whether it runs backwards. */
  ins: { axis: number; reverse: boolean }[];
  outs: { axis: number; reverse: boolean }[];
  trip: number;
  /** Opset 8: every value has a leading batch dim of 1 (stripped inside the body). */
  batched: boolean;
  outputs: TensorType[];
}

export function analyzeScan(ctx: OpCtx): ScanPlan {
  const body = bodyOf(ctx, "body");
  const batched = ctx.opset < 9;
  const { declared } = capturesOf(ctx.node);
  const first = batched ? 1 : 0;
  const k = ctx.int("num_scan_inputs");
  const state = declared - first - k;
  if (k < 1 || state < 0) ctx.fail(`num_scan_inputs ${k} does not fit the node's ${declared} inputs`, "the model is malformed");
  const strip = (t: TensorType, what: string): TensorType => {
    if (!batched) return t;
    if (t.shape[0] !== 1) ctx.fail(`${what} has batch size ${t.shape[0]}; only batch 1 is supported for opset-8 Scan`, "export with opset 9 or later");
    return { dtype: t.dtype, shape: t.shape.slice(1) };
  };
  const stateTypes: TensorType[] = [];
  for (let i = 0; i < state; i++) stateTypes.push(strip(ctx.input(first + i), `state ${i}`));
  const scanTypes: TensorType[] = [];
  for (let i = 0; i < k; i++) scanTypes.push(strip(ctx.input(first + state + i), `scan input ${i}`));
  const dirs = (name: string, n: number) => {
    const d = ctx.ints(name, new Array<number>(n).fill(0));
    if (d.length !== n || d.some((x) => x !== 0 && x !== 1)) ctx.fail(`attribute '${name}' must hold ${n} values, each 0 or 1`);
    return d.map((x) => x === 1);
  };
  const inAxes = batched ? new Array<number>(k).fill(0) : ctx.ints("scan_input_axes", new Array<number>(k).fill(0));
  if (inAxes.length !== k) ctx.fail(`attribute 'scan_input_axes' must hold ${k} values`);
  const inDirs = dirs(batched ? "directions" : "scan_input_directions", k);
  const ins = scanTypes.map((t, i) => ({ axis: ctx.axis(inAxes[i]!, t.shape.length, "scan_input_axes"), reverse: inDirs[i]! }));
  const trip = scanTypes[0]!.shape[ins[0]!.axis]!;
  scanTypes.forEach((t, i) => {
    if (t.shape[ins[i]!.axis] !== trip) ctx.fail(`scan input ${i} has length ${t.shape[ins[i]!.axis]} along its axis, scan input 0 has ${trip}`);
  });
  if (batched && ctx.has(0)) {
    const lens = ctx.requireConst(0, "sequence_lens");
    if (Array.from(lens.data, Number).some((x) => x !== trip)) ctx.fail("sequence_lens shorter than the scan length are not supported");
  }
  const elems = scanTypes.map((t, i) => ({ type: { dtype: t.dtype, shape: t.shape.filter((_, d) => d !== ins[i]!.axis) } }));
  const sub = prepareSubgraph(ctx.node, body, [...stateTypes.map((type) => ({ type })), ...elems], captured(ctx), "body");
  const bo = outTypes(sub);
  const m = bo.length - state;
  if (m < 0) ctx.fail(`the body gives ${bo.length} outputs, expected at least ${state}`, "the model is malformed");
  stateTypes.forEach((t, i) => {
    if (!sameType(t, bo[i]!)) ctx.fail(`state ${i} enters as ${typeStr(t)} but the body gives ${typeStr(bo[i]!)}`, "the model is malformed");
  });
  const outAxes = batched ? new Array<number>(m).fill(0) : ctx.ints("scan_output_axes", new Array<number>(m).fill(0));
  if (outAxes.length !== m) ctx.fail(`attribute 'scan_output_axes' must hold ${m} values`);
  const outDirs = batched ? new Array<boolean>(m).fill(false) : dirs("scan_output_directions", m);
  const outs = bo.slice(state).map((t, j) => ({ axis: ctx.axis(outAxes[j]!, t.shape.length + 1, "scan_output_axes"), reverse: outDirs[j]! }));
  const batch = (t: TensorType): TensorType => (batched ? { dtype: t.dtype, shape: [1, ...t.shape] } : t);
  const outputs = [
    ...stateTypes.map(batch),
    ...bo.slice(state).map((t, j) => {
      const shape = [...t.shape];
      shape.splice(outs[j]!.axis, 0, trip);
      return batch({ dtype: t.dtype, shape });
    }),
  ];
  checkOutputs(ctx, outputs.length, "body");
  return { body: sub, state, ins, outs, trip, batched, outputs };
}

const built = () => { throw new Error("control-flow ops are built as program steps, not lowered as one kernel"); };

defineOp({ op: "If", kind: "opaque", control: true, attrs: ["then_branch", "else_branch", CAPTURES], infer: (ctx) => analyzeIf(ctx).outputs, compute: built });
defineOp({ op: "Loop", kind: "opaque", control: true, attrs: ["body", CAPTURES], requiredInputs: 0, infer: (ctx) => analyzeLoop(ctx).outputs, compute: built });
defineOp({
  // Scan-8's first input, sequence_lens, is optional.
  op: "Scan", kind: "opaque", control: true, requiredInputs: 0,
  attrs: ["body", "num_scan_inputs", "directions", "scan_input_axes", "scan_input_directions", "scan_output_axes", "scan_output_directions", CAPTURES],
  infer: (ctx) => analyzeScan(ctx).outputs, compute: built,
});
