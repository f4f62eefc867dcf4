/**
 * @fileoverview ONNX ModelProto → Graph IR. Validates structure; types come from shape inference.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { onnx as O } from "onnx-proto";
import { fromOnnxCode } from "../../ir/dtype.ts";
import { Attr, Graph, Node, TensorType } from "../../ir/graph.ts";
import { EdgecError, fail, nodeError, q } from "../../ir/diagnostics.ts";
import { MS_DOMAIN, expandMatMulNBits } from "./matmul-nbits.ts";
import { FLEX_DOMAIN, expandFlexAttention } from "./flex-attention.ts";
import { decodeTensor, num, onnx } from "./tensor.ts";

export interface ImportOptions {
  /** Fixes symbolic or unknown dims of named inputs: name → shape. */
  inputShapes?: Map<string, number[]>;
}

/** Pre-opset-7 forms (broadcast/axis attributes, consumed_inputs) are rejected per op as unknown attributes. */
const MIN_OPSET = 1;

export function loadModel(file: string, opts: ImportOptions = {}): Graph {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return importModel(bytes, path.dirname(path.resolve(file)), opts);
}

export function importModel(bytes: Uint8Array, baseDir: string | undefined, opts: ImportOptions = {}): Graph {
  let model: O.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    if (e instanceof RangeError && /call stack/.test(e.message)) fail("not a valid ONNX model: its messages are nested too deeply to decode");
    fail(`not a valid ONNX model: ${(e as Error).message.split("\n")[0]}; check the file is complete and not truncated`);
  }
  if (!model.graph) fail("not a valid ONNX model: it has no graph; check the file is an ONNX model");
  let opset: number | undefined;
  for (const o of model.opsetImport ?? []) {
    const d = o.domain ?? "";
    if (d === "" || d === "ai.onnx") opset = num(o.version);
  }
  // A model that imports only other domains (ai.onnx.ml, say) has no default-domain nodes.
  opset ??= 1;
  if (opset < MIN_OPSET) fail(`opset ${opset} is older than the oldest supported (${MIN_OPSET}); convert the model with onnx.version_converter`);
  const functions = new Map<string, O.IFunctionProto>();
  for (const f of model.functions ?? []) functions.set(`${f.domain ?? ""}:${f.name}`, f);
  const g = importGraph(model.graph, { baseDir, opset, functions, inputShapes: opts.inputShapes ?? new Map(), top: true, depth: 0 });
  return g;
}

interface Ctx {
  baseDir?: string;
  opset: number;
  functions: Map<string, O.IFunctionProto>;
  inputShapes: Map<string, number[]>;
  top: boolean;
  /** How many subgraph attributes enclose this graph. */
  depth: number;
}

function importGraph(gp: O.IGraphProto, ctx: Ctx): Graph {
  const g = new Graph();
  g.name = gp.name || "graph";
  g.opset = ctx.opset;
  for (const init of gp.initializer ?? []) {
    const name = init.name ?? "";
    if (!name) fail("an initializer has no name; the model is malformed");
    const t = decodeTensor(init, { baseDir: ctx.baseDir, what: `initializer ${q(name)}` });
    g.constants.set(name, t);
    g.types.set(name, { dtype: t.dtype, shape: t.shape });
  }
  if ((gp.sparseInitializer ?? []).length) fail("sparse initializers are not supported; densify them with onnx tools");
  if (ctx.top) {
    const names = (gp.input ?? []).map((vi) => vi.name ?? "").filter((n) => !g.constants.has(n));
    for (const name of ctx.inputShapes.keys())
      if (!names.includes(name))
        fail(`--input-shape ${q(name)}: the model has no input of that name; its inputs are ${names.map(q).join(", ") || "none"}`);
  }
  for (const vi of gp.input ?? []) {
    const name = vi.name ?? "";
    if (g.constants.has(name)) continue; // an initializer listed as input: a constant here
    g.inputs.push(name);
    if (ctx.top) {
      g.types.set(name, valueType(vi, ctx));
      continue;
    }
    // A subgraph's input types are settled by the op that owns it; an unsupported op must be
    // reported as such, not as a symbolic dim inside its body.
    try {
      g.types.set(name, valueType(vi, ctx));
    } catch (e) {
      if (!(e instanceof EdgecError)) throw e;
    }
  }
  for (const vi of gp.output ?? []) g.outputs.push(vi.name ?? "");
  if (g.outputs.length === 0) fail("the graph has no outputs");
  let counter = 0;
  for (const np of gp.node ?? []) {
    const node = importNode(np, ctx, counter++);
    const fn = ctx.functions.get(`${np.domain ?? ""}:${np.opType ?? ""}`);
    if (fn) g.nodes.push(...inlineFunction(node, fn, ctx, counter++));
    else if (node.domain === FLEX_DOMAIN) g.nodes.push(...expandFlexAttention(node, g));
    else if (node.domain === MS_DOMAIN) g.nodes.push(...expandMatMulNBits(node, g));
    else g.nodes.push(node);
  }
  return g;
}

