/**
 * @fileoverview Generated models whose size or depth grows with a parameter: long elementwise
 * chains, repeated shared operands, shape arithmetic, large If branches, nested Loops and many
 * Constant nodes. Each compiler walk must handle them without recursion proportional to the model.
 */
import { GraphSpec, ModelSpec, NodeSpec, TensorSpec, rng, uniform } from "./onnx-builder.ts";

const f32 = (name: string, dims: number[], data: ArrayLike<number>): TensorSpec => ({ name, dtype: "f32", dims, data });
const i64 = (name: string, data: number[], dims = [data.length]): TensorSpec => ({ name, dtype: "i64", dims, data });

/** Appends `n` elementwise nodes to `nodes`, starting from value `x`; returns the last value. */
function elementwiseChain(nodes: NodeSpec[], x: string, n: number, prefix: string, last?: string): string {
  // Contracting and bounded ops keep the values well inside f32 range over thousands of steps.
  const steps: ((a: string, o: string) => NodeSpec)[] = [
    (a, o) => ({ op: "Mul", inputs: [a, `${prefix}k`], outputs: [o] }),
    (a, o) => ({ op: "Add", inputs: [a, `${prefix}b`], outputs: [o] }),
    (a, o) => ({ op: "Tanh", inputs: [a], outputs: [o] }),
    (a, o) => ({ op: "Neg", inputs: [a], outputs: [o] }),
    (a, o) => ({ op: "Sigmoid", inputs: [a], outputs: [o] }),
    (a, o) => ({ op: "Sub", inputs: [a, `${prefix}b`], outputs: [o] }),
    (a, o) => ({ op: "Abs", inputs: [a], outputs: [o] }),
    (a, o) => ({ op: "Div", inputs: [a, `${prefix}k`], outputs: [o] }),
  ];
  let prev = x;
  for (let i = 0; i < n; i++) {
    const o = i === n - 1 && last ? last : `${prefix}${i}`;
    nodes.push(steps[i % steps.length]!(prev, o));
    prev = o;
  }
  return prev;
}

const chainConsts = (prefix: string): TensorSpec[] => [f32(`${prefix}k`, [], [1.25]), f32(`${prefix}b`, [], [0.375])];

/** x -> n elementwise ops -> y. */
export function chainModel(n: number): ModelSpec {
  const nodes: NodeSpec[] = [];
  elementwiseChain(nodes, "x", n, "c", "y");
  return {
    opset: 17, nodes, initializers: chainConsts("c"),
    inputs: [{ name: "x", dtype: "f32", shape: [2, 17] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 17] }],
  };
}

/**
 * `n` blocks of HardSigmoid·Mul or HardSwish in a row, as mobile nets export them, with a 1x1
 * Conv every tenth block.
 */
export function hardSwishBlocksModel(n: number): ModelSpec {
  const r = rng(11);
  const C = 4;
  const nodes: NodeSpec[] = [];
  const inits: TensorSpec[] = [f32("two", [], [2]), f32("cw", [C, C, 1, 1], uniform(r, C * C, -0.6, 0.6)), f32("cb", [C], uniform(r, C, -0.2, 0.2))];
  let x = "x";
  for (let i = 0; i < n; i++) {
    const o = i === n - 1 ? "y" : `h${i}`;
    nodes.push({ op: "Mul", inputs: [x, "two"], outputs: [`s${i}`] });
    let a = `s${i}`;
    if (i % 10 === 9) { nodes.push({ op: "Conv", inputs: [a, "cw", "cb"], outputs: [`cv${i}`] }); a = `cv${i}`; }
    if (i % 2 === 0) {
      nodes.push({ op: "HardSigmoid", inputs: [a], outputs: [`g${i}`], attrs: { alpha: 1 / 6, beta: 0.5 } });
      nodes.push({ op: "Mul", inputs: [a, `g${i}`], outputs: [o] });
    } else {
      nodes.push({ op: "HardSwish", inputs: [a], outputs: [o] });
    }
    x = o;
  }
  return {
    opset: 14, nodes, initializers: inits,
    inputs: [{ name: "x", dtype: "f32", shape: [1, C, 5, 5] }], outputs: [{ name: "y", dtype: "f32", shape: [1, C, 5, 5] }],
  };
}

/** `n` ops in a row that read the previous value in both operands: t = tanh(t + t), t = t*t - 0.5. */
export function sharedOperandModel(n: number): ModelSpec {
  const nodes: NodeSpec[] = [];
  let t = "x";
  for (let i = 0; i < n; i++) {
    const o = i === n - 1 ? "y" : `t${i}`;
    if (i % 2 === 0) {
      nodes.push({ op: "Add", inputs: [t, t], outputs: [`d${i}`] });
      nodes.push({ op: "Tanh", inputs: [`d${i}`], outputs: [o] });
    } else {
      nodes.push({ op: "Mul", inputs: [t, t], outputs: [`d${i}`] });
      nodes.push({ op: "Sub", inputs: [`d${i}`, "half"], outputs: [o] });
    }
    t = o;
  }
  return {
    opset: 17, nodes, initializers: [f32("half", [], [0.5])],
    inputs: [{ name: "x", dtype: "f32", shape: [3, 8] }], outputs: [{ name: "y", dtype: "f32", shape: [3, 8] }],
  };
}

/**
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape, repeated until about `n` nodes: the input is
 * flattened and unflattened through shapes computed from the tensors themselves; it all folds.
 */
