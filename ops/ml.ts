/**
 * @fileoverview ai.onnx.ml ops on numeric tensors: Binarizer, ArrayFeatureExtractor, LabelEncoder
 * (numeric keys and values) and TreeEnsemble. They are registered under their qualified names
 * ("ai.onnx.ml.Binarizer"), which the importer gives nodes of that domain.
 */
import { DType, isFloat, toNumbers } from "../ir/dtype.ts";
import { Tensor, numel } from "../ir/graph.ts";
import { Buffer, Expr, Stmt, bin, c, cast, load, loop, mkVar, select, seq, store, un } from "../ir/tir.ts";
import { at } from "./te.ts";
import { OpCtx, defineOp } from "./registry.ts";
import { safeIndex } from "./shape.ts";
import { computeType, defineElementwise } from "./util.ts";

const ML = "ai.onnx.ml.";

defineElementwise({
  op: `${ML}Binarizer`, attrs: ["threshold"], arity: 1, dtypes: ["f32", "f64", "i64", "i32"],
  f: ([x], ctx, t) => {
    const ct = isFloat(t) ? computeType(t) : t;
    // Integers compare against the float threshold in f64.
    const v = isFloat(t) ? x! : cast(x!, "f64");
    return select(bin("gt", v, c(ctx.float("threshold", 0), v.dtype)), c(1, ct), c(0, ct));
  },
});

defineOp({
  op: `${ML}ArrayFeatureExtractor`, kind: "injective", attrs: [],
  infer(ctx) {
    const x = ctx.input(0), ind = ctx.input(1);
    ctx.dtypeIn(x.dtype, ["f32", "f64", "i64", "i32"]);
    ctx.dtypeIn(ind.dtype, ["i64"], "indices");
    if (x.shape.length === 0) ctx.fail("input must have rank >= 1");
    const n = numel(ind.shape);
    if (n > 0 && x.shape[x.shape.length - 1] === 0) ctx.fail("the last axis is empty, so there is nothing to select");
    // A 1-D input gives one row, as ONNX Runtime does.
    return [{ dtype: x.dtype, shape: x.shape.length === 1 ? [1, n] : [...x.shape.slice(0, -1), n] }];
  },
  compute(_ctx, te, ins, outs) {
    const [x, ind] = [ins[0]!, ins[1]!];
    const last = x.shape[x.shape.length - 1]!;
    const flat = te.compute("indices", [numel(ind.shape)], ([i]) => {
      let rest: Expr = i!;
      const pos = ind.shape.map(() => c(0));
      for (let d = ind.shape.length - 1; d >= 0; d--) {
        pos[d] = d === 0 ? rest : bin("floormod", rest, c(ind.shape[d]!));
        rest = bin("floordiv", rest, c(ind.shape[d]!));
      }
      return at(ind, ...pos);
    });
    return [te.compute("array_feature_extractor", outs[0]!.shape, (idx) => {
      const j = safeIndex(at(flat, idx[idx.length - 1]!), last);
      return x.shape.length === 1 ? at(x, j) : at(x, ...idx.slice(0, -1), j);
    })];
  },
});

// ---- LabelEncoder ----

const LABEL_TYPES: readonly DType[] = ["i64", "i32", "i16", "f32", "f64"];

/** Keys, values and the default of a numeric LabelEncoder, from list or tensor attributes. */
function labelMap(ctx: OpCtx): { keys: number[]; values: number[]; vtype: DType; def: number } {
  const strs = ["keys_strings", "values_strings", "default_string"].filter((a) => ctx.hasAttr(a));
  if (strs.length) ctx.fail(`string ${strs.join(", ")} are not supported`, "only numeric keys and values can be compiled");
  const kt = ctx.tensor("keys_tensor"), vt = ctx.tensor("values_tensor"), dt = ctx.tensor("default_tensor");
  const keys = kt ? toNumbers(kt.data) : ctx.hasAttr("keys_int64s") ? ctx.ints("keys_int64s") : ctx.floats("keys_floats", []);
  let values: number[], vtype: DType, def: number;
  if (vt) {
    values = toNumbers(vt.data);
    vtype = vt.dtype;
    if (dt && dt.dtype !== vtype) ctx.fail(`default_tensor is ${dt.dtype} but values_tensor is ${vtype}`);
    def = dt ? tensorScalar(ctx, dt) : isFloat(vtype) ? -0 : -1;
  } else if (ctx.hasAttr("values_int64s")) {
    values = ctx.ints("values_int64s");
    vtype = "i64";
    def = ctx.int("default_int64", -1);
  } else {
    values = ctx.floats("values_floats", []);
    vtype = "f32";
    def = ctx.float("default_float", -0);
  }
  if (keys.length !== values.length) ctx.fail(`${keys.length} keys but ${values.length} values`, "give one value per key");
  if (!LABEL_TYPES.includes(vtype)) ctx.fail(`value type ${vtype} is not supported`, `supported: ${LABEL_TYPES.join(", ")}`);
  return { keys, values, vtype, def };
}

