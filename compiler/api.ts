/**
 * @fileoverview The public API: compile an ONNX model to a Program and write target artifacts.
 */
import { CTarget, cTargetDesc, emitterFor, isMcuTarget } from "./c-targets.ts";
import { vectorizeProgram } from "../passes/vectorize-program.ts";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emitC } from "../backends/c/artifact.ts";
import { Graph, Tensor, cloneGraph, shapeStr } from "../ir/graph.ts";
import { fail, q } from "../ir/diagnostics.ts";
import { resetVarNames } from "../ir/tir.ts";
import { ShapeFoldCounter, foldNode } from "../passes/fold-constants.ts";
import { PassOptions, runPipeline } from "../passes/registry.ts";
import { inferTypes, topoSort } from "../ops/infer.ts";
import { ImportOptions, importModel, loadModel } from "./onnx/import.ts";
import { buildProgram } from "../passes/program.ts";
import { Program, kernelSteps } from "../ir/program.ts";
import { TargetDesc } from "../ir/target.ts";
import { TileConfig, tileFor } from "../passes/schedule-tile.ts";
import { KernelSchedule, TileKnobs } from "../ir/schedule.ts";
import { makeCapturesExplicit } from "../ir/captures.ts";
import { simplifyControlFlow } from "../ops/subgraph.ts";
import { schedulesFromLog } from "./tune/log.ts";

export interface CompileOptions extends ImportOptions {
  optLevel?: number;
  /** Prefix of generated C symbols and files. */
  name?: string;
  /** Weights above this many bytes go to a .bin file. */
  embedLimit?: number;
  /** An explicit graph pass list instead of the level's pipeline. */
  passes?: string[];
  afterPass?: PassOptions["afterPass"];
  /** Also plan the unoptimised graph, to report kernels and arena before and after. */
  baseline?: boolean;
  /** Graph inputs fixed to these values at compile time (a specialised model). */
  freezeInputs?: Map<string, Tensor>;
  /** The register tile of Conv/MatMul/Gemm kernels: tileFor(cTarget) by default. */
  tile?: TileConfig;
  /** A C target with vectors (x86-64-v3, x86-64-v4): kernels are vectorized for it and printed with its intrinsics. */
  cTarget?: CTarget;
  /** Tile knobs per node name that replace the target's (readScheduleFile). */
  schedules?: ReadonlyMap<string, TileKnobs>;
  /** The target description kernels are vectorized for when it is not a C one (TARGETS.wasm for --target wasm). */
  vectorTarget?: TargetDesc;
  /** C: time every kernel call (backends/c/artifact.ts CArtifactOptions.profile). */
  profile?: boolean;
  /** An `edgec tune` log: each workload it holds takes its best record's knobs (`schedules` wins per node). */
  tuningLog?: string;
}

/** Turns the named runtime inputs into constants, checking type and shape against the model. */
export function freezeInputs(g: Graph, frozen: Map<string, Tensor> | undefined): void {
  for (const [name, t] of frozen ?? []) {
    if (!g.inputs.includes(name)) fail(`--freeze-input ${q(name)}: the model has no runtime input of that name`);
    const decl = g.typeOf(name);
    if (decl.dtype !== t.dtype || decl.shape.length !== t.shape.length || decl.shape.some((d, i) => d !== t.shape[i]))
      fail(`--freeze-input ${q(name)}: the value is ${t.dtype}${shapeStr(t.shape)} but the input is ${decl.dtype}${shapeStr(decl.shape)}`);
    g.inputs = g.inputs.filter((x) => x !== name);
    g.constants.set(name, { dtype: t.dtype, shape: t.shape, data: t.data });
  }
}

export interface Report {
  kernels: number;
  arena_bytes: number;
  arena_lower_bound_bytes: number;
  /** The peak of the graph's intermediate tensors alone, and of the schedules' scratch alone. */
  tensors_lower_bound_bytes: number;
  scratch_bytes: number;
  weights_bytes: number;
  ops: Record<string, number>;
  fusions: Record<string, number>;
  inputs: { name: string; dtype: string; shape: number[] }[];
  outputs: { name: string; dtype: string; shape: number[] }[];
  /** The target kernels were vectorized for, and how many innermost loops its vectorizer rewrote or left scalar. */
  target?: string;
  vectorized_loops?: number;
  scalar_loops?: number;
  /** Each kernel with a register tile: its node, the knobs it was lowered with, the tiles they gave. */
  schedules: KernelSchedule[];
  /** Nodes whose kernels took their knobs from the tuning log. */
  tuned?: string[];
  /** The same numbers for the graph before optimisation passes, when asked for. */
  before?: { kernels: number; arena_bytes: number; arena_lower_bound_bytes: number };
  /** `compile --quantize`: how the float model was quantized before compiling. */
  quantization?: { scheme: string; method?: string; samples?: number; quantized: Record<string, number> };
}

