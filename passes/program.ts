/**
 * @fileoverview Turns an optimised graph into an executable program: one kernel call per node,
 * views as aliases, weights packed into one blob, intermediates planned into one arena.
 */
import { byteSize, bytesOf } from "../ir/dtype.ts";
import { Graph, TensorType, numel } from "../ir/graph.ts";
import { Buffer, PrimFunc } from "../ir/tir.ts";
import { Program, Step, Storage, kernelSteps } from "../ir/program.ts";
import { partitionLoops } from "./loop-partition.ts";
import { simplifyFunc } from "./simplify.ts";
import { ALIGN, lowerBound, planMemory } from "./plan-memory.ts";
import { ControlPlan, planControl } from "./control-flow.ts";
import { LoweredNode, lowerNode } from "./lower.ts";
import { C_TILE, TileConfig } from "./schedule-tile.ts";
import { EdgecError } from "../ir/diagnostics.ts";
import { KernelSchedule, TileKnobs } from "../ir/schedule.ts";
import { kindOf } from "../ops/fused.ts";
import { getOp } from "../ops/registry.ts";
import { TE, at } from "../ops/te.ts";
import { lowerTE } from "./lower-te.ts";

const tbytes = (t: TensorType) => numel(t.shape) * byteSize(t.dtype);