function tensorScalar(ctx: OpCtx, t: Tensor): number {
  if (numel(t.shape) !== 1) ctx.fail("default_tensor must hold one value");
  return toNumbers(t.data)[0]!;
}

defineOp({
  op: `${ML}LabelEncoder`, kind: "elemwise",
  attrs: ["keys_floats", "keys_int64s", "keys_strings", "keys_tensor", "values_floats", "values_int64s", "values_strings",
    "values_tensor", "default_float", "default_int64", "default_string", "default_tensor"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, LABEL_TYPES);
    const { vtype } = labelMap(ctx);
    return [{ dtype: vtype, shape: x.shape }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const { keys, values, vtype, def } = labelMap(ctx);
    // The first matching key wins, so the chain is built from the last key outward.
    return [te.compute("label_encoder", outs[0]!.shape, (idx) => {
      const v = at(x, ...idx);
      // The first of equal keys wins; a NaN key matches NaN inputs.
      const first = new Map<number, number>();
      let nanValue: number | undefined;
      keys.forEach((key, j) => {
        if (Number.isNaN(key)) { if (isFloat(x.dtype) && nanValue === undefined) nanValue = values[j]!; }
        else if (!first.has(key === 0 ? 0 : key)) first.set(key === 0 ? 0 : key, values[j]!);
      });
      const sorted = [...first.keys()].sort((a, b) => a - b);
      // A binary search over the sorted keys, so the expression grows with the logarithm of their number.
      const search = (lo: number, hi: number): Expr => {
        if (hi - lo <= 2) {
          let e: Expr = c(def, vtype);
          for (let j = hi - 1; j >= lo; j--) e = select(bin("eq", v, c(sorted[j]!, x.dtype)), c(first.get(sorted[j]!)!, vtype), e);
          return e;
        }
        const mid = (lo + hi) >> 1;
        return select(bin("lt", v, c(sorted[mid]!, x.dtype)), search(lo, mid), search(mid, hi));
      };
      const e = search(0, sorted.length);
      return nanValue === undefined ? e : select(un("isnan", v), c(nanValue, vtype), e);
    })];
  },
});

// ---- TreeEnsemble ----

const MAX_TREE_DEPTH = 256;
const MODES = ["leq", "lt", "gte", "gt", "eq", "neq", "member"] as const;
const AGGREGATES = ["average", "sum", "min", "max"] as const;

interface Trees {
  featureIds: number[]; modes: number[]; splits: number[]; trueIds: number[]; falseIds: number[];
  trueLeaf: number[]; falseLeaf: number[]; missingTrue: number[]; members: number[][];
  leafTargets: number[]; leafWeights: number[]; roots: number[]; nTargets: number; aggregate: number; post: number;
}

const tensorAttr = (ctx: OpCtx, name: string): number[] => {
  const t = ctx.tensor(name);
  if (!t) return ctx.fail(`attribute '${name}' is required`);
  return toNumbers(t.data);
};