export interface Compiled {
  graph: Graph;
  program: Program;
  report: Report;
  /** The model's runtime inputs in model order, before any were frozen to constants. */
  modelInputs: string[];
}

export function compileGraph(g: Graph, opts: CompileOptions = {}): Compiled {
  resetVarNames();
  const modelInputs = [...g.inputs];
  freezeInputs(g, opts.freezeInputs);
  makeCapturesExplicit(g);
  topoSort(g);
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  // Folding while inferring lets shape inputs computed by Constant/Shape nodes become known.
  const outputs = new Set(g.outputs);
  const shapes = new ShapeFoldCounter();
  // Quantized weights stay quantized: DequantizeLinear is left for the qdq pass (and folded
  // later by fold-constants only where no integer kernel takes it).
  inferTypes(g, (n) => {
    if (n.op === "DequantizeLinear" || !foldNode(g, n, outputs)) return false;
    shapes.observe(n);
    return true;
  });
  simplifyControlFlow(g);
  let before: Report["before"];
  if (opts.baseline) {
    const p0 = buildProgram(cloneGraph(g), { passes: (sub) => runPipeline(sub, { optLevel: 0 }) });
    before = { kernels: kernelSteps(p0.steps).length, arena_bytes: p0.arenaBytes, arena_lower_bound_bytes: p0.arenaLowerBound };
  }
  const vt = opts.cTarget && opts.cTarget !== "c" ? cTargetDesc(opts.cTarget) : opts.vectorTarget;
  const tile = opts.tile ?? tileFor(opts.cTarget ?? vt?.name);
  // Channel-packed Conv weights come in blocks of fixed lanes: not for scalable vectors.
  const knobs = { winograd: tile.winograd, vectorLanes: tile.scalable ? undefined : tile.vectors, winogradMinChannels: tile.winogradMinChannels, dot4: tile.dot4 };
  const stats = runPipeline(g, { optLevel: opts.optLevel ?? 2, passes: opts.passes, afterPass: opts.afterPass, ...knobs });
  const program = buildProgram(g, { passes: (sub) => runPipeline(sub, { optLevel: opts.optLevel ?? 2, passes: opts.passes, ...knobs }), tile, schedules: opts.schedules });
  const vector = vt ? vectorizeProgram(program, vt) : [];
  const fusions: Record<string, number> = {};
  if (shapes.count) stats.set("shape-fold", (stats.get("shape-fold") ?? 0) + shapes.count);
  for (const [k, v] of [...stats, ...program.stats].sort()) if (k !== "fold-constants") fusions[k] = (fusions[k] ?? 0) + v;
  const report: Report = {
    kernels: kernelSteps(program.steps).length,
    arena_bytes: program.arenaBytes,
    arena_lower_bound_bytes: program.arenaLowerBound,
    tensors_lower_bound_bytes: program.tensorsLowerBound,
    scratch_bytes: program.scratchBytes,
    weights_bytes: program.weights.length,
    ops,
    fusions,
    inputs: program.inputs.map((t) => ({ name: t.name, dtype: t.type.dtype, shape: t.type.shape })),
    outputs: program.outputs.map((t) => ({ name: t.name, dtype: t.type.dtype, shape: t.type.shape })),
    ...(vt ? { target: vt.name, vectorized_loops: vector.filter((d) => d.lanes).length, scalar_loops: vector.filter((d) => !d.lanes).length } : {}),
    schedules: program.schedules ?? [],
    ...(before ? { before } : {}),
  };
  return { graph: g, program, report, modelInputs };
}

export function compileFile(file: string, opts: CompileOptions = {}): Compiled {
  return compileLoaded(loadModel(file, opts), opts);
}

/** compileFile for a model held in memory (an ONNX ModelProto); external data relative to `baseDir`. */
export function compileBytes(bytes: Uint8Array, baseDir: string | undefined, opts: CompileOptions = {}): Compiled {
  return compileLoaded(importModel(bytes, baseDir, opts), opts);
}

function compileLoaded(g: Graph, opts: CompileOptions): Compiled {
  if (!opts.tuningLog) return compileGraph(g, opts);
  const target = opts.cTarget;
  if (!target) fail("--tuning-log applies to the C targets");
  const { schedules, tuned } = schedulesFromLog(opts.tuningLog, compileGraph(cloneGraph(g), { ...opts, baseline: false }), target);
  for (const [n, k] of opts.schedules ?? []) schedules.set(n, { ...schedules.get(n), ...k });
  const c = compileGraph(g, { ...opts, schedules });
  c.report.tuned = tuned;
  return c;
}

