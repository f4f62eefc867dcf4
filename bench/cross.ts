/**
 * @fileoverview `npm run bench:cross`: dynamic instructions per inference of every shared model on
 * the cross targets, counted under qemu user mode with the project's TCG plugin (bench/icount.ts).
 * Under emulation wall time says nothing about a chip, so this counts instructions: the portable
 * `c` target auto-vectorized by the cross compiler at -O3 against edgec's intrinsics target of the
 * same ISA (aarch64 NEON; riscv64 RVV at VLEN 128 and 256 once riscv64 is a C target).
 *
 *   tsx bench/cross.ts [--models a,b] [--out FILE] [--keep] [--jobs N] [--aarch64-only a,b]
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { bytesOf } from "../ir/dtype.ts";
import { TARGETS } from "../ir/target.ts";
import { Compiled, compileFile, writeCArtifact } from "../compiler/api.ts";
import { CTarget, cToolchain, isCTarget } from "../compiler/c-targets.ts";
import { readTensorFile } from "../compiler/onnx/tensor.ts";
import { buildHarness } from "../compiler/testrun.ts";
import { tileFor } from "../passes/schedule-tile.ts";
import { SHARED } from "../test/shared.ts";
import { Limit, buildPlugin, limit, perInference, qemuFor } from "./icount.ts";
import { fmtDiff, fmtInt, machine, maxDiff, msg, tool } from "./run.ts";

const HERE = path.dirname(new URL(import.meta.url).pathname);
/** The conv/matmul-heavy models the geomeans are taken over. */
export const HEAVY = ["resnet18", "mobilenet_v2", "squeezenet1_1", "kws_dscnn", "vww_mobilenetv1_025", "ic_resnet8", "bert_tiny"];
const WARN = ["-std=c99", "-O3", "-Wall", "-Wextra"];
const RV_CLANG = "clang-16";
const RV_FLAGS = ["--target=riscv64-linux-gnu", "-march=rv64gcv"];
const VLENS = [128, 256];
/** Inferences below this many instructions are counted a third time to check the count is linear. */
const CHECK_BELOW = 200e6;

/** One binary to count: which C target's code, built how, run under which emulator(s). */
interface Build {
  key: string;
  isa: "aarch64" | "riscv64";
  cTarget: string;
  cc: string;
  cflags: string[];
  /** One count per emulator setting (riscv64: per VLEN). */
  runs: { label: string; qemu: string[] }[];
}

/** The builds this machine can make and run, and why the others are left out. */
export function plannedBuilds(): { builds: Build[]; missing: string[] } {
  const builds: Build[] = [], missing: string[] = [];
  const onPath = (c: string) => (process.env.PATH ?? "").split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, c)));
  const a64 = TARGETS.aarch64;
  const aWhy = ["qemu-aarch64", a64.cc!].filter((c) => !onPath(c)).concat(fs.existsSync("/usr/aarch64-linux-gnu/lib/libc.a") ? [] : ["libc6-dev-arm64-cross"]);
  if (aWhy.length) missing.push(`aarch64: missing ${aWhy.join(", ")}`);
  else {
    const runs = [{ label: "aarch64", qemu: qemuFor("aarch64") }];
    // Same compiler and -march for both: the only difference is edgec's target.
    builds.push({ key: "a64-c", isa: "aarch64", cTarget: "c", cc: a64.cc!, cflags: [...WARN, ...a64.cflags], runs });
    builds.push({ key: "a64", isa: "aarch64", cTarget: "aarch64", cc: a64.cc!, cflags: [...WARN, ...a64.cflags], runs });
  }
  const rWhy = ["qemu-riscv64", RV_CLANG, "riscv64-linux-gnu-ld"].filter((c) => !onPath(c))
    .concat(fs.existsSync("/usr/riscv64-linux-gnu/lib/libc.a") ? [] : ["libc6-dev-riscv64-cross"]);
  if (rWhy.length) missing.push(`riscv64: missing ${rWhy.join(", ")}`);
  else {
    const runs = VLENS.map((v) => ({ label: `VLEN ${v}`, qemu: qemuFor("riscv64", v) }));
    builds.push({ key: "rv-c", isa: "riscv64", cTarget: "c", cc: RV_CLANG, cflags: [...WARN, ...RV_FLAGS], runs });
    if (!isCTarget("riscv64")) missing.push("riscv64 target: `riscv64` is not a C target on this branch (compiler/c-targets.ts), so only the portable c is counted on riscv64");
    else {
      let cc = RV_CLANG;
      try { cc = cToolchain("riscv64" as CTarget).cc; } catch { /* the toolchain check above is enough */ }
      builds.push({ key: "rv", isa: "riscv64", cTarget: "riscv64", cc, cflags: [...WARN, ...TARGETS.riscv64.cflags], runs });
    }
  }
  return { builds, missing };
}

