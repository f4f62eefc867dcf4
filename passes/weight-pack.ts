/**
 * @fileoverview weight-pack: a weight-only quantized model keeps its weights compact.
 *   DequantizeLinear(4-bit constant)            -> edgec.DequantizeWeight, two elements a byte
 *   DequantizeLinear(8-bit constant) -> Gather  -> edgec.DequantizeWeight (Gather reads its table)
 *   DequantizeLinear(8-bit constant, blocked)   -> edgec.DequantizeWeight
 *   Gather(DequantizeWeight(table), idx)        -> DequantizeWeight(Gather(q, idx), Gather(scale, idx))
 * Without it constant folding would store the float weight; instead the kernel reading the weight
 * unpacks it (fuse-ops inlines DequantizeWeight into MatMul, Gemm and Conv), and an embedding
 * lookup dequantizes only the rows it gathers. Counted: weight-pack, gather-dequant.
 */
import { packSubByte } from "../ir/dtype.ts";
import { Graph, Node, Tensor, numel } from "../ir/graph.ts";
import { DEQUANTIZE_WEIGHT } from "../ops/weight-dq.ts";
import { GraphPass, PassContext, bump } from "./pass.ts";

const int = (n: Node, a: string, d: number) => (n.attrs[a]?.type === "int" ? (n.attrs[a] as { value: number }).value : d);

/** Two 4-bit values a byte as ONNX packs them, each row along dim 0 starting on a byte. */
export function packRows(t: Tensor): Uint8Array {
  const rows = t.shape[0]!, cols = numel(t.shape.slice(1)), rowBytes = Math.ceil(cols / 2);
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) out.set(packSubByte(t.dtype, t.data.subarray(r * cols, (r + 1) * cols)), r * rowBytes);
  return out;
}

function packDequantize(g: Graph, n: Node, consumers: Map<string, Node[]>): Node | undefined {
  const [x, s, z] = n.inputs;
  if (!x || !s || !g.constants.has(x) || !g.constants.has(s) || (z && !g.constants.has(z))) return undefined;
  const xt = g.constants.get(x)!, st = g.constants.get(s)!;
  const rank = xt.shape.length;
  if (!rank || st.dtype !== "f32" || int(n, "output_dtype", 0) !== 0) return undefined;
  const four = xt.dtype === "i4" || xt.dtype === "u4";
  const y = n.outputs[0]!;
  const readers = consumers.get(y) ?? [];
  const embedding = readers.length > 0 && readers.every((r) => r.op === "Gather" && r.inputs[0] === y && r.inputs[1] !== y && int(r, "axis", 0) === 0);
  // 8-bit weights stay 8-bit where they are an embedding table or blocked (only weight-only models block them).
  const blocked = int(n, "block_size", 0) > 0;
  if (!four && !((xt.dtype === "i8" || xt.dtype === "u8") && (embedding || blocked))) return undefined;

  // Scale and zero point at the weight's rank: per tensor, per axis or blocked.
  let axis = int(n, "axis", 1);
  if (axis < 0) axis += rank;
  const block = int(n, "block_size", 0);
  const full = (p: number[]) => (numel(p) === 1 && block === 0 ? xt.shape.map(() => 1) : block > 0 ? p : xt.shape.map((d, i) => (i === axis ? d : 1)));
  const add = (name: string, t: Tensor) => { g.constants.set(name, t); g.types.set(name, { dtype: t.dtype, shape: t.shape }); return name; };
  const inputs = [
    four ? add(`${n.name}/packed`, { dtype: "u8", shape: [xt.shape[0]!, Math.ceil(numel(xt.shape.slice(1)) / 2)], data: packRows(xt) }) : x,
    add(`${n.name}/scale`, { dtype: "f32", shape: full(st.shape), data: st.data }),
  ];
  const zt = z ? g.constants.get(z)! : undefined;
  if (zt && Array.from(zt.data, Number).some((v) => v !== 0)) {
    inputs.push(add(`${n.name}/zp`, { dtype: "i32", shape: full(zt.shape), data: Int32Array.from(zt.data, Number) }));
  }
  return {
    name: n.name, op: DEQUANTIZE_WEIGHT, domain: "", inputs, outputs: [y],
    attrs: { type: { type: "string", value: xt.dtype }, block: { type: "int", value: block }, shape: { type: "ints", value: xt.shape } },
  };
}

/** Gather(DequantizeWeight(table), idx) as the dequantization of the gathered compact rows. */
function gatherRows(g: Graph, gather: Node, dw: Node): Node[] | undefined {
  const [q, s, z] = dw.inputs as [string, string, string | undefined];
  const idx = gather.inputs[1]!;
  const rows = g.typeOf(q).shape[0]!;
  const it = g.typeOf(idx);
  const params = [s, ...(z ? [z] : [])];
  // A block of rows shares its scale: those cannot be gathered row by row.
  if (params.some((p) => ![1, rows].includes(g.typeOf(p).shape[0]!))) return undefined;
  const out: Node[] = [];
  const take = (v: string, what: string): string => {
    const t = g.typeOf(v);
    const shape = [...it.shape, ...t.shape.slice(1)];
    const name = `${gather.name}/${what}`;
    if (t.shape[0] === 1 && rows !== 1) {
      const c = g.constants.get(v)!;
      g.constants.set(name, { ...c, shape: [...it.shape.map(() => 1), ...t.shape.slice(1)] });
      g.types.set(name, { dtype: t.dtype, shape: g.constants.get(name)!.shape });
      return name;
    }
    g.types.set(name, { dtype: t.dtype, shape });
    out.push({ name, op: "Gather", domain: "", inputs: [v, idx], outputs: [name], attrs: { axis: { type: "int", value: 0 } } });
    return name;
  };
  const inputs = [take(q, "q"), take(s, "scale"), ...(z ? [take(z, "zp")] : [])];
  const shape = [...it.shape, ...(dw.attrs.shape as { value: number[] }).value.slice(1)];
  out.push({ ...dw, name: `${gather.name}/dequantize`, inputs, outputs: [gather.outputs[0]!], attrs: { ...dw.attrs, shape: { type: "ints", value: shape } } });
  return out;
}

export function weightPack(g: Graph, ctx: PassContext): void {
  const consumers = g.consumers();
  let packed = 0, gathered = 0;
  g.nodes = g.nodes.map((n) => {
    if (n.op !== "DequantizeLinear") return n;
    const r = packDequantize(g, n, consumers);
    if (r) packed++;
    return r ?? n;
  });
  const producers = g.producers();
  g.nodes = g.nodes.flatMap((n) => {
    const dw = n.op === "Gather" && int(n, "axis", 0) === 0 ? producers.get(n.inputs[0]!) : undefined;
    if (!dw || dw.op !== DEQUANTIZE_WEIGHT || n.inputs[1] === n.inputs[0]) return [n];
    const r = gatherRows(g, n, dw);
    if (r) gathered++;
    return r ?? [n];
  });
  bump(ctx, "weight-pack", packed);
  bump(ctx, "gather-dequant", gathered);
}

export default { name: "weight-pack", minOptLevel: 1, run: weightPack } satisfies GraphPass;