/**
 * Writes the C artifact into `outDir` atomically: files are written to a sibling temporary folder
 * that replaces `outDir` only when complete, so a failure never leaves a partial artifact.
 */
export function writeCArtifact(c: Compiled, outDir: string, opts: CompileOptions = {}, firmware?: (srcs: string[]) => Map<string, string>): string[] {
  const name = opts.name ?? "model";
  const target = opts.cTarget ?? "c";
  // Firmware has no file system to read a weights file from: its weights are always compiled in.
  const embedLimit = isMcuTarget(target) ? Infinity : opts.embedLimit ?? 8 << 20;
  const art = emitC(c.program, { name, embedLimit, profile: opts.profile }, emitterFor(target));
  const runtimeDir = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "runtime-c");
  const files = new Map(art.files);
  for (const f of ["include/edgec_runtime.h", "include/edgec_platform.h", "src/edgec_runtime.c"])
    files.set(path.basename(f), fs.readFileSync(path.join(runtimeDir, f), "utf8"));
  const srcs = [...files.keys()].filter((f) => f.endsWith(".c"));
  files.set("Makefile", makefile(name, srcs, cTargetDesc(target)));
  files.set("report.json", JSON.stringify(c.report, null, 2) + "\n");
  // Firmware around the model (compiler/firmware.ts); its Makefile builds the image.
  for (const [f, text] of firmware?.(srcs) ?? []) files.set(f, text);
  writeAtomically(outDir, files);
  return [...files.keys()];
}

/**
 * Writes the WebAssembly artifact (model.wasm, model.mjs, model.d.ts, report.json) into
 * `outDir`, atomically like writeCArtifact. Returns the module's byte size.
 */
export async function writeWasmArtifact(c: Compiled, outDir: string, opts: { simd?: boolean } = {}): Promise<{ files: string[]; wasmBytes: number }> {
  // Loaded on demand: binaryen is large, and the C target never needs it.
  const { emitWasm } = await import("../backends/wasm/artifact.ts");
  const art = await emitWasm(c.program, { simd: opts.simd ?? true });
  const files = new Map(art.files);
  files.set("report.json", JSON.stringify({ ...c.report, wasm_bytes: art.wasmBytes, wasm_memory_bytes: art.memoryBytes }, null, 2) + "\n");
  writeAtomically(outDir, files);
  return { files: [...files.keys()], wasmBytes: art.wasmBytes };
}

/**
 * Writes the emscripten-built WebAssembly artifact through compiler/emscripten/build.ts, loaded
 * on demand like the binaryen backend.
 */
export async function writeEmscriptenArtifact(c: Compiled, outDir: string, opts: { simd?: boolean } = {}): Promise<void> {
  const mod = await import("./emscripten/build.ts");
  // Built in a temporary folder, then written like the other targets: whole, with its report.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-emcc-"));
  try {
    await mod.buildEmscriptenArtifact(c.program, tmp, { name: "model", simd: opts.simd ?? true });
    const files = new Map<string, string | Uint8Array>(fs.readdirSync(tmp).map((f) => [f, fs.readFileSync(path.join(tmp, f))]));
    files.set("report.json", JSON.stringify({ ...c.report, wasm_bytes: files.get("model.wasm")?.length ?? 0 }, null, 2) + "\n");
    writeAtomically(outDir, files);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function writeAtomically(outDir: string, files: Map<string, string | Uint8Array>): void {
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, ".edgec-tmp-"));
  try {
    for (const [f, data] of files) fs.writeFileSync(path.join(tmp, f), data);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function makefile(name: string, srcs: string[], desc: TargetDesc): string {
  // A cross target names its own compiler and archiver (make's built-in CC would win over `?=`).
  const cross = desc.cc && desc.cc !== "cc" ? [`CC = ${desc.cc}`, `AR = ${desc.cc.replace(/gcc$/, "ar")}`] : ["CC ?= cc"];
  return [
    `# Builds lib${name}.a from the generated sources: make CC=your-cross-gcc`,
    ...cross,
    `CFLAGS ?= -std=c99 -O3 -Wall -Wextra${desc.cflags.map((f) => ` ${f}`).join("")}`,
    `SRCS = ${srcs.join(" ")}`,
    "OBJS = $(SRCS:.c=.o)",
    "",
    `lib${name}.a: $(OBJS)`,
    "\t$(AR) rcs $@ $(OBJS)",
    "",
    "%.o: %.c",
    "\t$(CC) $(CFLAGS) -c $< -o $@",
    "",
    "clean:",
    `\trm -f $(OBJS) lib${name}.a`,
    "",
  ].join("\n");
}