/** Union-find over value names: a view's output shares its input's storage. */
class Groups {
  private parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    // Path compression, iteratively: long chains of views must not deepen the stack.
    for (let y = x; y !== root;) { const next = this.parent.get(y)!; this.parent.set(y, root); y = next; }
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

export interface BuildOptions {
  /** The graph passes subgraphs (If branches, loop bodies) go through before they are built. */
  passes?: (sub: Graph) => void;
  /** State a program shares with the programs of its subgraphs. */
  shared?: BuildShared;
  /** The register tile of Conv/MatMul/Gemm kernels (the target's; C_TILE by default). */
  tile?: TileConfig;
  /** Knobs that replace the target's for the kernels of these nodes (edgec compile --schedule). */
  schedules?: ReadonlyMap<string, TileKnobs>;
}

export interface BuildShared {
  /** Loops are numbered program-wide. */
  nextLoop: number;
  /** Copy kernels by element type and shape, so equal copies print as one C function. */
  copies: Map<string, PrimFunc>;
  /** Names of the nodes lowered to kernels, subgraphs' included, to check a schedule file's. */
  lowered: Set<string>;
}

export function buildProgram(g: Graph, opts: BuildOptions = {}): Program {
  const bopts = { ...opts, shared: opts.shared ?? { nextLoop: 0, copies: new Map(), lowered: new Set() } };
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  const outIndex = new Map(g.outputs.map((o, i) => [o, i]));
  const inIndex = new Map(g.inputs.map((x, i) => [x, i]));
  const groups = new Groups();
  // Fixed storage a group is pinned to: a graph input, output or weight.
  const pinned = new Map<string, "input" | "output" | "weight">();
  // A constant graph output stays a weight; a copy kernel writes it to the output.
  const pinOf = (v: string) => (inIndex.has(v) ? "input" : g.constants.has(v) ? "weight" : outIndex.has(v) ? "output" : undefined);
  for (const v of [...g.inputs, ...g.outputs, ...g.constants.keys()]) {
    const p = pinOf(v);
    if (p && !pinned.has(groups.find(v))) pinned.set(groups.find(v), p);
  }
  // Graph outputs that appear twice or are inputs/constants need a copy kernel.
  let viewAliases = 0;
  let kernelNodes = g.nodes.filter((n) => {
    const def = getOp(n.op)!;
    // A view node with a second output used (Dropout's mask) runs as a kernel.
    if (!def.view || n.outputs.slice(1).some((o) => o)) return true;
    const [src, dst] = [n.inputs[0]!, n.outputs[0]!];
    const ps = pinned.get(groups.find(src)), pd = pinned.get(groups.find(dst));
    if (ps && pd) return true;
    groups.union(src, dst);
    if (ps ?? pd) pinned.set(groups.find(src), (ps ?? pd)!);
    viewAliases++;
    return false;
  });
  const repr = (v: string) => groups.find(v);
  const { kept, children } = eliminateConcats(g, kernelNodes, repr, (r) => pinned.has(r));
  kernelNodes = kept;
  const parents = new Set([...children.values()].map((c) => repr(c.parent)));
  const steps: Step[] = [];
  const firstDef = new Map<string, number>();
  const lastUse = new Map<string, number>();
  const groupBytes = new Map<string, number>();
  const scratchUnits: { step: number; buf: Buffer; key: string }[] = [];
  // The last step that reads each storage group, to find inputs that die where an output is born.
  const finalUse = new Map<string, number>();
  kernelNodes.forEach((n, si) => { for (const v of n.inputs) if (v) finalUse.set(repr(v), si); });
  for (const o of g.outputs) finalUse.set(repr(o), Infinity);
  const schedules: KernelSchedule[] = [];
  const lowered = kernelNodes.map((n, si) => {
    const control = getOp(n.op)?.control;
    const knobs = opts.schedules?.get(n.name);
    const tile: TileConfig = { ...(opts.tile ?? C_TILE), ...knobs };
    if (!control) bopts.shared.lowered.add(n.name);
    const low: LoweredNode | ControlPlan = control ? planControl(g, n, bopts) : lowerNode(g, n, `k${si}`, tile);
    if ("tiles" in low && low.tiles.length) schedules.push({ kernel: `k${si}`, node: n.name, op: n.op, config: tile, tiles: low.tiles });
    if ("func" in low) low.func = simplifyFunc({ ...low.func, body: partitionLoops(low.func.body) });
    for (const v of low.inputs) lastUse.set(repr(v), si);
    for (const v of low.outputs) {
      const src = inPlaceSource(g, n, v, si);
      if (src) {
        const fu = Math.max(finalUse.get(repr(src)) ?? si, finalUse.get(repr(v)) ?? si);
        groups.union(src, v);
        finalUse.set(repr(src), fu);
      }
      const r = repr(v);
      if (!firstDef.has(r)) firstDef.set(r, si);
      lastUse.set(r, Math.max(lastUse.get(r) ?? si, si));
      groupBytes.set(r, Math.max(groupBytes.get(r) ?? 0, tbytes(g.typeOf(v))));
    }
    low.scratch.forEach((b, j) => scratchUnits.push({ step: si, buf: b, key: `#scratch${si}_${j}` }));
    return { n, low };
  });
  /**
   * An input whose storage output `v` may reuse: an elementwise op writes element i right after
   * reading element i, so an input of the same shape that is dead afterwards can be overwritten.
   */
  function inPlaceSource(g: Graph, n: Graph["nodes"][number], v: string, si: number): string | undefined {
    const kind = kindOf(n);
    if ((kind !== "elemwise" && kind !== "broadcast") || pinned.has(repr(v)) || firstDef.has(repr(v))) return undefined;
    if (children.has(repr(v)) || parents.has(repr(v))) return undefined;
    const tv = g.typeOf(v);
    return n.inputs.find((x) => {
      if (!x || pinned.has(repr(x)) || !firstDef.has(repr(x)) || finalUse.get(repr(x)) !== si) return false;
      if (children.has(repr(x)) || parents.has(repr(x))) return false;
      const tx = g.typeOf(x);
      return byteSize(tx.dtype) === byteSize(tv.dtype) && tx.shape.length === tv.shape.length &&
        tx.shape.every((d, i) => d === tv.shape[i]) && groupBytes.get(repr(x)) === tbytes(tv);
    });
  }
  // A concat input lives inside its concat's output: the output's interval covers the inputs'.
  for (const [r, { parent }] of children) {
    const p = repr(parent);
    firstDef.set(p, Math.min(firstDef.get(p) ?? Infinity, firstDef.get(r) ?? Infinity));
    lastUse.set(p, Math.max(lastUse.get(p) ?? 0, lastUse.get(r) ?? 0));
    groupBytes.set(p, tbytes(g.typeOf(parent)));
    firstDef.delete(r);
  }
  // Values read after their last kernel use through an alias keep their group alive.
  for (const o of g.outputs) lastUse.set(repr(o), kernelNodes.length);

  const units = [...firstDef.keys()].filter((r) => !pinned.has(r));
  const ids = new Map<string, number>();
  const items = units.map((r, id) => {
    ids.set(r, id);
    return { id, bytes: groupBytes.get(r)!, start: firstDef.get(r)!, end: lastUse.get(r) ?? firstDef.get(r)! };
  });
  for (const s of scratchUnits) {
    ids.set(s.key, items.length);
    items.push({ id: items.length, bytes: numel(s.buf.shape) * byteSize(s.buf.dtype), start: s.step, end: s.step });
  }
  const plan = planMemory(items);
  // The graph's tensors alone, and the schedules' scratch alone: what a better schedule could save.
  const tensorsLowerBound = lowerBound(items.slice(0, units.length)), scratchBytes = lowerBound(items.slice(units.length));

  // Weights: every constant a kernel reads (or a graph output copies), in first-use order, 64-byte aligned.
  const weightOffsets = new Map<string, number>();
  const chunks: { off: number; bytes: Uint8Array }[] = [];
  const derived: NonNullable<Program["derived"]> = [];
  let wsize = 0;
  const weightReads = [...lowered.flatMap(({ low }) => low.inputs), ...g.outputs.filter((o) => g.constants.has(o))];
  for (const v of weightReads) {
    const r = repr(v);
    const src = [...g.constants.keys()].length && constOfGroup(g, groups, r);
    if (!src || weightOffsets.has(r)) continue;
    const t = g.constants.get(src)!, bytes = bytesOf(t.data);
    const d = t.derivedFrom;
    if (d) derived.push({ offset: wsize, bytes: bytes.length, kind: d.kind, source: bytesOf(d.source.data), m: d.m, ch: d.ch });
    weightOffsets.set(r, wsize);
    chunks.push({ off: wsize, bytes });
    wsize += Math.ceil(Math.max(bytes.length, 1) / ALIGN) * ALIGN;
  }
  // Subgraph programs append their weights after the enclosing graph's.
  const addWeights = (bytes: Uint8Array): number => {
    const off = wsize;
    chunks.push({ off, bytes });
    wsize += Math.ceil(bytes.length / ALIGN) * ALIGN;
    return off;
  };
  const storageOf = (v: string): Storage => {
    const r = repr(v);
    const pin = pinned.get(r);
    if (pin === "weight") return { kind: "weight", offset: weightOffsets.get(r)! };
    if (pin === "input") return { kind: "input", index: inIndex.get(memberOf(g.inputs, groups, r))! };
    if (pin === "output") return { kind: "output", index: outIndex.get(memberOf(g.outputs, groups, r))! };
    const child = children.get(r);
    if (child) return { kind: "arena", offset: plan.offsets.get(ids.get(repr(child.parent))!)! + child.offset };
    return { kind: "arena", offset: plan.offsets.get(ids.get(r)!)! };
  };
  lowered.forEach(({ n, low }, si) => {
    const args: Storage[] = [...low.inputs, ...low.outputs].map(storageOf);
    low.scratch.forEach((_, j) => args.push({ kind: "arena", offset: plan.offsets.get(ids.get(`#scratch${si}_${j}`)!)! }));
    if (!("func" in low)) { steps.push(...low.build(args, addWeights)); return; }
    steps.push({ kind: "kernel", kernel: low.func, args, values: [...low.inputs, ...low.outputs, ...low.scratch.map(() => "")], op: n.op, node: n.name });
  });
  // Outputs no kernel writes (a constant, an input, or listed twice) get a copy kernel.
  const written = new Set(kernelSteps(steps).flatMap((st) => st.args.filter((a) => a.kind === "output").map((a) => (a as { index: number }).index)));
  g.outputs.forEach((o, i) => {
    if (written.has(i)) return;
    const t = g.typeOf(o);
    const te = new TE();
    const x = te.placeholder("x", t.dtype, t.shape);
    const y = te.compute("copy", t.shape, (idx) => at(x, ...idx), { materialize: true });
    const { func } = lowerTE(te, `k${steps.length}`, [x], [y]);
    const src = storageOf(o);
    steps.push({ kind: "kernel", kernel: func, args: [src, { kind: "output", index: i }], values: [o, o], op: "Copy", node: o });
  });
  if (!opts.shared)
    for (const name of opts.schedules?.keys() ?? [])
      if (!bopts.shared.lowered.has(name))
        throw new EdgecError(`the schedule names node "${name}", which no kernel of the compiled graph computes; take node names from report.json's "schedules"`);
  const weights = new Uint8Array(wsize);
  for (const ch of chunks) weights.set(ch.bytes, ch.off);
  return {
    inputs: g.inputs.map((name) => ({ name, type: g.typeOf(name) })),
    outputs: g.outputs.map((name) => ({ name, type: g.typeOf(name) })),
    steps, weights, derived,
    stats: new Map([["view-elim", viewAliases], ["concat-elim", g.nodes.filter((n) => n.op === "Concat").length - kernelNodes.filter((n) => n.op === "Concat").length]].filter(([, n]) => n) as [string, number][]),
    arenaBytes: plan.arenaBytes,
    arenaLowerBound: plan.lowerBound,
    tensorsLowerBound,
    scratchBytes,
    ops,
    schedules,
  };
}

function constOfGroup(g: Graph, groups: Groups, r: string): string | undefined {
  for (const k of g.constants.keys()) if (groups.find(k) === r) return k;
  return undefined;
}

function memberOf(names: string[], groups: Groups, r: string): string {
  return names.find((n) => groups.find(n) === r)!;
}

/**
 * concat-elim: a Concat whose inputs are contiguous slices of its output (every dim before the
 * axis is 1) and are all written by kernels into the arena disappears; each producer writes
 * straight into its slice. Returns the remaining kernel nodes and, per input storage group, its
 * parent value and byte offset.
 */
function eliminateConcats(g: Graph, nodes: Graph["nodes"], repr: (v: string) => string, pinned: (r: string) => boolean) {
  const children = new Map<string, { parent: string; offset: number }>();
  const parentsOf = new Set<string>();
  const producedByKernel = new Set(nodes.flatMap((n) => n.outputs.map(repr)));
  const kept = nodes.filter((n) => {
    if (n.op !== "Concat") return true;
    const out = n.outputs[0]!;
    const t = g.typeOf(out);
    const a = n.attrs.axis?.type === "int" ? n.attrs.axis.value : 0;
    const axis = a < 0 ? a + t.shape.length : a;
    if (t.shape.slice(0, axis).some((d) => d !== 1) || pinned(repr(out)) || children.has(repr(out))) return true;
    const rs = n.inputs.map(repr);
    if (new Set(rs).size !== rs.length || rs.includes(repr(out))) return true;
    if (rs.some((r) => pinned(r) || children.has(r) || parentsOf.has(r) || !producedByKernel.has(r))) return true;
    let offset = 0;
    n.inputs.forEach((v, i) => {
      children.set(rs[i]!, { parent: out, offset });
      offset += tbytes(g.typeOf(v));
    });
    parentsOf.add(repr(out));
    return false;
  });
  return { kept, children };
}
