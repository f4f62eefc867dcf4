/**
 * @fileoverview `edgec test`: check a model folder in the ONNX backend-test layout.
 */
import { EdgecError } from "../../ir/diagnostics.ts";
import { FIRST_SET } from "../data-shapes.ts";
import { TEST_TARGETS, testDir } from "../testrun.ts";
import { cToolchain, isCTarget, isMcuTarget, resolveCTarget, rvvVlen } from "../c-targets.ts";
import { winogradFlag } from "../../passes/schedule-tile.ts";
import { readScheduleFile } from "../schedule-file.ts";
import { parse, parseFreezeInputs, parseInputShapes, progress, progressDone } from "./main.ts";

const HELP = `usage: edgec test DIR --target c|x86-64-v3|x86-64-v4|x86-64-v4-vnni|aarch64|riscv64|cortex-m4|cortex-m55|native|wasm|wasm-emscripten [options]

DIR holds model.onnx and test_data_set_*/input_N.pb, output_N.pb. Compiles the model for the
target, runs every data set and compares each output. The C targets (c, and the x86-64 levels
with intrinsics) build with the system C compiler; aarch64 (NEON) builds with
aarch64-linux-gnu-gcc and, on a host that is not AArch64, runs under qemu-aarch64; riscv64
(RVV 1.0, vector-length agnostic) builds with clang-16 and runs under qemu-riscv64; cortex-m4
and cortex-m55 build bare-metal firmware with each data set's inputs compiled in
(arm-none-eabi-gcc, newlib) and run it in qemu-system-arm on mps2-an386 / mps3-an547; the wasm
targets build model.wasm and run it in this Node process through its model.mjs loader. Exit
status 0 only if every output matches.

options:
  --target T               c (default), x86-64-v3, x86-64-v4, x86-64-v4-vnni, aarch64, riscv64,
                           cortex-m4, cortex-m55, native (the best level here), wasm (binaryen) or
                           wasm-emscripten (emcc)
  --vlen N[,N...]          riscv64: run the one binary at each VLEN (128, 256, 512, 1024;
                           default: $EDGEC_RVV_VLEN, else 128)
  --no-simd                wasm targets: a scalar module (no SIMD128)
  --winograd on|off        3x3 stride-1 convs as Winograd F(2x2,3x3) (default: on for wasm,
                           off for c and wasm-emscripten)
  --schedule FILE          tile knobs per node, as report.json's "schedules" (edgec compile)
  --tuning-log FILE        C targets: the best schedules 'edgec tune' logged in FILE
  --rtol X                 relative tolerance (default 1e-3)
  --atol X                 absolute tolerance (default 1e-5)
  --cc CC                  C compiler (default cc; aarch64-linux-gnu-gcc for aarch64,
                           clang-16 for riscv64)
  --sanitize               build with -fsanitize=address,undefined
  --input-shape NAME=DIMS  fix a symbolic input shape (repeatable); without it, symbolic
                           and unknown dims take the shapes in test_data_set_0
  --freeze-input NAME=FILE make input NAME the constant in TensorProto FILE (repeatable)
  --keep                   keep the build folder and print its path
  -O0 | -O1 | -O2          optimisation level (default -O2)`;

export async function testCommand(args: string[]): Promise<number> {
  const lvl = args.find((a) => /^-O[0-3]$/.test(a));
  const { values, positionals } = parse(args.filter((a) => a !== lvl), {
    target: { type: "string", default: "c" },
    rtol: { type: "string", default: "1e-3" },
    atol: { type: "string", default: "1e-5" },
    cc: { type: "string" },
    sanitize: { type: "boolean" },
    "no-simd": { type: "boolean" },
    winograd: { type: "string" },
    schedule: { type: "string" },
    "tuning-log": { type: "string" },
    keep: { type: "boolean" },
    vlen: { type: "string" },
    "input-shape": { type: "string", multiple: true },
    "freeze-input": { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("test takes one DIR; run 'edgec test --help'");
  const target = TEST_TARGETS.find((t) => t === values.target);
  if (!target) throw new EdgecError(`unknown target '${values.target}'; available: ${TEST_TARGETS.join(", ")}`);
  if (!isCTarget(target) && (values.sanitize || values.cc)) throw new EdgecError("--sanitize and --cc apply to the C targets only");
  if (values.sanitize && isMcuTarget(target)) throw new EdgecError(`--sanitize applies to the targets this machine runs natively, not the firmware of --target ${target}`);
  if (values.sanitize && cToolchain(resolveCTarget(target), values.cc).runPrefix.length)
    throw new EdgecError(`--sanitize applies to the targets this machine runs natively; --target ${target} runs under qemu here`);
  const rtol = Number(values.rtol), atol = Number(values.atol);
  if (!(rtol >= 0) || !(atol >= 0)) throw new EdgecError("--rtol and --atol take non-negative numbers");
  if (values.vlen !== undefined && target !== "riscv64") throw new EdgecError("--vlen applies to --target riscv64 only");
  const vlens = values.vlen?.split(",").map((v) => rvvVlen(v.trim()));
  const res = await testDir(positionals[0]!, {
    vlens,
    rtol, atol, cc: values.cc, target, simd: !values["no-simd"], winograd: winogradFlag(values.winograd), schedules: values.schedule !== undefined ? readScheduleFile(values.schedule) : undefined, tuningLog: values["tuning-log"], keep: values.keep, inputShapes: parseInputShapes(values["input-shape"]),
    freezeInputs: parseFreezeInputs(values["freeze-input"]),
    optLevel: lvl ? Number(lvl[2]) : 2,
    extraFlags: values.sanitize ? ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g"] : undefined,
  }, (m) => progress(m));
  progressDone();
  if (res.shapesFromData.size)
    console.log(`input shapes from ${FIRST_SET}: ${[...res.shapesFromData].map(([n, s]) => `${JSON.stringify(n)} ${s.join("x") || "scalar"}`).join(", ")}`);
  for (const r of res.results)
    console.log(`${r.pass ? "PASS" : "FAIL"} ${r.set} ${JSON.stringify(r.name)}: max abs err ${r.maxAbs.toExponential(3)}, max rel err ${r.maxRel.toExponential(3)}${r.mismatches ? `, ${r.mismatches} elements out of tolerance` : ""}`);
  for (const x of res.instructions ?? []) console.log(`${x.set}: ${x.count.toLocaleString("en-US")} instructions per inference (qemu-system-arm -icount, SysTick)`);
  if (res.buildDir) console.log(`build folder: ${res.buildDir}`);
  console.log(res.pass ? "PASS" : "FAIL");
  return res.pass ? 0 : 1;
}