/** The --input-shape flag fixing `name`, quoted when it is not plain shell text. */
function shapeFlag(name: string, dims: string): string {
  const arg = `${name}=${dims}`;
  return /^[\w.:/=-]+$/.test(arg) ? `--input-shape ${arg}` : `--input-shape ${q(arg)}`;
}

function valueType(vi: O.IValueInfoProto, ctx: Ctx): TensorType {
  const name = vi.name ?? "";
  const tt = vi.type?.tensorType;
  if (!tt) fail(`input ${q(name)} is not a tensor (sequences, maps and optionals are not supported)`);
  const dt = fromOnnxCode(tt.elemType ?? 0);
  if (typeof dt !== "string") fail(`input ${q(name)}: element type ${dt.unsupported} is not supported`);
  const fixed = ctx.inputShapes.get(name);
  const dims = tt.shape?.dim ?? [];
  if (fixed) {
    if (tt.shape && fixed.length !== dims.length)
      fail(`--input-shape ${q(name)}: gives rank ${fixed.length} but the model declares rank ${dims.length}`);
    dims.forEach((d, i) => {
      if (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0 && num(d.dimValue) !== fixed[i])
        fail(`--input-shape ${q(name)}: dim ${i} is ${fixed[i]} but the model fixes it to ${num(d.dimValue)}`);
    });
    return { dtype: dt, shape: fixed };
  }
  if (!tt.shape) fail(`input ${q(name)} has no shape; give it one with ${shapeFlag(name, "D1xD2x...")}`);
  const sizes = dims.map((d) => {
    const v = d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : undefined;
    return v === undefined || (v === 0 && d.dimParam) ? undefined : v;
  });
  const open = sizes.flatMap((v, i) => (v === undefined ? [i] : []));
  if (open.length) {
    // The suggestion keeps the known dims and names each open one; it never invents a size.
    const label = (i: number) => dims[i]!.dimParam || `d${i}`;
    const what = open.map((i) => (dims[i]!.dimParam ? `${i} (${q(dims[i]!.dimParam!)})` : `${i}`));
    const list = what.length === 1 ? what[0] : `${what.slice(0, -1).join(", ")} and ${what[what.length - 1]}`;
    const pattern = sizes.map((v, i) => (v === undefined ? `<${label(i)}>` : String(v))).join("x");
    const kinds = new Set(open.map((i) => (dims[i]!.dimParam ? "symbolic" : "unknown")));
    fail(`input ${q(name)}: ${open.length === 1 ? "dim" : "dims"} ${list} ${open.length === 1 ? "is" : "are"} ${[...kinds].join(" or ")}; ` +
      `fix ${open.length === 1 ? "it" : "them"} with ${shapeFlag(name, pattern)}, a size for each <...>`);
  }
  const shape = sizes.map((v, i) => {
    if (v! < 0) fail(`input ${q(name)}: dim ${i} is negative (${v}); the model is malformed`);
    return v!;
  });
  return { dtype: dt, shape };
}

