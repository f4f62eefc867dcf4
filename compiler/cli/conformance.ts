/**
 * @fileoverview `edgec conformance`: runs the ONNX node tests through the C target and writes
 * the results table, or (--check) fails when a test that passed in the committed results no
 * longer passes.
 */
import { cTargetDesc, cToolchain, isCTarget, isMcuTarget, resolveCTarget } from "../c-targets.ts";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CONFORMANCE_CFLAGS, Outcome, checkAgainst, readResults, renderJson, renderMarkdown, runConformance, totals, totalsLine, worstOps,
} from "../conformance.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { TEST_TARGETS } from "../testrun.ts";
import { parse, progress, progressDone } from "./main.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const DEFAULT_OUT = path.join(ROOT, "test", "conformance", "results.md");

const HELP = `usage: edgec conformance [options]

Compiles every ONNX node test (EDGEC_SHARED/onnx-node-tests, EDGEC_SHARED defaulting to
../shared beside the repository) to C, builds and runs it, and compares each output with
rtol 1e-3, atol 1e-7 (integers and bools exactly). Each test is PASS, FAIL, UNSUPPORTED or ERROR.
With another target the table goes to its own file (test/conformance/results-<target>.md):
x86-64-v3/v4 build the C with that level's intrinsics; aarch64 builds NEON C with
aarch64-linux-gnu-gcc and runs it under qemu-aarch64 (unless this machine is AArch64); riscv64
builds RVV C with clang-16 and runs it under qemu-riscv64 at EDGEC_RVV_VLEN (default 128); wasm (or
wasm-emscripten) makes each model a WebAssembly module run in Node through its loader.

options:
  --target T     c (default), x86-64-v3, x86-64-v4, x86-64-v4-vnni, aarch64, riscv64, native, wasm or
                 wasm-emscripten
  --no-simd      wasm targets: scalar modules (no SIMD128)
  --filter RE    only tests whose folder name matches the regular expression RE
  --jobs N       tests in flight at once (default: the number of CPUs)
  --out FILE     write the table to FILE and the machine-readable results beside it as .json
                 (default test/conformance/results.md, or results-<target>.md for a wasm
                 target; a --filter run writes only when --out is given)
  --check        write nothing; compare with the results .json beside --out (default the
                 committed test/conformance/results.json) and exit 1 if a test that passed
                 there no longer passes (exit 0 with a note when the test folder is absent)
  --cc CC        C compiler (default cc; aarch64-linux-gnu-gcc for aarch64)
  --sanitize     build with -fsanitize=address,undefined; a sanitizer report is an ERROR
  --verbose      print every test that does not pass`;

/** The ONNX node-test folder, from EDGEC_SHARED (relative to the repository) or ../shared. */
export function nodeTestsDir(): string {
  return path.join(path.resolve(ROOT, process.env.EDGEC_SHARED ?? "../shared"), "onnx-node-tests");
}

