/**
 * @fileoverview Builds many compiled fuzz cases into one executable with AddressSanitizer and
 * UndefinedBehaviorSanitizer (one compiler call per batch) and runs each case on random inputs.
 * The driver announces each case before running it, so a crash, a sanitizer report or a hang
 * names its case; the rest of the batch then runs on.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../shared.ts";

export const SANITIZE_FLAGS = ["-std=c99", "-O0", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"];
const RUNTIME = path.join(ROOT, "runtime-c");

export interface BatchCase {
  /** Index of the case in the run (also in the driver's table). */
  id: number;
  /** Symbol prefix: the model descriptor is `${name}_model`. */
  name: string;
  files: string[];
  /** Seed of the random inputs. */
  inputSeed: number;
  /** The model may run longer than the time limit by its own size (a huge or run-time trip count, or huge kernels). */
  heavy?: boolean;
}

/** "timeout": ran out of time in a model whose own size may take that long (loops that may not end, kernels of over 1e9 steps); not a fault of the compiler. */
export type CaseFault = { id: number; kind: "build" | "sanitizer" | "crash" | "hang" | "status" | "timeout"; message: string };

interface Proc { code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean }

function runProc(file: string, args: string[], timeoutMs: number): Promise<Proc> {
  const env = { ...process.env, ASAN_OPTIONS: "detect_leaks=0:halt_on_error=1", UBSAN_OPTIONS: "halt_on_error=1:print_stacktrace=1" };
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20, encoding: "utf8", env }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string; killed?: boolean }) | null;
      if (!e) return resolve({ code: 0, signal: null, stdout, stderr, timedOut: false });
      resolve({ code: typeof e.code === "number" ? e.code : null, signal: e.signal ?? null, stdout, stderr: stderr || String(e.message), timedOut: !!e.killed });
    });
  });
}

/** The line of a sanitizer report or compiler error that says what went wrong. */
export function firstReport(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.replace(/^==\d+==/, "").trim()).filter(Boolean);
  const l = lines.find((x) => /runtime error:|ERROR: AddressSanitizer|error:|warning:/.test(x)) ?? lines[0] ?? "no message";
  return l.replace(/^.*?\/(m\d+[\w.]*:\d+)/, "$1").slice(0, 300);
}

function driver(cases: BatchCase[]): string {
  const decl = cases.map((c) => `extern const edgec_model ${c.name}_model;`).join("\n");
  const table = cases.map((c) => `  { &${c.name}_model, ${c.id}, ${c.inputSeed}u },`).join("\n");
  return `/* Runs fuzz cases on random inputs under the sanitizers. */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "edgec_runtime.h"
${decl}
static const struct { const edgec_model *m; int id; uint32_t seed; } CASES[] = {
${table}
};
static uint64_t rs;
static uint64_t next(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }
static double unit(void) { return (double)(next() >> 11) / 9007199254740992.0; }
static const double SPECIAL[] = { 0.0, -0.0, 1e30, -1e30, 1e-40, 65504.0, 3.0e38 };
static double real(void) {
  uint64_t k = next() % 100;
  if (k < 2) return (k ? -1.0 : 1.0) / 0.0;
  if (k < 4) return 0.0 / 0.0;
  if (k < 8) return SPECIAL[next() % 7];
  return unit() * 8.0 - 4.0;
}
/* Small integers; extremes only in tensors (a scalar may be a loop's trip count). */
static int64_t integer(int scalar, int is_signed, int64_t lo, int64_t hi) {
  if (!scalar && next() % 100 < 3) return (next() & 1) ? hi : lo;
  return is_signed ? (int64_t)(next() % 16) - 3 : (int64_t)(next() % 13);
}
static void fill(void *p, const edgec_tensor_desc *d) {
  size_t n = d->bytes / (edgec_dtype_size(d->dtype) ? edgec_dtype_size(d->dtype) : 1), i;
  int scalar = n <= 1;
  for (i = 0; i < n; i++) switch (d->dtype) {
    case EDGEC_F32: ((float *)p)[i] = (float)real(); break;
    case EDGEC_F64: ((double *)p)[i] = real(); break;
    case EDGEC_I8: ((int8_t *)p)[i] = (int8_t)integer(scalar, 1, INT8_MIN, INT8_MAX); break;
    case EDGEC_I16: ((int16_t *)p)[i] = (int16_t)integer(scalar, 1, INT16_MIN, INT16_MAX); break;
    case EDGEC_I32: ((int32_t *)p)[i] = (int32_t)integer(scalar, 1, INT32_MIN, INT32_MAX); break;
    case EDGEC_I64: ((int64_t *)p)[i] = integer(scalar, 1, INT64_MIN, INT64_MAX); break;
    case EDGEC_U8: ((uint8_t *)p)[i] = (uint8_t)integer(scalar, 0, 0, UINT8_MAX); break;
    case EDGEC_U16: ((uint16_t *)p)[i] = (uint16_t)integer(scalar, 0, 0, UINT16_MAX); break;
    case EDGEC_U32: ((uint32_t *)p)[i] = (uint32_t)integer(scalar, 0, 0, UINT32_MAX); break;
    case EDGEC_U64: ((uint64_t *)p)[i] = (uint64_t)integer(scalar, 0, 0, INT64_MAX); break;
    case EDGEC_BOOL: ((uint8_t *)p)[i] = (uint8_t)(next() & 1); break;
    case EDGEC_F16: case EDGEC_BF16: ((uint16_t *)p)[i] = (uint16_t)next(); break;
    case EDGEC_I4: ((int8_t *)p)[i] = (int8_t)((int)(next() % 16) - 8); break;
    case EDGEC_I2: ((int8_t *)p)[i] = (int8_t)((int)(next() % 4) - 2); break;
    case EDGEC_U4: case EDGEC_F4E2M1: ((uint8_t *)p)[i] = (uint8_t)(next() % 16); break;
    case EDGEC_U2: ((uint8_t *)p)[i] = (uint8_t)(next() % 4); break;
    default: ((uint8_t *)p)[i] = (uint8_t)next(); break;
  }
}
static int run(const edgec_model *m) {
  void *ws = NULL, *ins[64], *outs[64];
  int i, st;
  if (m->num_inputs > 64 || m->num_outputs > 64) return -1;
  if (posix_memalign(&ws, EDGEC_ALIGNMENT, m->workspace_bytes ? m->workspace_bytes : 1)) return -2;
  for (i = 0; i < m->num_inputs; i++) { ins[i] = malloc(m->inputs[i].bytes ? m->inputs[i].bytes : 1); fill(ins[i], &m->inputs[i]); }
  for (i = 0; i < m->num_outputs; i++) outs[i] = malloc(m->outputs[i].bytes ? m->outputs[i].bytes : 1);
  st = m->run(m->embedded_weights, ws, (const void *const *)ins, outs);
  for (i = 0; i < m->num_inputs; i++) free(ins[i]);
  for (i = 0; i < m->num_outputs; i++) free(outs[i]);
  free(ws);
  return st;
}
int main(int argc, char **argv) {
  int k, lo = argc > 1 ? atoi(argv[1]) : 0, n = (int)(sizeof CASES / sizeof CASES[0]);
  unsigned limit = argc > 2 ? (unsigned)atoi(argv[2]) : 20u;
  for (k = lo; k < n; k++) {
    int st;
    printf("start %d\\n", k);
    fflush(stdout);
    rs = 0x9E3779B97F4A7C15ull ^ ((uint64_t)CASES[k].seed << 17) ^ (uint64_t)CASES[k].id;
    if (!rs) rs = 1;
    alarm(limit); /* a case that runs longer ends the process with SIGALRM */
    st = run(CASES[k].m);
    alarm(0);
    if (st) { printf("status %d %d\\n", k, st); fflush(stdout); }
  }
  return 0;
}
`;
}