interface Count { perRun?: number; oneRun?: number; linear?: boolean; diff?: number; error?: string }
interface Row { name: string; counts: Map<string, Count>; errors: string[] }

export async function main(argv: string[]): Promise<number> {
  let opts: { models?: string[]; out?: string; keep: boolean; jobs: number; aarch64Only: string[] };
  try {
    const { values } = parseArgs({ args: argv, options: {
      models: { type: "string" }, out: { type: "string" }, keep: { type: "boolean", default: false }, jobs: { type: "string", default: String(Math.min(2, os.availableParallelism())) },
      "aarch64-only": { type: "string", default: "" },
    } });
    opts = { models: values.models?.split(",").filter(Boolean), out: values.out, keep: values.keep!, jobs: Math.floor(Number(values.jobs)),
      aarch64Only: values["aarch64-only"]!.split(",").filter(Boolean) };
    if (!(opts.jobs >= 1)) throw new Error(`--jobs takes a number of at least 1, got ${JSON.stringify(values.jobs)}`);
  } catch (e) {
    console.error(`bench:cross: ${msg(e)}\nusage: tsx bench/cross.ts [--models a,b] [--out FILE] [--keep] [--jobs N] [--aarch64-only a,b]`);
    return 2;
  }
  const modelsDir = path.join(SHARED, "models");
  if (!fs.existsSync(modelsDir)) {
    console.log(`bench:cross: no models folder at ${modelsDir} (set EDGEC_SHARED to the folder holding models/); nothing to measure`);
    return 0;
  }
  let names = fs.readdirSync(modelsDir).filter((d) => fs.existsSync(path.join(modelsDir, d, "model.onnx"))).sort();
  if (opts.models) {
    const unknown = opts.models.filter((m) => !names.includes(m));
    if (unknown.length) { console.error(`bench:cross: unknown model(s) ${unknown.join(", ")}; available: ${names.join(", ")}`); return 2; }
    names = names.filter((n) => opts.models!.includes(n));
  }
  const { builds, missing } = plannedBuilds();
  for (const m of missing) console.error(`bench:cross: ${m}`);
  if (builds.length === 0) { console.log("bench:cross: no cross toolchain here; nothing to measure"); return 0; }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "edgec-bench-cross-"));
  const started = Date.now();
  const rows: Row[] = [];
  try {
    const plugin = await buildPlugin(path.join(tmp, "plugin"));
    const slots = limit(opts.jobs);
    for (const name of names) {
      process.stderr.write(`bench:cross: ${name} ...`);
      // --aarch64-only: a model too slow to count under qemu-riscv64 in the time at hand.
      const mine = opts.aarch64Only.includes(name) ? builds.filter((b) => b.isa === "aarch64") : builds;
      const row = await benchModel(name, path.join(modelsDir, name), path.join(tmp, name), mine, plugin, slots);
      if (mine !== builds) row.errors.push("riscv64 not counted (--aarch64-only)");
      rows.push(row);
      process.stderr.write(` ${builds.flatMap((b) => b.runs.map((r) => `${b.key} ${r.label}`)).map((k) => `${k} ${fmtInt(row.counts.get(k)?.perRun)}`).join(", ")}${row.errors.length ? ` (${row.errors.join("; ")})` : ""}\n`);
    }
  } finally {
    if (opts.keep) console.error(`bench:cross: build folders kept in ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const text = render(rows, builds, missing, (Date.now() - started) / 1000, opts.aarch64Only);
  console.log(text);
  const out = opts.out ?? (opts.models ? undefined : path.join(HERE, "results-cross.md"));
  if (out) {
    fs.writeFileSync(out, text);
    console.error(`bench:cross: wrote ${path.relative(process.cwd(), out) || out}`);
  }
  return 0;
}

async function benchModel(name: string, dir: string, work: string, builds: Build[], plugin: string, slots: Limit): Promise<Row> {
  const row: Row = { name, counts: new Map(), errors: [] };
  fs.mkdirSync(work, { recursive: true });
  const set = path.join(dir, "test_data_set_0");
  const inputs: string[] = [];
  const expected: ReturnType<typeof readTensorFile>[] = [];
  try {
    for (let i = 0; fs.existsSync(path.join(set, `input_${i}.pb`)); i++) {
      const file = path.join(work, `in${i}.raw`);
      fs.writeFileSync(file, bytesOf(readTensorFile(path.join(set, `input_${i}.pb`)).data));
      inputs.push(file);
    }
    for (let i = 0; fs.existsSync(path.join(set, `output_${i}.pb`)); i++) expected.push(readTensorFile(path.join(set, `output_${i}.pb`)));
  } catch (e) {
    row.errors.push(`reading test_data_set_0: ${msg(e)}`);
    return row;
  }
  // One compile per edgec target (in process, one at a time); its C is then built by each
  // compiler that needs it, and the builds and counts run concurrently in `slots`.
  const compiled = new Map<string, { c: Compiled; cdir: string } | Error>();
  for (const t of new Set(builds.map((b) => b.cTarget))) {
    try {
      const cTarget = t as CTarget;
      const c = compileFile(path.join(dir, "model.onnx"), { tile: tileFor(cTarget), ...(cTarget === "c" ? {} : { cTarget }) });
      if (c.program.inputs.length !== inputs.length) throw new Error(`the model has ${c.program.inputs.length} inputs but test_data_set_0 has ${inputs.length}`);
      const cdir = path.join(work, t);
      writeCArtifact(c, cdir, cTarget === "c" ? {} : { cTarget });
      compiled.set(t, { c, cdir });
    } catch (e) {
      compiled.set(t, e as Error);
    }
  }
  await Promise.all(builds.map(async (b) => {
    const label = (r: { label: string }) => `${b.key} ${r.label}`;
    const art = compiled.get(b.cTarget)!;
    if (art instanceof Error) {
      for (const r of b.runs) row.counts.set(label(r), { error: `compile: ${msg(art)}` });
      return;
    }
    let exe: string;
    try {
      const bdir = path.join(work, b.key);
      fs.cpSync(art.cdir, bdir, { recursive: true });
      exe = await slots(() => buildHarness(bdir, { cc: b.cc, cflags: b.cflags, extraFlags: ["-static"] }));
    } catch (e) {
      for (const r of b.runs) row.counts.set(label(r), { error: `build: ${msg(e)}` });
      return;
    }
    const wbin = path.join(path.dirname(exe), "model_weights.bin");
    await Promise.all(b.runs.map(async (r, j) => {
      // Each emulator setting writes its own outputs (RVV sums can round differently per VLEN).
      const outs = art.c.program.outputs.map((_, i) => path.join(path.dirname(exe), `out${j}_${i}.raw`));
      try {
        const n = await perInference(plugin, r.qemu, exe, [fs.existsSync(wbin) ? wbin : "-", ...inputs, ...outs], { checkBelow: CHECK_BELOW, slots });
        const diff = maxDiff(art.c.program.outputs.map((t, i) => ({ dtype: t.type.dtype, file: outs[i]! })), expected);
        row.counts.set(label(r), { ...n, diff });
      } catch (e) {
        row.counts.set(label(r), { error: `run: ${msg(e)}` });
      }
    }));
  }));
  for (const [k, c] of row.counts) {
    if (c.error) row.errors.push(`${k}: ${c.error}`);
    else if (c.linear === false) row.errors.push(`${k}: -k 3 did not add over -k 2 what -k 2 added over -k 1`);
  }
  return row;
}

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

function render(rows: Row[], builds: Build[], missing: string[], seconds: number, aarch64Only: string[]): string {
  const L: string[] = [];
  const get = (r: Row, k: string) => r.counts.get(k)?.perRun;
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? (a / b).toFixed(2) : "—");
  const has = (key: string) => builds.some((b) => b.key === key);
  const flags = (key: string) => builds.find((b) => b.key === key)?.cflags.filter((f) => !f.startsWith("-W") && f !== "-std=c99").join(" ");
  const qemuV = tool("qemu-aarch64", ["--version"]);
  L.push("# edgec on cross targets: instructions per inference", "");
  L.push(`- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`);
  L.push(`- host: ${machine()}`);
  L.push(`- emulator: ${qemuV} user mode (and qemu-riscv64 of the same build), with bench/qemu/icount.c, the project's TCG plugin: each translated block adds its instruction count to a counter every time it runs (an inline add)`);
  L.push("- what counts: every guest instruction executed, one per instruction: a NEON or RVV instruction counts as 1 whatever its lanes or VLEN, so counts compare builds of one ISA, never ISAs, and are a proxy for time (no cycles, caches or latencies)");
  L.push("- per inference: the harness (runtime-c/harness/edgec_harness.c) runs the model once, then `-k K` more times, untimed and silent; the table gives count(`-k 2`) - count(`-k 1`), so start-up, weight loading and I/O cancel out (both processes run the -k loop, whose set-up costs a few instructions). Where one inference is below " + `${CHECK_BELOW / 1e6}M` + " instructions, `-k 3` is counted too and must add exactly as much again (the count is deterministic); Details says checked or not, and a row's notes say when a check failed");
  L.push("- inputs: each model's test_data_set_0; every build's outputs are compared with the reference (max abs diff in Details)");
  if (has("a64")) L.push(`- aarch64: \`${tool(TARGETS.aarch64.cc!, ["--version"])}\`, \`${flags("a64")} -static\` for both the portable \`c\` target (auto-vectorized by gcc) and \`--target aarch64\` (NEON intrinsics); qemu-aarch64's default CPU (max)`);
  if (has("rv-c")) L.push(`- riscv64: \`${tool(RV_CLANG, ["--version"])}\` \`${flags("rv-c")} -static\` (GNU ld and the C library of the Debian riscv64 cross packages); the portable \`c\` is auto-vectorized by clang with scalable vectors, so one binary runs at every VLEN; \`qemu-riscv64 -cpu rv64,v=true,vext_spec=v1.0,vlen=N,rvv_ta_all_1s=true,rvv_ma_all_1s=true\``);
  for (const m of missing) L.push(`- not measured: ${m}`);
  const skipped = rows.filter((r) => aarch64Only.includes(r.name)).map((r) => r.name);
  if (skipped.length) L.push(`- counted on aarch64 only (\`--aarch64-only\`, too slow under qemu-riscv64 for this run): ${skipped.join(", ")}`);
  L.push(`- total bench time: ${seconds.toFixed(0)} s`, "");
  L.push("## aarch64: portable c against --target aarch64", "");
  L.push("| model | c (gcc -O3) | aarch64 (NEON) | c / aarch64 |");
  L.push("| --- | ---: | ---: | ---: |");
  for (const r of rows) {
    const c = get(r, "a64-c aarch64"), n = get(r, "a64 aarch64");
    L.push(`| ${r.name} | ${fmtInt(c)} | ${fmtInt(n)} | ${ratio(c, n)} |`);
  }
  const heavy = (a: string, b: string) => rows.filter((r) => HEAVY.includes(r.name) && get(r, a) && get(r, b)).map((r) => get(r, a)! / get(r, b)!);
  const ha = heavy("a64-c aarch64", "a64 aarch64");
  L.push("", `c / aarch64 > 1: the intrinsics target executes fewer instructions. Geometric mean over the ${ha.length} conv/matmul-heavy model(s) of ${HEAVY.join(", ")}: ${ha.length ? ha.length < HEAVY.length ? `${geomean(ha).toFixed(2)} (only ${ha.length} of ${HEAVY.length} measured)` : geomean(ha).toFixed(2) : "—"}.`, "");
  L.push("## riscv64", "");
  const rv = has("rv");
  L.push(`| model | c VLEN 128 | c VLEN 256 | c 128 / 256 | riscv64 VLEN 128 | riscv64 VLEN 256 | c / riscv64 at 128 | c / riscv64 at 256 |`);
  L.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const c1 = get(r, "rv-c VLEN 128"), c2 = get(r, "rv-c VLEN 256"), t1 = get(r, "rv VLEN 128"), t2 = get(r, "rv VLEN 256");
    const na = rv ? undefined : "n/a";
    L.push(`| ${r.name} | ${fmtInt(c1)} | ${fmtInt(c2)} | ${ratio(c1, c2)} | ${na ?? fmtInt(t1)} | ${na ?? fmtInt(t2)} | ${na ?? ratio(c1, t1)} | ${na ?? ratio(c2, t2)} |`);
  }
  if (rv) {
    const h1 = heavy("rv-c VLEN 128", "rv VLEN 128"), h2 = heavy("rv-c VLEN 256", "rv VLEN 256");
    L.push("", `Geometric mean of c / riscv64 over the conv/matmul-heavy models: ${h1.length ? geomean(h1).toFixed(2) : "—"} at VLEN 128 (${h1.length} models), ${h2.length ? geomean(h2).toFixed(2) : "—"} at VLEN 256 (${h2.length} models).`);
  } else {
    L.push("", "n/a: `--target riscv64` is not available on this branch (not a C target in compiler/c-targets.ts); rerun `npm run bench:cross` where it is.");
  }
  L.push("", "## Details", "");
  L.push("Whole process with one inference (count(-k 1) minus one inference: start-up, weight loading, I/O), max abs diff of the outputs from the reference, whether the count was checked linear, and problems.", "");
  const keys = builds.flatMap((b) => b.runs.map((r) => `${b.key} ${r.label}`));
  L.push(`| model | ${keys.map((k) => `${k}: 1-inference process / max abs diff / check`).join(" | ")} | notes |`);
  L.push(`| --- | ${keys.map(() => "---").join(" | ")} | --- |`);
  for (const r of rows) {
    const cell = (k: string) => { const c = r.counts.get(k); return c && c.oneRun !== undefined ? `${fmtInt(c.oneRun)} / ${fmtDiff(c.diff)} / ${c.linear === undefined ? "unchecked" : c.linear ? "linear" : "NOT linear"}` : "—"; };
    L.push(`| ${r.name} | ${keys.map(cell).join(" | ")} | ${r.errors.join("; ").replace(/\|/g, "\\|")} |`);
  }
  L.push("", "Build keys: a64-c = portable c by aarch64-linux-gnu-gcc, a64 = --target aarch64, rv-c = portable c by clang-16 for rv64gcv, rv = --target riscv64.", "");
  return L.join("\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(HERE, "cross.ts"))
  process.exitCode = await main(process.argv.slice(2));
