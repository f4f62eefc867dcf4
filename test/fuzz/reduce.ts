/**
 * @fileoverview Shrinks a failing fuzz case to a small reproducer: greedily drops nodes, graph
 * outputs, attributes, initializers and inputs while the failure stays the same; a model that no
 * longer decodes is shortened byte-wise instead.
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto as unknown as { onnx: typeof import("onnx-proto").onnx };
type Model = import("onnx-proto").onnx.ModelProto;

/** A failure message without the numbers and addresses that vary between runs. */
export const signature = (kind: string, message: string): string =>
  `${kind}: ${message.replace(/0x[0-9a-f]+/gi, "#").replace(/\d+/g, "#").slice(0, 80)}`;

const clone = (m: Model): Model => onnx.ModelProto.decode(onnx.ModelProto.encode(m).finish());

/** Candidate models one step smaller than `m`. */
function* shrinkSteps(m: Model): Generator<Model> {
  const g = m.graph!;
  const nodes = g.node ?? [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const c = clone(m), cg = c.graph!;
    const [n] = cg.node!.splice(i, 1);
    const outs = new Set((n!.output ?? []).filter((o) => o));
    const via = (n!.input ?? []).find((x) => x) ?? "";
    // Readers of the removed node's outputs read its first input instead.
    for (const x of cg.node ?? []) x.input = (x.input ?? []).map((v) => (outs.has(v) ? via : v));
    const kept = (cg.output ?? []).filter((o) => !outs.has(o.name ?? ""));
    if (kept.length === 0) continue;
    cg.output = kept;
    yield c;
  }
  for (let i = (g.output ?? []).length - 1; i >= 0 && (g.output ?? []).length > 1; i--) {
    const c = clone(m);
    c.graph!.output!.splice(i, 1);
    yield c;
  }
  for (let i = 0; i < nodes.length; i++)
    for (let j = (nodes[i]!.attribute ?? []).length - 1; j >= 0; j--) {
      const c = clone(m);
      c.graph!.node![i]!.attribute!.splice(j, 1);
      yield c;
    }
  const used = new Set([...nodes.flatMap((n) => n.input ?? []), ...(g.output ?? []).map((o) => o.name ?? "")]);
  const unusedInits = (g.initializer ?? []).filter((t) => !used.has(t.name ?? ""));
  if (unusedInits.length) {
    const c = clone(m);
    c.graph!.initializer = c.graph!.initializer!.filter((t) => used.has(t.name ?? ""));
    yield c;
  }
  const unusedInputs = (g.input ?? []).filter((v) => !used.has(v.name ?? ""));
  if (unusedInputs.length) {
    const c = clone(m);
    c.graph!.input = c.graph!.input!.filter((v) => used.has(v.name ?? ""));
    yield c;
  }
}

/**
 * The smallest variant of `bytes` found within `budget` checks for which `fails` still holds.
 */
export async function reduce(bytes: Uint8Array, fails: (b: Uint8Array) => Promise<boolean>, budget = 150): Promise<Uint8Array> {
  let best = bytes, left = budget;
  let m: Model | undefined;
  try { m = onnx.ModelProto.decode(bytes); } catch { m = undefined; }
  if (!m?.graph) {
    // Byte-wise: try cutting the end in halving steps.
    for (let cut = best.length >> 1; cut >= 1 && left > 0; cut >>= 1) {
      while (left-- > 0 && best.length > cut) {
        const c = best.subarray(0, best.length - cut);
        if (!(await fails(c))) break;
        best = c;
      }
    }
    return best;
  }
  for (let changed = true; changed && left > 0;) {
    changed = false;
    for (const c of shrinkSteps(m)) {
      if (left-- <= 0) break;
      const b = onnx.ModelProto.encode(c).finish();
      if (b.length >= best.length || !(await fails(b))) continue;
      best = b;
      m = c;
      changed = true;
      break;
    }
  }
  return best;
}
