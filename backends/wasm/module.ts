/**
 * @fileoverview Builds a whole Program as one WebAssembly module: the weights in a data segment
 * at a fixed offset, inputs, outputs and the arena at offsets planned at compile time, one
 * function per distinct kernel, and `edgec_run` calling them in order (with the program's
 * if/loop steps as wasm control flow). Exports follow the module ABI: memory, edgec_run,
 * edgec_input, edgec_output.
 */
import { byteSize } from "../../ir/dtype.ts";
import { numel } from "../../ir/graph.ts";
import { PrimFunc } from "../../ir/tir.ts";
import { printFunc } from "../../ir/text/tir-printer.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { Program } from "../../ir/program.ts";
import { Ref, W, WasmModule } from "./binaryen.ts";
import { scalarize } from "../../ir/scalarize.ts";
import { buildKernel } from "./emit.ts";
import { Runtime } from "./runtime.ts";

/** Where a value lives, optionally moved per iteration of enclosing loop steps. */
interface AnyStorage {
  kind: "input" | "output" | "weight" | "arena";
  index?: number;
  offset?: number;
  slice?: { offset: number; per: { loop: number; stride: number }[] };
}
/** The program's step forms (a kernel call, and the structured if/loop steps). */
type AnyStep =
  | { kind?: "kernel"; kernel: PrimFunc; args: AnyStorage[]; op: string }
  | { kind: "if"; cond: AnyStorage; then: AnyStep[]; else: AnyStep[]; op: string }
  | { kind: "loop"; id: number; trip?: number | AnyStorage; cond?: AnyStorage; counter?: AnyStorage; body: AnyStep[]; op: string };

export interface WasmBuildOptions {
  /** Build vector Tensor IR with SIMD128; without, kernels are scalarized (ir/scalarize.ts) first. */
  simd: boolean;
  /** Skip binaryen's optimiser (tests of the unoptimised module). */
  noOptimize?: boolean;
}

/** Weights the loader computes before the first run: Winograd U at `at`, from the kernel stored there. */
export interface LoadDerivation {
  kind: "winograd";
  at: number;
  m: number;
  ch: number;
}

export interface WasmBuild {
  wasm: Uint8Array;
  derive: LoadDerivation[];
  /** Bytes of linear memory the module declares. */
  memoryBytes: number;
  kernels: number;
}

const ALIGN = 64;
const PAGE = 65536;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

