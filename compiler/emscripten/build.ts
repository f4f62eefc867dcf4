/**
 * @fileoverview The emscripten route to WebAssembly: the C artifact, the runtime and a shim
 * holding static buffers and the weights, compiled by emcc into a standalone module with the
 * shared WASM ABI, then loaded by the same model.mjs / model.d.ts as the binaryen route.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { EdgecError } from "../../ir/diagnostics.ts";
import { Program } from "../../ir/program.ts";
import { emitC } from "../../backends/c/artifact.ts";
import { emitLoader } from "../../backends/wasm/loader.ts";
import { emscriptenShim, staticBytes, writeWeightsC } from "./shim.ts";

const run = promisify(execFile);
const RUNTIME = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "runtime-c");
const PAGE = 65536;
/** emcc's default stack (5 MiB in 3.1.x) plus room for libc's own static data. */
const STACK_AND_SLACK = 6 << 20;
/** Import modules a module may name: the loader supplies these and nothing else. */
const ALLOWED_IMPORTS = new Set(["env", "wasi_snapshot_preview1"]);

export interface EmscriptenOptions {
  name: string;
  /** The emcc command (default: $EMCC or emcc). */
  emcc?: string;
  /** Use WebAssembly SIMD128 (default true); false builds a module for hosts without it. */
  simd?: boolean;
  /** Keep the build folder (its path is returned). */
  keep?: boolean;
  /** More emcc flags, after the default ones. */
  extraFlags?: string[];
}

/** emcc's environment: Debian's emcc needs node-acorn from /usr/share/nodejs, and EM_CACHE unset. */
function emccEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.EM_CACHE;
  const np = (env.NODE_PATH ?? "").split(path.delimiter).filter((x) => x);
  if (!np.includes("/usr/share/nodejs")) np.push("/usr/share/nodejs");
  env.NODE_PATH = np.join(path.delimiter);
  return env;
}

const checked = new Set<string>();

/** The emcc command, after checking it runs (once per process); a one-line error naming the package otherwise. */
export async function findEmcc(emcc = process.env.EMCC || "emcc"): Promise<string> {
  if (checked.has(emcc)) return emcc;
  try {
    await run(emcc, ["--version"], { env: emccEnv() });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === "ENOENT")
      throw new EdgecError(`--target wasm-emscripten needs emcc, which was not found; install the Debian package 'emscripten' (apt-get install emscripten) or set EMCC`);
    throw new EdgecError(`emcc --version failed: ${(err.stderr || err.message).split("\n")[0]!.trim()}`);
  }
  checked.add(emcc);
  return emcc;
}

/** Compiles the program to a standalone module; returns its bytes (and the build folder if kept). */
export async function compileEmscripten(p: Program, opts: EmscriptenOptions): Promise<{ wasm: Uint8Array<ArrayBuffer>; buildDir?: string }> {
  const { name } = opts;
  const emcc = await findEmcc(opts.emcc);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-emcc-"));
  try {
    // Weights never go in emitC's number list: the shim's string literal holds them.
    const art = emitC(p, { name, embedLimit: -1 });
    for (const [f, data] of art.files) if (f.endsWith(".c") || f.endsWith(".h")) fs.writeFileSync(path.join(tmp, f), data);
    for (const f of ["include/edgec_runtime.h", "include/edgec_platform.h", "src/edgec_runtime.c"])
      fs.copyFileSync(path.join(RUNTIME, f), path.join(tmp, path.basename(f)));
    fs.writeFileSync(path.join(tmp, "edgec_wasm_shim.c"), emscriptenShim(p, name));
    writeWeightsC(path.join(tmp, "edgec_wasm_weights.c"), p.weights);
    const srcs = fs.readdirSync(tmp).filter((f) => f.endsWith(".c")).sort();
    const memory = Math.ceil((staticBytes(p) + STACK_AND_SLACK) / PAGE) * PAGE;
    const out = path.join(tmp, `${name}.wasm`);
    const args = [
      "-std=c99", "-O3", ...(opts.simd === false ? [] : ["-msimd128"]), "-Wall", "-Wextra", "-Werror",
      "--no-entry", "-sSTANDALONE_WASM=1", "-sFILESYSTEM=0", "-sSUPPORT_ERRNO=0",
      "-sEXPORTED_FUNCTIONS=_edgec_run,_edgec_input,_edgec_output",
      `-sINITIAL_MEMORY=${memory}`, "-sALLOW_MEMORY_GROWTH=0",
      ...(opts.extraFlags ?? []), `-I${tmp}`, ...srcs.map((f) => path.join(tmp, f)), "-o", out,
    ];
    try {
      await run(emcc, args, { cwd: tmp, env: emccEnv(), maxBuffer: 64 << 20 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      const text = err.stderr || err.message;
      const first = text.split("\n").find((l) => /error|warning/i.test(l)) ?? text.split("\n")[0]!;
      throw new EdgecError(`emcc could not build the model: ${first.trim()}`);
    }
    const wasm = new Uint8Array(fs.readFileSync(out));
    checkImports(wasm);
    return { wasm, buildDir: opts.keep ? tmp : undefined };
  } finally {
    if (!opts.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The ABI allows only imports the loader supplies; anything else would fail at instantiation. */
function checkImports(wasm: Uint8Array<ArrayBuffer>): void {
  const mod = new WebAssembly.Module(wasm);
  const bad = WebAssembly.Module.imports(mod).filter((i) => !ALLOWED_IMPORTS.has(i.module) || (i.module === "env" && !i.name.startsWith("edgec_")));
  if (bad.length) throw new EdgecError(`emcc left imports the loader cannot supply: ${bad.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  const names = new Set(WebAssembly.Module.exports(mod).map((e) => e.name));
  for (const n of ["memory", "edgec_run", "edgec_input", "edgec_output"])
    if (!names.has(n)) throw new Error(`internal error: the emcc module does not export ${n}`);
}

/**
 * Writes `<name>.wasm`, `<name>.mjs` and `<name>.d.ts` into outDir. Each file is written beside
 * its final name and renamed, so a reader never sees half a module; other files are left alone.
 */
export async function buildEmscriptenArtifact(p: Program, outDir: string, opts: EmscriptenOptions): Promise<void> {
  const { wasm } = await compileEmscripten(p, opts);
  const wasmFile = `${opts.name}.wasm`;
  const io = (list: Program["inputs"]) => list.map((t) => ({ name: t.name, dtype: t.type.dtype, shape: [...t.type.shape] }));
  const { mjs, dts } = emitLoader({ inputs: io(p.inputs), outputs: io(p.outputs), wasmFile });
  fs.mkdirSync(outDir, { recursive: true });
  for (const [f, data] of [[wasmFile, wasm], [`${opts.name}.mjs`, mjs], [`${opts.name}.d.ts`, dts]] as const) {
    const dest = path.join(outDir, f), part = `${dest}.part`;
    fs.writeFileSync(part, data);
    fs.renameSync(part, dest);
  }
}