/** Reads and checks the ensemble's attributes (every id in range, so traversal cannot escape). */
function treesOf(ctx: OpCtx): Trees {
  const featureIds = ctx.ints("nodes_featureids"), modes = tensorAttr(ctx, "nodes_modes"), splits = tensorAttr(ctx, "nodes_splits");
  const trueIds = ctx.ints("nodes_truenodeids"), falseIds = ctx.ints("nodes_falsenodeids");
  const trueLeaf = ctx.ints("nodes_trueleafs"), falseLeaf = ctx.ints("nodes_falseleafs");
  const n = featureIds.length;
  const missingTrue = ctx.ints("nodes_missing_value_tracks_true", new Array<number>(n).fill(0));
  const leafTargets = ctx.ints("leaf_targetids"), leafWeights = tensorAttr(ctx, "leaf_weights");
  const roots = ctx.ints("tree_roots"), nTargets = ctx.int("n_targets");
  const aggregate = ctx.int("aggregate_function", 1);
  for (const [name, a] of [["nodes_modes", modes], ["nodes_splits", splits], ["nodes_truenodeids", trueIds], ["nodes_falsenodeids", falseIds],
    ["nodes_trueleafs", trueLeaf], ["nodes_falseleafs", falseLeaf], ["nodes_missing_value_tracks_true", missingTrue]] as const)
    if (a.length !== n) ctx.fail(`${name} has ${a.length} entries but nodes_featureids has ${n}`);
  if (leafWeights.length !== leafTargets.length) ctx.fail(`leaf_weights has ${leafWeights.length} entries but leaf_targetids has ${leafTargets.length}`);
  if (!(aggregate in AGGREGATES)) ctx.fail(`aggregate_function ${aggregate} is not supported`, "use 0 (average), 1 (sum), 2 (min) or 3 (max)");
  const post = ctx.int("post_transform", 0);
  if (post < 0 || post > 3) ctx.fail(`post_transform ${post} is not supported`, "use 0 (none), 1 (softmax), 2 (logistic) or 3 (softmax_zero)");
  if (nTargets < 1) ctx.fail(`n_targets must be at least 1, got ${nTargets}`);
  if (modes.some((m) => !(m in MODES))) ctx.fail("nodes_modes holds an unknown mode", "modes are 0..6 (LEQ, LT, GTE, GT, EQ, NEQ, MEMBER)");
  for (const t of leafTargets) if (t < 0 || t >= nTargets) ctx.fail(`leaf target ${t} is out of range for ${nTargets} targets`);
  const nFeatures = ctx.input(0).shape[1]!;
  for (const f of featureIds) if (f < 0 || f >= nFeatures) ctx.fail(`feature id ${f} is out of range for ${nFeatures} features`);
  for (let i = 0; i < n; i++) {
    for (const [id, leaf] of [[trueIds[i]!, trueLeaf[i]!], [falseIds[i]!, falseLeaf[i]!]] as const)
      if (id < 0 || id >= (leaf ? leafWeights.length : n)) ctx.fail(`node ${i} points to ${leaf ? "leaf" : "node"} ${id}, which does not exist`);
  }
  for (const r of roots) if (r < 0 || r >= n) ctx.fail(`tree root ${r} is out of range for ${n} nodes`);
  // Set members come in node order, each node's list ended by a NaN.
  const flat = ctx.tensor("membership_values") ? tensorAttr(ctx, "membership_values") : [];
  const members: number[][] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (modes[i] !== 6) { members.push([]); continue; }
    const set: number[] = [];
    while (k < flat.length && !Number.isNaN(flat[k]!)) set.push(flat[k++]!);
    if (k >= flat.length) ctx.fail("membership_values has fewer NaN-ended lists than MEMBER nodes");
    k++;
    members.push(set);
  }
  return { featureIds, modes, splits, trueIds, falseIds, trueLeaf, falseLeaf, missingTrue, members, leafTargets, leafWeights, roots, nTargets, aggregate, post };
}

