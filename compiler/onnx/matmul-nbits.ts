/**
 * @fileoverview Import of com.microsoft MatMulNBits (ONNX Runtime's blocked 4- and 8-bit
 * weight-only MatMul) as the default-domain ops it stands for:
 *   Y = A @ Transpose(DequantizeLinear(B as uint4/uint8 [N, K], scales [N, blocks], zero points,
 *                                      axis 1, block_size)) (+ bias)
 * weight-pack then keeps the weight packed and fuse-ops unpacks it inside the MatMul, as for
 * the QDQ form. accuracy_level is ignored: the product is computed in f32 (level 0's answer).
 */
import { Graph, Node, Tensor } from "../../ir/graph.ts";
import { unpackSubByte } from "../../ir/dtype.ts";
import { nodeError } from "../../ir/diagnostics.ts";

export const MS_DOMAIN = "com.microsoft";

export function expandMatMulNBits(n: Node, g: Graph): Node[] {
  if (n.op !== "MatMulNBits") nodeError(n, `op domain "${MS_DOMAIN}" holds no op ${n.op} that is supported`, "only MatMulNBits is");
  const int = (a: string, d?: number): number => {
    const v = n.attrs[a];
    if (v?.type === "int") return v.value;
    if (d === undefined) nodeError(n, `needs the attribute ${a}`);
    return d;
  };
  for (const a of Object.keys(n.attrs))
    if (!["K", "N", "bits", "block_size", "accuracy_level"].includes(a)) nodeError(n, `attribute '${a}' is not supported`);
  const K = int("K"), N = int("N"), bits = int("bits", 4), block = int("block_size");
  if (bits !== 4 && bits !== 8) nodeError(n, `bits ${bits} is not supported`, "4 and 8 are");
  if (!(block >= 16 && (block & (block - 1)) === 0)) nodeError(n, `block_size ${block} must be a power of two of at least 16`);
  const [a, b, s, zp, gIdx, bias] = n.inputs;
  if (!a || !b || !s) nodeError(n, "needs the inputs A, B and scales");
  if (gIdx) nodeError(n, "input g_idx (act-order) is not supported", "export the model without act-order");
  const konst = (v: string, what: string): Tensor => g.constants.get(v) ?? nodeError(n, `input ${what} must be an initializer`);
  const bt = konst(b, "B"), st = konst(s, "scales");
  const blocks = Math.ceil(K / block), blob = (block * bits) / 8;
  if (bt.dtype !== "u8" || bt.shape.join() !== [N, blocks, blob].join()) nodeError(n, `input B has shape [${bt.shape}] ${bt.dtype}; expected [${N}, ${blocks}, ${blob}] uint8`);
  if (st.dtype !== "f32" || st.data.length !== N * blocks) nodeError(n, `input scales must be ${N * blocks} float values`, "float16 scales are not supported");

  const p = `${n.name}/`;
  const add = (name: string, t: Tensor) => { g.constants.set(p + name, t); g.types.set(p + name, { dtype: t.dtype, shape: t.shape }); return p + name; };
  // Rows of B and of the zero points are packed as ONNX packs uint4, each row starting on a byte
  // (B's last block padded): unpacked row by row.
  const type = bits === 4 ? "u4" : "u8";
  const rowsOf = (bytes: Uint8Array, rowBytes: number, n: number): Uint8Array => {
    const out = new Uint8Array(N * n);
    for (let r = 0; r < N; r++) {
      const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
      out.set(type === "u4" ? unpackSubByte("u4", row, n) as Uint8Array : row.subarray(0, n), r * n);
    }
    return out;
  };
  const q = rowsOf(bt.data as Uint8Array, blocks * blob, K);
  let zps: Uint8Array = new Uint8Array(N * blocks).fill(1 << (bits - 1));
  if (zp) {
    const zt = konst(zp, "zero_points");
    if (zt.dtype !== "u8") nodeError(n, `input zero_points is ${zt.dtype}`, "only packed uint8 zero points are supported");
    const rowZ = Math.ceil((blocks * bits) / 8);
    if (zt.data.length !== N * rowZ) nodeError(n, `input zero_points holds ${zt.data.length} bytes; expected ${N * rowZ}`);
    zps = rowsOf(zt.data as Uint8Array, rowZ, blocks);
  }
  const inputs = [
    add("q", { dtype: type, shape: [N, K], data: q }),
    add("scale", { dtype: "f32", shape: [N, blocks], data: st.data }),
    add("zp", { dtype: type, shape: [N, blocks], data: zps }),
  ];
  const w = `${p}w`, wt = `${p}wt`, y = n.outputs[0]!;
  const mm = bias ? `${p}mm` : y;
  const nodes: Node[] = [
    { name: `${p}dequantize`, op: "DequantizeLinear", domain: "", inputs, outputs: [w], attrs: { axis: { type: "int", value: 1 }, block_size: { type: "int", value: block } } },
    { name: `${p}transpose`, op: "Transpose", domain: "", inputs: [w], outputs: [wt], attrs: { perm: { type: "ints", value: [1, 0] } } },
    { name: `${p}matmul`, op: "MatMul", domain: "", inputs: [a, wt], outputs: [mm], attrs: {} },
  ];
  if (bias) nodes.push({ name: `${p}bias`, op: "Add", domain: "", inputs: [mm, bias], outputs: [y], attrs: {} });
  return nodes;
}
