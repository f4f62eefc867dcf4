/**
 * @fileoverview `edgec test`: compiles a model in the ONNX backend-test layout to C, builds it,
 * runs every test_data_set and compares with the expected outputs.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { DType, arrayFromBytes, bytesOf, getNumber, isFloat, isNarrow, storedToNumber } from "../ir/dtype.ts";
import { Tensor, shapeStr } from "../ir/graph.ts";
import { pathToFileURL } from "node:url";
import { CompileOptions, Compiled, compileFile, writeCArtifact, writeEmscriptenArtifact, writeWasmArtifact } from "./api.ts";
import { tileFor } from "../passes/schedule-tile.ts";
import { TARGETS } from "../ir/target.ts";
import { EdgecError, fail, q } from "../ir/diagnostics.ts";
import { readTensorFile } from "./onnx/tensor.ts";
import { shapesFromData } from "./data-shapes.ts";
import { CToolchain, McuTarget, cTargetDesc, cToolchain, isCTarget, isMcuTarget, resolveCTarget } from "./c-targets.ts";
import { BOARD_OF, buildAndRunFirmware, firmwareFiles } from "./firmware.ts";

const run = promisify(execFile);

export interface TestOptions extends CompileOptions {
  rtol: number;
  atol: number;
  cc?: string;
  cflags?: string[];
  /** Keep the build folder (its path is returned). */
  keep?: boolean;
  /** Extra flags, e.g. sanitizers. */
  extraFlags?: string[];
  /** c (default) builds with cc, aarch64 with its cross compiler under qemu on another host; wasm and wasm-emscripten run the module through its loader in Node. */
  target?: TestTarget;
  /** wasm targets: SIMD128 (default true). */
  simd?: boolean;
  /** Overrides the target's Winograd choice (tileFor). */
  winograd?: boolean;
  /** riscv64: the VLENs the one built binary runs every data set at (default: EDGEC_RVV_VLEN, else 128). */
  vlens?: number[];
}

export type TestTarget = "c" | "x86-64-v3" | "x86-64-v4" | "x86-64-v4-vnni" | "aarch64" | "riscv64" | "cortex-m4" | "cortex-m55" | "native" | "wasm" | "wasm-emscripten";
export const TEST_TARGETS: readonly TestTarget[] = ["c", "x86-64-v3", "x86-64-v4", "x86-64-v4-vnni", "aarch64", "riscv64", "cortex-m4", "cortex-m55", "native", "wasm", "wasm-emscripten"];

export interface OutputResult {
  set: string;
  name: string;
  maxAbs: number;
  maxRel: number;
  mismatches: number;
  pass: boolean;
  note?: string;
}

export interface TestResult {
  pass: boolean;
  /** Input shapes taken from test_data_set_0 for symbolic or unknown dims. */
  shapesFromData: Map<string, number[]>;
  results: OutputResult[];
  compiled: Compiled;
  buildDir?: string;
  /** Firmware targets: instructions per inference for each test set (qemu -icount, SysTick). */
  instructions?: { set: string; count: number }[];
}

export const DEFAULT_CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"];

/** Builds the harness executable for an artifact in `dir`. */
export async function buildHarness(dir: string, opts: { cc?: string; cflags?: string[]; extraFlags?: string[]; name?: string }): Promise<string> {
  const name = opts.name ?? "model";
  const harness = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "runtime-c", "harness", "edgec_harness.c");
  const srcs = fs.readdirSync(dir).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(dir, f));
  const exe = path.join(dir, "harness");
  const args = [...(opts.cflags ?? DEFAULT_CFLAGS), ...(opts.extraFlags ?? []), `-I${dir}`, `-DEDGEC_HARNESS_MODEL=${name}_model`,
    ...srcs, harness, "-o", exe, "-lm"];
  try {
    await run(opts.cc ?? "cc", args, { maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const first = (err.stderr ?? err.message).split("\n").find((l) => /error|warning/.test(l)) ?? err.message;
    throw new EdgecError(`the generated C did not compile: ${first.trim()}`);
  }
  return exe;
}

export function listDataSets(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith("test_data_set_") && fs.statSync(path.join(dir, f)).isDirectory()).sort();
}