defineOp({
  op: `${ML}TreeEnsemble`, kind: "opaque",
  attrs: ["aggregate_function", "leaf_targetids", "leaf_weights", "membership_values", "n_targets", "nodes_falseleafs",
    "nodes_falsenodeids", "nodes_featureids", "nodes_hitrates", "nodes_missing_value_tracks_true", "nodes_modes",
    "nodes_splits", "nodes_trueleafs", "nodes_truenodeids", "post_transform", "tree_roots"],
  infer(ctx) {
    const x = ctx.input(0);
    ctx.dtypeIn(x.dtype, ["f32", "f64", "f16"]);
    if (x.shape.length !== 2) ctx.fail(`input must be 2-D [N, features], got rank ${x.shape.length}`);
    const t = treesOf(ctx);
    return [{ dtype: x.dtype, shape: [x.shape[0]!, t.nTargets] }];
  },
  compute(ctx, te, ins, outs) {
    const x = ins[0]!;
    const t = treesOf(ctx);
    const [rows, nf] = x.shape as [number, number];
    const ct = computeType(x.dtype);
    const agg = AGGREGATES[t.aggregate]!;
    // MIN/MAX start from the largest finite values, so an unreached target stays there.
    const big = ct === "f64" ? Number.MAX_VALUE : 3.4028234663852886e38;
    const init = agg === "min" ? big : agg === "max" ? -big : 0;
    return te.extern([{ name: "tree_ensemble", ...outs[0]! }], [x], ([xb], [yb]) => loop(rows, (r) => {
      const out = (tid: number) => bin("add", bin("mul", r, c(t.nTargets)), c(tid));
      const leaf = (l: number): Stmt => {
        const o = out(t.leafTargets[l]!);
        const old = cast(load(yb!, o), ct), w = c(t.leafWeights[l]!, ct);
        const v = agg === "min" ? bin("min", old, w) : agg === "max" ? bin("max", old, w) : bin("add", old, w);
        return store(yb!, o, cast(v, x.dtype));
      };
      const node = (i: number, depth: number): Stmt => {
        if (depth > t.modes.length) ctx.fail(`the tree through node ${i} has a cycle`);
        // Each level nests one more if in the generated code (and in every walk over it).
        if (depth >= MAX_TREE_DEPTH) ctx.fail(`the tree through node ${i} is more than ${MAX_TREE_DEPTH} levels deep, which is not supported`);
        const v = cast(load(xb!, bin("add", bin("mul", r, c(nf)), c(t.featureIds[i]!))), ct);
        const s = c(t.splits[i]!, ct);
        const mode = MODES[t.modes[i]!]!;
        let cond: Expr = mode === "member"
          ? t.members[i]!.reduce<Expr>((e, m) => bin("lor", e, bin("eq", v, c(m, ct))), c(0, "bool"))
          : bin(mode === "leq" ? "le" : mode === "gte" ? "ge" : mode === "neq" ? "ne" : mode, v, s);
        if (t.missingTrue[i]) cond = bin("lor", cond, un("isnan", v));
        const branch = (id: number, isLeaf: number) => (isLeaf ? leaf(id) : node(id, depth + 1));
        return { k: "if", c: cond, then: branch(t.trueIds[i]!, t.trueLeaf[i]!), else: branch(t.falseIds[i]!, t.falseLeaf[i]!) };
      };
      const trees = t.roots.map((root) =>
        t.trueLeaf[root] && t.falseLeaf[root] && t.trueIds[root] === t.falseIds[root] ? leaf(root) : node(root, 0));
      const body: Stmt[] = [loop(t.nTargets, (j) => store(yb!, bin("add", bin("mul", r, c(t.nTargets)), j), cast(c(init, ct), x.dtype)), "t"), ...trees];
      if (agg === "average")
        body.push(loop(t.nTargets, (j) => {
          const o = bin("add", bin("mul", r, c(t.nTargets)), j);
          return store(yb!, o, cast(bin("div", cast(load(yb!, o), ct), c(t.roots.length, ct)), x.dtype));
        }, "t"));
      if (t.post) body.push(postTransform(t.post, yb!, bin("mul", r, c(t.nTargets)), t.nTargets, ct));
      return seq(...body);
    }, "row"));
  },
});

/**
 * Scores of one row to probabilities, numbered as the ONNX spec numbers them: 1 softmax,
 * 2 logistic, 3 softmax that leaves zero scores (near) zero. (ONNX Runtime reads 1 and 2 swapped.)
 */
function postTransform(post: number, yb: Buffer, base: Expr, n: number, ct: DType): Stmt {
  const t = yb.dtype;
  const at_ = (j: Expr) => bin("add", base, j);
  const get = (j: Expr) => cast(load(yb, at_(j)), ct);
  const put = (j: Expr, v: Expr) => store(yb, at_(j), cast(v, t));
  if (post === 2) return loop(n, (j) => put(j, bin("div", c(1, ct), bin("add", c(1, ct), un("exp", un("neg", get(j)))))), "t");
  const mx = mkVar("mx", ct), sum = mkVar("sum", ct);
  // Softmax-zero, as ONNX Runtime does it: scores within 1e-7 of zero are scaled, not exponentiated, and not summed.
  const keep = (v: Expr) => (post === 3 ? bin("gt", un("abs", v), c(1e-7, ct)) : c(1, "bool"));
  const e = (v: Expr) => select(keep(v), un("exp", bin("sub", v, mx)), bin("mul", v, un("exp", un("neg", mx))));
  return seq(
    { k: "decl", v: mx, init: get(c(0)) },
    loop(n, (j) => ({ k: "assign", v: mx, value: bin("max", mx, get(j)) }), "t"),
    { k: "decl", v: sum, init: c(0, ct) },
    loop(n, (j) => seq(put(j, e(get(j))), { k: "assign", v: sum, value: bin("add", sum, select(keep(get(j)), get(j), c(0, ct))) }), "t"),
    loop(n, (j) => put(j, select(bin("gt", sum, c(0, ct)), bin("div", get(j), sum), get(j))), "t"),
  );
}
