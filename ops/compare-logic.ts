/**
 * @fileoverview Comparison, logical and bitwise ops: Equal/Less/Greater(OrEqual), And/Or/Xor/Not,
 * BitwiseAnd/Or/Xor/Not and BitShift.
 */
import { DType, byteSize } from "../ir/dtype.ts";
import { BinOp, bin, c, select, un } from "../ir/tir.ts";
import { ALL, INTS, NUMERIC, defineElementwise } from "./util.ts";

const toBool = () => "bool" as const;

const compares: [string, BinOp, readonly DType[]][] = [
  ["Equal", "eq", ALL], ["Less", "lt", NUMERIC], ["Greater", "gt", NUMERIC],
  ["LessOrEqual", "le", NUMERIC], ["GreaterOrEqual", "ge", NUMERIC],
];
for (const [op, b, dtypes] of compares)
  defineElementwise({
    op, arity: 2, dtypes, outDtype: toBool,
    f: (x) => bin(b, x[0]!, x[1]!),
  });

// Booleans are stored as 0/1, so exclusive-or is inequality.
const logic: [string, BinOp][] = [["And", "land"], ["Or", "lor"], ["Xor", "ne"]];
for (const [op, b] of logic)
  defineElementwise({ op, arity: 2, dtypes: ["bool"], f: (x) => bin(b, x[0]!, x[1]!) });
defineElementwise({ op: "Not", arity: 1, dtypes: ["bool"], f: (x) => un("lnot", x[0]!) });

const bitwise: [string, BinOp][] = [["BitwiseAnd", "and"], ["BitwiseOr", "or"], ["BitwiseXor", "xor"]];
for (const [op, b] of bitwise)
  defineElementwise({ op, arity: 2, dtypes: INTS, f: (x) => bin(b, x[0]!, x[1]!) });
defineElementwise({ op: "BitwiseNot", arity: 1, dtypes: INTS, f: (x) => un("not", x[0]!) });

defineElementwise({
  op: "BitShift", arity: 2, dtypes: ["u8", "u16", "u32", "u64"], attrs: ["direction"],
  checkInputs: (ctx) => {
    const d = ctx.string("direction");
    if (d !== "LEFT" && d !== "RIGHT") ctx.fail(`direction must be "LEFT" or "RIGHT", got "${d}"`);
  },
  f: (x, ctx, t) => {
    const [v, s] = [x[0]!, x[1]!];
    // Shifting by the bit width or more is undefined in C; every bit is shifted out, so it is 0.
    const shifted = bin(ctx.string("direction") === "LEFT" ? "shl" : "shr", v, s);
    return select(bin("ge", s, c(byteSize(t) * 8, t)), c(0, t), shifted);
  },
});