export async function testDir(dir: string, opts: TestOptions, onProgress?: (msg: string) => void): Promise<TestResult> {
  const model = path.join(dir, "model.onnx");
  if (!fs.existsSync(model)) fail(`${dir} has no model.onnx`);
  const sets = listDataSets(dir);
  if (sets.length === 0) fail(`${dir} has no test_data_set_* folders`);
  const fromData = shapesFromData(dir, opts.inputShapes);
  onProgress?.("compiling");
  const inputShapes = new Map([...(opts.inputShapes ?? []), ...fromData]);
  const cTarget = isCTarget(opts.target) ? resolveCTarget(opts.target) : undefined;
  // Checked before compiling: a missing cross compiler or qemu is reported at once.
  const tools: CToolchain | undefined = cTarget ? cToolchain(cTarget, opts.cc) : undefined;
  const compiled = compileFile(model, { ...opts, inputShapes, tile: tileFor(cTarget ?? opts.target, opts.winograd), cTarget, ...(opts.target === "wasm" ? { vectorTarget: TARGETS.wasm } : {}) });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-test-"));
  const out = path.join(tmp, "c");
  try {
    if (opts.target === "wasm" || opts.target === "wasm-emscripten") {
      const results = await runWasmSets(dir, sets, compiled, path.join(tmp, "wasm"), opts, onProgress);
      return { pass: results.every((r) => r.pass), results, compiled, shapesFromData: fromData, buildDir: opts.keep ? tmp : undefined };
    }
    writeCArtifact(compiled, out, { ...opts, cTarget });
    if (isMcuTarget(cTarget)) {
      const { results, instructions } = await runFirmwareSets(dir, sets, compiled, out, cTarget, opts, onProgress);
      return { pass: results.every((r) => r.pass), results, compiled, shapesFromData: fromData, buildDir: opts.keep ? tmp : undefined, instructions };
    }
    onProgress?.("building C");
    const exe = await buildHarness(out, {
      ...opts, cc: tools!.cc, cflags: [...(opts.cflags ?? DEFAULT_CFLAGS), ...cTargetDesc(cTarget ?? "c").cflags], extraFlags: [...(opts.extraFlags ?? []), ...tools!.linkFlags],
    });
    const results: OutputResult[] = [];
    const p = compiled.program;
    const vlens = tools!.runPrefixAt && opts.vlens?.length ? opts.vlens : [undefined];
    for (const vlen of vlens)
    for (const set0 of sets) {
      const set = vlen && vlens.length > 1 ? `${set0} (VLEN ${vlen})` : set0;
      onProgress?.(`running ${set}`);
      const sd = path.join(dir, set0);
      const inFiles = readInputs(dir, set0, compiled).map((tensor, i) => {
        const raw = path.join(tmp, `in${i}.raw`);
        fs.writeFileSync(raw, bytesOf(tensor.data));
        return raw;
      });
      const outFiles = p.outputs.map((_, i) => path.join(tmp, `out${i}.raw`));
      const wfile = compiled.program.weights.length > (opts.embedLimit ?? 8 << 20) ? path.join(out, "model_weights.bin") : "-";
      try {
        const [file, ...pre] = [...(vlen ? tools!.runPrefixAt!(vlen) : tools!.runPrefix), exe];
        await run(file!, [...pre, wfile, ...inFiles, ...outFiles], { maxBuffer: 64 << 20, timeout: 600_000 });
      } catch (e) {
        const err = e as { stderr?: string; message: string; signal?: string };
        throw new EdgecError(`the compiled model failed at run time: ${(err.stderr || err.signal || err.message).trim().split("\n")[0]}`);
      }
      p.outputs.forEach((t, i) => {
        const expected = readTensorFile(path.join(sd, `output_${i}.pb`));
        checkMatch(expected, t.type.dtype, t.type.shape, `expected output ${q(t.name)} of ${set}`);
        const got = arrayFromBytes(t.type.dtype, new Uint8Array(fs.readFileSync(outFiles[i]!)));
        results.push({ set, name: t.name, ...compare(got, expected.data, t.type.dtype, opts) });
      });
    }
    return { pass: results.every((r) => r.pass), results, compiled, shapesFromData: fromData, buildDir: opts.keep ? tmp : undefined };
  } finally {
    if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The model's input tensors of one data set, checked against the compiled program. */
export function readInputs(dir: string, set: string, compiled: Compiled): Tensor[] {
  return compiled.program.inputs.map((t, i) => {
    // input_K.pb is the model's K-th input; frozen inputs are no longer program inputs.
    const k = compiled.modelInputs.indexOf(t.name);
    const tensor = readTensorFile(path.join(dir, set, `input_${k >= 0 ? k : i}.pb`));
    checkMatch(tensor, t.type.dtype, t.type.shape, `input ${q(t.name)} of ${set}`);
    return tensor;
  });
}

interface WasmModel { run(inputs: Record<string, Tensor["data"]>): Record<string, Tensor["data"]> }

/** Writes the WebAssembly artifact to `out`, loads it through its model.mjs and checks every data set. */
async function runWasmSets(dir: string, sets: string[], compiled: Compiled, out: string, opts: TestOptions, onProgress?: (msg: string) => void): Promise<OutputResult[]> {
  onProgress?.("building WebAssembly");
  if (opts.target === "wasm-emscripten") await writeEmscriptenArtifact(compiled, out, { simd: opts.simd });
  else await writeWasmArtifact(compiled, out, { simd: opts.simd });
  const url = pathToFileURL(path.join(out, "model.mjs")).href;
  const { createModel } = await import(url) as { createModel: () => Promise<WasmModel> };
  const model = await createModel();
  const p = compiled.program;
  const results: OutputResult[] = [];
  for (const set of sets) {
    onProgress?.(`running ${set}`);
    const feeds: Record<string, Tensor["data"]> = {};
    readInputs(dir, set, compiled).forEach((t, i) => { feeds[p.inputs[i]!.name] = t.data; });
    let got: Record<string, Tensor["data"]>;
    try {
      got = model.run(feeds);
    } catch (e) {
      throw new EdgecError(`the compiled model failed at run time: ${(e as Error).message}`);
    }
    p.outputs.forEach((t, i) => {
      const expected = readTensorFile(path.join(dir, set, `output_${i}.pb`));
      checkMatch(expected, t.type.dtype, t.type.shape, `expected output ${q(t.name)} of ${set}`);
      results.push({ set, name: t.name, ...compare(got[t.name]!, expected.data, t.type.dtype, opts) });
    });
  }
  return results;
}

function checkMatch(t: Tensor, dtype: DType, shape: number[], what: string): void {
  if (t.dtype !== dtype) fail(`${what} is ${t.dtype} but the model expects ${dtype}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    fail(`${what} has shape ${shapeStr(t.shape)} but the model expects ${shapeStr(shape)}`);
}

export function compare(got: Tensor["data"], exp: Tensor["data"], dtype: DType, tol: { rtol: number; atol: number }) {
  let maxAbs = 0, maxRel = 0, mismatches = 0;
  // float4e2m1 and float8e8m0 codes are compared exactly, like integers.
  const fl = isFloat(dtype) && !isNarrow(dtype);
  for (let i = 0; i < exp.length; i++) {
    const a = getNumber(got, i), e = getNumber(exp, i);
    if (fl) {
      const g = storedToNumber(dtype, a), x = storedToNumber(dtype, e);
      if (Number.isNaN(x) || Number.isNaN(g)) { if (Number.isNaN(x) !== Number.isNaN(g)) mismatches++; continue; }
      if (!Number.isFinite(x) || !Number.isFinite(g)) { if (x !== g) mismatches++; continue; }
      const d = Math.abs(g - x);
      maxAbs = Math.max(maxAbs, d);
      if (x !== 0) maxRel = Math.max(maxRel, d / Math.abs(x));
      if (d > tol.atol + tol.rtol * Math.abs(x)) mismatches++;
    } else {
      const same = typeof got[i] === "bigint" ? got[i] === exp[i] : a === e;
      if (!same) { mismatches++; maxAbs = Math.max(maxAbs, Math.abs(a - e)); }
    }
  }
  return { maxAbs, maxRel, mismatches, pass: mismatches === 0 && got.length === exp.length };
}

/** Each test set compiled into the firmware's inputs, built and run in qemu-system-arm. */
async function runFirmwareSets(dir: string, sets: string[], compiled: Compiled, out: string, target: McuTarget, opts: TestOptions,
  onProgress?: (msg: string) => void): Promise<{ results: OutputResult[]; instructions: { set: string; count: number }[] }> {
  const p = compiled.program;
  const srcs = fs.readdirSync(out).filter((f) => f.endsWith(".c"));
  const results: OutputResult[] = [], instructions: { set: string; count: number }[] = [];
  for (const set of sets) {
    onProgress?.(`building and running the firmware for ${set}`);
    const sd = path.join(dir, set);
    const inputs = readInputs(dir, set, compiled).map((t) => bytesOf(t.data));
    for (const [f, text] of firmwareFiles("model", srcs, target, BOARD_OF[target], inputs, p.outputs.length)) fs.writeFileSync(path.join(out, f), text);
    const fw = await buildAndRunFirmware(out, target, p.outputs.length, opts.cc);
    const got = fw.outputs;
    if (fw.instructions !== undefined) instructions.push({ set, count: fw.instructions });
    p.outputs.forEach((t, i) => {
      const expected = readTensorFile(path.join(sd, `output_${i}.pb`));
      checkMatch(expected, t.type.dtype, t.type.shape, `expected output ${q(t.name)} of ${set}`);
      results.push({ set, name: t.name, ...compare(arrayFromBytes(t.type.dtype, got[i]!), expected.data, t.type.dtype, opts) });
    });
  }
  return { results, instructions };
}
