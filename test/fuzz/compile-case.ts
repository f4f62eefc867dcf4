/**
 * @fileoverview The fuzzer's compile step, run in a lane's worker: one model's bytes through the
 * importer and the whole compiler to C (files written for the batch build), and to a wasm module
 * when asked. An EdgecError is a refusal; anything else is an internal error.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emitC } from "../../backends/c/artifact.ts";
import { compileGraph, writeWasmArtifact } from "../../compiler/api.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { importModel } from "../../compiler/onnx/import.ts";
import { serveLane } from "../../compiler/worker-lane.ts";
import { numel } from "../../ir/graph.ts";
import { byteSize } from "../../ir/dtype.ts";
import { Step } from "../../ir/program.ts";
import { Stmt } from "../../ir/tir.ts";

export const LANE_TAG = "edgec-fuzz";

/** Loop trips beyond which a model may run out of time by its own semantics. */
const LONG_LOOPS = 100_000;
/** Kernel loop iterations beyond which a sanitized -O0 build may take the time limit (a naive DFT of 65536 points). */
const HEAVY_WORK = 1e9;

/**
 * An upper bound of the control-flow loop trips a program runs: constant trip counts multiply; a
 * loop bounded at run time, or only by its condition, may run without end (as ONNX allows).
 */
function iterations(steps: readonly Step[]): number {
  let most = 1;
  for (const s of steps) {
    if (s.kind === "if") most = Math.max(most, iterations(s.then), iterations(s.else));
    if (s.kind === "loop") most = Math.max(most, (typeof s.trip === "number" ? Math.max(s.trip, 0) : Infinity) * iterations(s.body));
  }
  return most;
}

/** An upper bound of the innermost statements the kernels execute (loop extents multiplied). */
function work(steps: readonly Step[]): number {
  let sum = 0;
  for (const s of steps) {
    if (s.kind === "kernel") sum += stmtWork(s.kernel.body);
    else if (s.kind === "if") sum += Math.max(work(s.then), work(s.else));
    else sum += (typeof s.trip === "number" ? Math.max(s.trip, 0) : 1) * work(s.body);
  }
  return sum;
}

function stmtWork(s: Stmt): number {
  switch (s.k) {
    case "for": return s.extent * stmtWork(s.body);
    case "seq": return s.body.reduce((a, x) => a + stmtWork(x), 0);
    case "if": return Math.max(stmtWork(s.then), s.else ? stmtWork(s.else) : 0);
    default: return 1;
  }
}

export interface CaseRequest {
  bytes: Uint8Array;
  /** Prefix of the generated symbols and files. */
  name: string;
  /** Folder for the C files; omitted: compile only. */
  dir?: string;
  /** Also build the wasm module. */
  wasm?: boolean;
}

export type CaseReply =
  | { kind: "compiled"; files: string[]; workspace: number; ioBytes: number; heavy: boolean }
  | { kind: "refused"; message: string }
  | { kind: "internal"; message: string; where: string; poisoned?: boolean };

/** The first stack frame inside the project, for telling internal errors apart. */
function where(e: Error): string {
  const f = (e.stack ?? "").split("\n").slice(1).find((l) => !l.includes("node:") && !l.includes("node_modules"));
  return (f ?? "").trim().replace(/^at /, "").replace(/\(.*\/(compiler|ir|passes|backends|test)\//, "($1/");
}

function classify(e: unknown): CaseReply {
  if (e instanceof EdgecError) {
    const message = e.message.trim();
    // A refusal is one non-empty line; anything else is reported like a crash.
    if (message && !message.includes("\n")) return { kind: "refused", message };
    return { kind: "internal", message: `malformed error message: ${JSON.stringify(message.slice(0, 200))}`, where: where(e) };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: "internal", message: (err.message.split("\n")[0] ?? "").slice(0, 300), where: where(err) };
}

export async function compileCase(req: CaseRequest): Promise<CaseReply> {
  try {
    const compiled = compileGraph(importModel(req.bytes, undefined));
    const p = compiled.program;
    const art = emitC(p, { name: req.name, embedLimit: 1 << 30 });
    const files: string[] = [];
    if (req.dir) {
      fs.mkdirSync(req.dir, { recursive: true });
      for (const [f, text] of art.files) {
        const file = path.join(req.dir, f);
        fs.writeFileSync(file, text);
        if (f.endsWith(".c")) files.push(file);
      }
    }
    if (req.wasm) {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-fuzz-wasm-"));
      try {
        await writeWasmArtifact(compiled, tmp, {});
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
    const ioBytes = [...p.inputs, ...p.outputs].reduce((s, t) => s + numel(t.type.shape) * byteSize(t.type.dtype), 0);
    return { kind: "compiled", files, workspace: p.arenaBytes, ioBytes, heavy: iterations(p.steps) > LONG_LOOPS || work(p.steps) > HEAVY_WORK };
  } catch (e) {
    const r = classify(e);
    // binaryen (compiled with emscripten) cannot be used again after it aborts: retire the worker.
    return r.kind === "internal" && /\bAborted\(/.test(r.message) ? { ...r, poisoned: true } : r;
  }
}

serveLane<CaseRequest, CaseReply>(LANE_TAG, compileCase);