/** The index (in `cases`) of the case whose file a compiler diagnostic names. */
function caseOfDiagnostic(cases: BatchCase[], stderr: string): number {
  for (const l of stderr.split("\n")) {
    const m = /\/(m\d+)(?:_weights)?\.[ch]:\d+/.exec(l);
    if (m) { const i = cases.findIndex((c) => c.name === m[1]); if (i >= 0) return i; }
  }
  return -1;
}

/**
 * Builds `cases` in `dir` and runs each; returns the faults, one per failing case. A case whose
 * build fails is reported and the batch is built again without it.
 */
export async function runBatch(cases: BatchCase[], dir: string, opts: { cc?: string; caseSeconds?: number } = {}): Promise<CaseFault[]> {
  const limit = opts.caseSeconds ?? 20;
  const faults: CaseFault[] = [];
  let live = [...cases];
  const exe = path.join(dir, "batch");
  for (;;) {
    if (live.length === 0) return faults;
    fs.writeFileSync(path.join(dir, "driver.c"), driver(live));
    const b = await runProc(opts.cc ?? "cc", [...SANITIZE_FLAGS, `-I${path.join(RUNTIME, "include")}`, path.join(dir, "driver.c"),
      path.join(RUNTIME, "src", "edgec_runtime.c"), ...live.flatMap((c) => c.files), "-o", exe, "-lm"], 600_000);
    if (b.code === 0) break;
    const i = caseOfDiagnostic(live, b.stderr);
    if (i < 0) throw new Error(`the fuzz driver did not build: ${firstReport(b.stderr)}`);
    faults.push({ id: live[i]!.id, kind: "build", message: firstReport(b.stderr) });
    live = live.filter((_, k) => k !== i);
  }
  // Run from the first case; after a fault, go on from the case after it.
  for (let from = 0; from < live.length;) {
    const r = await runProc(exe, [String(from), String(limit)], 60_000 + (live.length - from) * limit * 1000);
    for (const m of r.stdout.matchAll(/^status (\d+) (-?\d+)$/gm))
      faults.push({ id: live[Number(m[1])]!.id, kind: "status", message: `returned status ${m[2]}` });
    if (r.code === 0 && !r.timedOut) break;
    const started = [...r.stdout.matchAll(/^start (\d+)$/gm)].map((m) => Number(m[1]));
    const k = started.length ? started[started.length - 1]! : from;
    const hang = r.timedOut || r.signal === "SIGALRM";
    const kind = hang ? (live[k]!.heavy ? "timeout" : "hang") : /runtime error:|AddressSanitizer|LeakSanitizer/.test(r.stderr) ? "sanitizer" : "crash";
    faults.push({ id: live[k]!.id, kind, message: hang ? `ran longer than ${limit} s` : kind === "crash" ? `died with ${r.signal ?? `exit ${r.code}`}: ${firstReport(r.stderr)}` : firstReport(r.stderr) });
    from = k + 1;
  }
  return faults;
}