export function buildWasm(p: Program, opts: WasmBuildOptions): WasmBuild {
  // Layout: [64 unused][weights][inputs][outputs][arena], each 64-byte aligned.
  let top = ALIGN;
  const weightsAt = top;
  top = alignUp(top + p.weights.length);
  const place = (list: Program["inputs"]) => list.map((t) => {
    const at = top;
    top = alignUp(top + Math.max(1, numel(t.type.shape) * byteSize(t.type.dtype)));
    return at;
  });
  const inputsAt = place(p.inputs), outputsAt = place(p.outputs);
  const arenaAt = top;
  // Derived weights are not stored: their smaller sources are, at the start of their place, and
  // the loader computes them there (reading all of a source before writing) when it loads.
  const derive: LoadDerivation[] = [];
  const segments: { offset: number; data: Uint8Array }[] = [];
  let from = 0;
  for (const d of [...(p.derived ?? [])].sort((a, b) => a.offset - b.offset)) {
    if (d.source.length > d.bytes) continue;
    if (d.offset > from) segments.push({ offset: weightsAt + from, data: p.weights.subarray(from, d.offset) });
    from = d.offset + d.bytes;
    derive.push({ kind: d.kind, at: weightsAt + d.offset, m: d.m, ch: d.ch });
    segments.push({ offset: weightsAt + d.offset, data: d.source });
  }
  if (p.weights.length > from) segments.push({ offset: weightsAt + from, data: p.weights.subarray(from) });
  // 16 bytes past the arena: a masked v128 load near a buffer's end stays in memory (vector.ts).
  top = alignUp(top + p.arenaBytes + 16);
  const pages = Math.max(1, Math.ceil(top / PAGE));
  if (pages > 65536) throw new EdgecError(`the model needs ${top} bytes of memory, above the 4 GiB a wasm32 module can address`);

  const w = new WasmModule({ simd: opts.simd });
  try {
    w.setMemory(pages, "memory", segments);
    const rt = new Runtime(w);
    const base = (s: AnyStorage): number => {
      switch (s.kind) {
        case "input": return inputsAt[s.index!]!;
        case "output": return outputsAt[s.index!]!;
        case "weight": return weightsAt + s.offset!;
        case "arena": return arenaAt + s.offset!;
      }
    };

    // ---- kernels, one function per distinct body ----
    const byText = new Map<string, string>();
    const kernelOf = (f: PrimFunc, op: string): string => {
      const key = printFunc({ ...f, name: "k" });
      let name = byText.get(key);
      if (!name) {
        name = `k${byText.size}_${op.replace(/[^A-Za-z0-9_]/g, "_").toLowerCase()}`;
        byText.set(key, name);
        buildKernel(w, rt, opts.simd ? f : scalarize(f), name);
      }
      return name;
    };

    // ---- edgec_run ----
    const vars: number[] = [];
    const local = (t: number) => { vars.push(t); return vars.length - 1; };
    const iters = new Map<number, number>();
    let labels = 0;
    const addr = (s: AnyStorage): Ref => {
      let a = w.i32(base(s) + (s.slice?.offset ?? 0));
      for (const { loop, stride } of s.slice?.per ?? []) {
        const it = iters.get(loop);
        if (it === undefined) throw new Error(`internal error: a slice refers to loop ${loop} outside it`);
        a = w.op("i32", "add", a, w.op("i32", "mul", w.op("i32", "wrap", w.get(it, W.i64)), w.i32(stride)));
      }
      return a;
    };
    const steps = (list: AnyStep[]): Ref[] => list.map((st) => {
      if (st.kind === undefined || st.kind === "kernel") {
        const k = st as Extract<AnyStep, { args: AnyStorage[] }>;
        return w.call(kernelOf(k.kernel, k.op), k.args.map(addr), W.none);
      }
      if (st.kind === "if")
        return w.if(w.op("i32", "load8_u", 0, 1, addr(st.cond)), w.block(null, steps(st.then)), w.block(null, steps(st.else)));
      if (st.kind === "loop") {
        const i = local(W.i64), n = local(W.i64);
        iters.set(st.id, i);
        const brk = `done${labels}`, cont = `loop${labels++}`;
        const i64 = (x: number) => w.i64(BigInt(x));
        const trip = st.trip === undefined ? i64(Number.MAX_SAFE_INTEGER)
          : typeof st.trip === "number" ? i64(st.trip) : w.op("i64", "load", 0, 8, addr(st.trip));
        const body: Ref[] = [w.br(brk, w.op("i64", "ge_s", w.get(i, W.i64), w.get(n, W.i64)))];
        if (st.cond) body.push(w.br(brk, w.op("i32", "eqz", w.op("i32", "load8_u", 0, 1, addr(st.cond)))));
        if (st.counter) body.push(w.op("i64", "store", 0, 8, addr(st.counter), w.get(i, W.i64)));
        body.push(...steps(st.body));
        body.push(w.set(i, w.op("i64", "add", w.get(i, W.i64), i64(1))), w.br(cont));
        const r = w.block(brk, [w.set(n, trip), w.set(i, i64(0)), w.loop(cont, w.block(null, body))]);
        iters.delete(st.id);
        return r;
      }
      throw new EdgecError(`the WebAssembly backend does not support program steps of kind '${(st as { kind: string }).kind}' yet; use --target c`);
    });
    const run = steps(p.steps as unknown as AnyStep[]);
    w.addFunction("edgec_run", [], W.i32, vars, w.block(null, [...run, w.i32(0)], W.i32));
    // edgec_input(i) / edgec_output(i): a balanced tree of selects over the fixed offsets (-1 when out of range).
    const arg = () => w.get(0, W.i32);
    const pick = (offs: number[], lo: number, hi: number): Ref => {
      if (hi - lo === 1) return w.select(w.i32(offs[lo]!), w.i32(-1), w.op("i32", "eq", arg(), w.i32(lo)));
      const mid = (lo + hi) >> 1;
      return w.select(pick(offs, lo, mid), pick(offs, mid, hi), w.op("i32", "lt_s", arg(), w.i32(mid)));
    };
    const table = (offs: number[]) => (offs.length ? pick(offs, 0, offs.length) : w.i32(-1));
    w.addFunction("edgec_input", [W.i32], W.i32, [], table(inputsAt));
    w.addFunction("edgec_output", [W.i32], W.i32, [], table(outputsAt));
    for (const f of ["edgec_run", "edgec_input", "edgec_output"]) w.addExport(f, f);
    w.validate("module");
    if (!opts.noOptimize) {
      w.optimize();
      w.validate("module after optimisation");
    }
    return { wasm: w.emitBinary(), derive, memoryBytes: pages * PAGE, kernels: byText.size };
  } finally {
    w.dispose();
  }
}