export async function conformanceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    filter: { type: "string" },
    jobs: { type: "string" },
    out: { type: "string" },
    check: { type: "boolean" },
    cc: { type: "string" },
    target: { type: "string", default: "c" },
    "no-simd": { type: "boolean" },
    sanitize: { type: "boolean" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length) throw new EdgecError(`conformance takes no positional arguments (got '${positionals[0]}'); run 'edgec conformance --help'`);
  let filter: RegExp | undefined;
  if (values.filter !== undefined) {
    try {
      filter = new RegExp(values.filter);
    } catch (e) {
      throw new EdgecError(`--filter ${values.filter}: not a regular expression (${(e as Error).message})`);
    }
  }
  const jobs = values.jobs === undefined ? os.availableParallelism() : Number(values.jobs);
  if (!Number.isSafeInteger(jobs) || jobs < 1) throw new EdgecError(`--jobs ${values.jobs}: expected a positive integer`);

  const target = TEST_TARGETS.find((t) => t === values.target);
  if (!target) throw new EdgecError(`unknown target '${values.target}'; available: ${TEST_TARGETS.join(", ")}`);
  if (isMcuTarget(target)) throw new EdgecError(`conformance does not run --target ${target} (firmware per node test); use 'edgec test DIR --target ${target}'`);
  if (!isCTarget(target) && (values.sanitize || values.cc)) throw new EdgecError("--sanitize and --cc apply to the C targets only");
  if (values.sanitize && cToolchain(resolveCTarget(target), values.cc).runPrefix.length)
    throw new EdgecError(`--sanitize applies to the targets this machine runs natively; --target ${target} runs under qemu here`);
  const simd = !values["no-simd"];
  const defaultOut = target === "c" ? DEFAULT_OUT : path.join(ROOT, "test", "conformance", `results-${target}${simd ? "" : "-scalar"}.md`);
  const dir = nodeTestsDir();
  if (!fs.existsSync(dir)) {
    const why = `${dir} not found (set EDGEC_SHARED to the folder holding onnx-node-tests/)`;
    if (values.check) { console.log(`conformance check skipped: ${why}`); return 0; }
    throw new EdgecError(why);
  }
  const out = values.check ? undefined : values.out !== undefined ? path.resolve(values.out) : filter ? undefined : defaultOut;
  const baselineFile = values.check ? jsonPath(values.out !== undefined ? path.resolve(values.out) : defaultOut) : undefined;
  const baseline = baselineFile ? readResults(baselineFile) : undefined;

  const cflags = values.sanitize ? [...CONFORMANCE_CFLAGS, ...SANITIZE_FLAGS] : CONFORMANCE_CFLAGS;
  // Exiting (rather than dying on the signal) lets the runner remove its temporary folder.
  const onSignal = () => process.exit(130);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const t0 = Date.now();
  const counts = { PASS: 0, FAIL: 0, UNSUPPORTED: 0, ERROR: 0 };
  const results = await runConformance({
    dir, filter, jobs, cc: values.cc, cflags, target, simd,
    onProgress: (done, total, last) => {
      counts[last.status]++;
      progress(`[${done}/${total}] ${counts.PASS} pass, ${counts.FAIL} fail, ${counts.UNSUPPORTED} unsupported, ${counts.ERROR} error  ${last.test}`);
    },
  });
  progressDone();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  if (results.length === 0) throw new EdgecError(`no test folder in ${dir} matches ${filter ? `--filter ${values.filter}` : "model.onnx"}`);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);

  if (values.verbose || (filter && !values.check)) for (const r of results) if (r.status !== "PASS") console.log(line(r));
  if (out) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tools = isCTarget(target) ? cToolchain(resolveCTarget(target), values.cc) : undefined;
    const built = isCTarget(target) ? [...cflags, ...cTargetDesc(resolveCTarget(target)).cflags, ...tools!.linkFlags] : cflags;
    fs.writeFileSync(out, renderMarkdown(results, { rtol: 1e-3, atol: 1e-7, cflags: built, target, simd, cc: tools?.cc, runPrefix: tools?.runPrefix }));
    fs.writeFileSync(jsonPath(out), renderJson(results));
    console.log(`wrote ${path.relative(process.cwd(), out)} and ${path.relative(process.cwd(), jsonPath(out))}`);
  }
  const t = totals(results);
  if (!values.check) {
    const worst = worstOps(results, 15);
    if (worst.length) console.log(`most tests not passing: ${worst.map((w) => `${w.op} ${w.t.total - w.t.PASS}`).join(", ")}`);
    console.log(`conformance: ${totalsLine(t)} (${secs} s)`);
    return 0;
  }
  const { regressions, fixed } = checkAgainst(results, baseline!);
  for (const r of regressions) console.log(`REGRESSION ${line(r)}`);
  if (fixed.length) console.log(`${fixed.length} test(s) pass that did not in ${path.relative(process.cwd(), baselineFile!)}: refresh it with 'edgec conformance'`);
  console.log(`conformance: ${totalsLine(t)} (${secs} s); ${regressions.length} regression(s)`);
  return regressions.length ? 1 : 0;
}

const SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"];
const jsonPath = (md: string) => md.replace(/\.md$/, "") + ".json";
const line = (r: Outcome) => `${r.status} ${r.test} (${r.op})${r.reason ? `: ${r.reason}` : ""}`;