export function shapeChainModel(n: number): ModelSpec {
  const nodes: NodeSpec[] = [];
  let x = "x";
  for (let b = 0; nodes.length < n; b++) {
    // flatten: [d0, d1*d2]; unflatten: [d0, d1, d2] from the original input's shape.
    const src = b % 2 === 0 ? x : "x";
    nodes.push({ op: "Shape", inputs: [src], outputs: [`sh${b}`] });
    const dims = b % 2 === 0 ? [0] : [0, 1, 2];
    const parts = dims.map((d) => {
      nodes.push({ op: "Gather", inputs: [`sh${b}`, `ax${d}`], outputs: [`g${b}_${d}`], attrs: { axis: 0 } });
      nodes.push({ op: "Unsqueeze", inputs: [`g${b}_${d}`, "zero"], outputs: [`u${b}_${d}`] });
      return `u${b}_${d}`;
    });
    if (b % 2 === 0) parts.push("minus1");
    nodes.push({ op: "Concat", inputs: parts, outputs: [`cat${b}`], attrs: { axis: 0 } });
    nodes.push({ op: "Reshape", inputs: [x, `cat${b}`], outputs: [`r${b}`] });
    x = `r${b}`;
  }
  nodes.push({ op: "Reshape", inputs: [x, "final"], outputs: ["flat"] });
  nodes.push({ op: "Relu", inputs: ["flat"], outputs: ["y"] });
  return {
    opset: 17, nodes,
    initializers: [i64("ax0", [0], []), i64("ax1", [1], []), i64("ax2", [2], []), i64("zero", [0]), i64("minus1", [-1]), i64("final", [2, 3, 4])],
    inputs: [{ name: "x", dtype: "f32", shape: [2, 3, 4] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 3, 4] }],
  };
}

/** An If on a run-time flag whose two branches hold `n` nodes each, reading the outer input. */
export function bigIfModel(n: number): ModelSpec {
  const branch = (name: string, prefix: string, first: string): GraphSpec => {
    const nodes: NodeSpec[] = [{ op: first, inputs: ["x"], outputs: [`${prefix}in`] }];
    elementwiseChain(nodes, `${prefix}in`, n - 1, prefix, `${name}_out`);
    return { name, inputs: [], outputs: [{ name: `${name}_out`, dtype: "f32", shape: [4, 6] }], nodes, initializers: chainConsts(prefix) };
  };
  return {
    opset: 16,
    nodes: [{ op: "If", inputs: ["flag"], outputs: ["y"], attrs: { then_branch: { graph: branch("then", "a", "Tanh") }, else_branch: { graph: branch("else", "b", "Sigmoid") } } }],
    inputs: [{ name: "x", dtype: "f32", shape: [4, 6] }, { name: "flag", dtype: "bool", shape: [] }],
    outputs: [{ name: "y", dtype: "f32", shape: [4, 6] }],
  };
}

/** Three Loops nested inside each other (3 x 2 x 4 iterations), each updating a carried tensor. */
export function nestedLoopModel(): ModelSpec {
  const scalar = (name: string, dtype: "i64" | "bool") => ({ name, dtype, shape: [] as number[] });
  const carried = (name: string) => ({ name, dtype: "f32" as const, shape: [2, 3] });
  const level = (depth: number, inner?: GraphSpec): GraphSpec => {
    const p = `l${depth}_`;
    const nodes: NodeSpec[] = [
      { op: "Identity", inputs: [`${p}c`], outputs: [`${p}cout`] },
      { op: "Cast", inputs: [`${p}i`], outputs: [`${p}if`], attrs: { to: 1 } },
      { op: "Mul", inputs: [`${p}acc`, "decay"], outputs: [`${p}m`] },
      { op: "Add", inputs: [`${p}m`, `${p}if`], outputs: [`${p}a`] },
    ];
    if (inner) nodes.push({ op: "Loop", inputs: [`trips${depth + 1}`, "", `${p}a`], outputs: [`${p}next`], attrs: { body: { graph: inner } } });
    else nodes.push({ op: "Sin", inputs: [`${p}a`], outputs: [`${p}next`] });
    return { name: `level${depth}`, inputs: [scalar(`${p}i`, "i64"), scalar(`${p}c`, "bool"), carried(`${p}acc`)], outputs: [scalar(`${p}cout`, "bool"), carried(`${p}next`)], nodes };
  };
  const body = level(0, level(1, level(2)));
  return {
    opset: 17,
    nodes: [
      { op: "Loop", inputs: ["trips0", "", "x"], outputs: ["acc"], attrs: { body: { graph: body } } },
      { op: "Relu", inputs: ["acc"], outputs: ["y"] },
    ],
    initializers: [i64("trips0", [3], []), i64("trips1", [2], []), i64("trips2", [4], []), f32("decay", [], [0.5])],
    inputs: [carried("x")], outputs: [{ name: "y", dtype: "f32", shape: [2, 3] }],
  };
}

/** `n` Constant nodes, each feeding the next Add or Mul of a chain from the input. */
export function constantsModel(n: number): ModelSpec {
  const r = rng(5);
  const nodes: NodeSpec[] = [];
  let x = "x";
  for (let i = 0; i < n; i++) {
    const mul = i % 2 === 1;
    const v = mul ? 0.9 + 0.2 * r() : r() - 0.5;
    nodes.push({ op: "Constant", inputs: [], outputs: [`k${i}`], attrs: { value: { tensor: f32(`k${i}`, [3], [v, mul ? 2 - v : v / 2, -v]) } } });
    const o = i === n - 1 ? "y" : `v${i}`;
    nodes.push({ op: mul ? "Mul" : "Add", inputs: [x, `k${i}`], outputs: [o] });
    x = o;
  }
  return {
    opset: 13, nodes,
    inputs: [{ name: "x", dtype: "f32", shape: [2, 3] }], outputs: [{ name: "y", dtype: "f32", shape: [2, 3] }],
  };
}