function importNode(np: O.INodeProto, ctx: Ctx, index: number): Node {
  const op = np.opType ?? "";
  const name = np.name || `${op}_${index}`;
  if (!op) fail(`node ${q(name)} has no op type; the model is malformed`);
  // Messages print the op type unquoted, so it must not carry control characters.
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(op)) fail(`node ${q(name)} has op type ${q(op)}, which is not an op name; the model is malformed`);
  const domain = np.domain === "ai.onnx" ? "" : np.domain ?? "";
  if (domain === TRAINING_DOMAIN)
    nodeError({ name, op }, `domain ${TRAINING_DOMAIN} holds training-only ops, which are not supported`, "export the model for inference");
  const attrs: Record<string, Attr> = {};
  for (const a of np.attribute ?? []) {
    const an = a.name ?? "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(an)) fail(`node ${q(name)} (${op}): attribute name ${q(an)} is not valid; the model is malformed`);
    if (a.refAttrName) continue; // bound by inlineFunction
    try {
      attrs[an] = importAttr(a, ctx);
    } catch (e) {
      // A message from a nested subgraph already names its innermost node.
      if (e instanceof EdgecError && !e.message.startsWith("node ")) throw new EdgecError(`node ${q(name)} (${op}): attribute '${an}': ${e.message}`);
      throw e;
    }
  }
  const io = { inputs: [...(np.input ?? [])], outputs: [...(np.output ?? [])], attrs };
  // ai.onnx.ml ops live in the op library under their qualified name.
  if (domain === ML_DOMAIN) return { name, op: `${ML_DOMAIN}.${op}`, domain: "", ...io };
  return { name, op, domain, ...io };
}

const ML_DOMAIN = "ai.onnx.ml";
const TRAINING_DOMAIN = "ai.onnx.preview.training";

const utf8 = new TextDecoder("utf-8", { fatal: false });

function importAttr(a: O.IAttributeProto, ctx: Ctx): Attr {
  if (a.refAttrName) fail("attribute references outside functions are not supported");
  switch (a.type) {
    case 1: return { type: "float", value: a.f ?? 0 };
    case 2: return { type: "int", value: num(a.i) };
    case 3: return { type: "string", value: utf8.decode(a.s ?? new Uint8Array()) };
    case 4: return { type: "tensor", value: decodeTensor(a.t ?? {}, { baseDir: ctx.baseDir, what: "tensor" }) };
    case 5: return { type: "graph", value: importGraph(a.g ?? {}, subgraphCtx(ctx)) };
    case 6: return { type: "floats", value: [...(a.floats ?? [])] };
    case 7: return { type: "ints", value: (a.ints ?? []).map(num) };
    case 8: return { type: "strings", value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case 10: return { type: "graphs", value: (a.graphs ?? []).map((g) => importGraph(g, subgraphCtx(ctx))) };
    default:
      return fail(`attribute type ${a.type ?? "unset"} is not supported`);
  }
}

const MAX_SUBGRAPH_DEPTH = 64;

function subgraphCtx(ctx: Ctx): Ctx {
  if (ctx.depth >= MAX_SUBGRAPH_DEPTH) fail(`subgraphs are nested more than ${MAX_SUBGRAPH_DEPTH} deep, which is not supported`);
  return { ...ctx, top: false, depth: ctx.depth + 1 };
}

/** Expands a call of a model-local function into its body, renaming internal values. */
function inlineFunction(call: Node, fn: O.IFunctionProto, ctx: Ctx, index: number): Node[] {
  const prefix = `${call.name}/`;
  const rename = new Map<string, string>();
  (fn.input ?? []).forEach((n, i) => rename.set(n, call.inputs[i] ?? ""));
  (fn.output ?? []).forEach((n, i) => rename.set(n, call.outputs[i] ?? ""));
  const r = (n: string) => (n === "" ? "" : rename.get(n) ?? prefix + n);
  const nodes: Node[] = [];
  let k = 0;
  for (const np of fn.node ?? []) {
    const inner = importNode(np, ctx, index * 1000 + k++);
    // Attribute references take the caller's values.
    for (const a of np.attribute ?? []) {
      if (a.refAttrName) {
        const v = call.attrs[a.refAttrName];
        if (v) inner.attrs[a.name ?? ""] = v;
        else delete inner.attrs[a.name ?? ""];
      }
    }
    nodes.push({ ...inner, name: prefix + inner.name, inputs: inner.inputs.map(r), outputs: inner.outputs.map(r) });
  }
  return nodes;
}
