/**
 * @fileoverview `edgec compile`: ONNX model to a target artifact.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BlobStore, printGraph } from "../../ir/text/index.ts";
import { CompileOptions, Compiled, compileBytes, compileFile, writeCArtifact, writeEmscriptenArtifact, writeWasmArtifact } from "../api.ts";
import { quantizeModel } from "../quantize.ts";
import { QUANT_HELP, QUANT_OPTIONS, quantizeRequest } from "./quantize.ts";
import { tileFor, winogradFlag } from "../../passes/schedule-tile.ts";
import { TARGETS as TARGET_DESCS } from "../../ir/target.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { C_TARGETS, isCTarget, isMcuTarget, resolveCTarget } from "../c-targets.ts";
import { boardFor, firmwareFiles } from "../firmware.ts";
import { FIRST_SET } from "../data-shapes.ts";
import { readInputs } from "../testrun.ts";
import { bytesOf, byteSize } from "../../ir/dtype.ts";
import { numel } from "../../ir/graph.ts";
import { readScheduleFile } from "../schedule-file.ts";
import { parse, parseFreezeInputs, parseInputShapes, progress, progressDone } from "./main.ts";

const HELP = `usage: edgec compile MODEL.onnx --target c|x86-64-v3|x86-64-v4|x86-64-v4-vnni|aarch64|riscv64|cortex-m4|cortex-m55|native|wasm|wasm-emscripten -o OUT/ [options]

--target c writes OUT/<name>.h, OUT/<name>.c, the weights (OUT/<name>_weights.c, or .bin when
large), the runtime sources, a Makefile and OUT/report.json. x86-64-v3 (AVX2, FMA) and
x86-64-v4 (AVX-512) write the same files with the loops vectorized as that level's intrinsics
(build with -march=x86-64-v3 or -march=x86-64-v4, as the Makefile does); x86-64-v4-vnni adds
AVX512-VNNI int8 dot products (-mavx512vnni) for quantized convolutions; aarch64 prints NEON
intrinsics (the Makefile builds with aarch64-linux-gnu-gcc -march=armv8.2-a+dotprod); riscv64
prints RVV 1.0 intrinsics, vector-length agnostic (clang-16 --target=riscv64-linux-gnu
-march=rv64gcv; one binary runs at any VLEN); cortex-m4 and cortex-m55 print portable C that the
Makefile builds with arm-none-eabi-gcc for that core (see --firmware); native picks the best
level this machine runs.
--target wasm writes OUT/model.wasm (built directly with binaryen, SIMD128 unless --no-simd),
OUT/model.mjs (an ES-module loader: createModel() then run({name: typedArray})), OUT/model.d.ts
and OUT/report.json. --target wasm-emscripten writes the same files from the C output built
with emcc. OUT is replaced only when complete.

options:
  --target T                  output target: c (default), x86-64-v3, x86-64-v4,
                              x86-64-v4-vnni, aarch64, riscv64, cortex-m4, cortex-m55, native,
                              wasm, wasm-emscripten
  --no-simd                   wasm targets: a scalar module (no SIMD128 instructions)
  --winograd on|off           3x3 stride-1 convs as Winograd F(2x2,3x3): faster, 16/9 of their
                              weights and a larger arena (default: on for wasm, off for c)
  --schedule FILE             tile knobs per node, as report.json's "schedules" lists them
                              ({"node", "config": {accs, width, lanes, rblock, epilogueInTile}});
                              a tuner edits them and gives the file back
  --tuning-log FILE           C targets: each kernel 'edgec tune' measured takes the best
                              schedule in FILE (report.json lists them under "tuned")
  -o, --out DIR               output folder
  --name NAME                 c: prefix of generated symbols and files (default: model)
  --input-shape NAME=DIMS     fix a symbolic input shape, e.g. input=1x3x224x224 (repeatable)
  --freeze-input NAME=FILE    make input NAME the constant in TensorProto FILE (repeatable);
                              the result is specialised to that value
  --weights-bin-above BYTES   c: put weights larger than this in a .bin file (default 8388608)
  -O0 | -O1 | -O2             optimisation level (default -O2)
  --passes a,b,c              run exactly these graph passes instead of the level's pipeline
  --print-after PASS          print the Graph IR after PASS to stderr (repeatable)
  --print-after-all           print the Graph IR after every pass to stderr
  --stats                     print the report to stdout, with kernels and arena before optimisation
  --firmware BOARD            cortex-m4 / cortex-m55: also write a bare-metal firmware project for
                              BOARD (mps2-an386 for cortex-m4, mps3-an547 for cortex-m55):
                              startup.c, board.ld, main.c running the model once on inputs.c
                              (test_data_set_0 beside the model, else zeros) and printing its
                              outputs over semihosting, and a Makefile (make; make run in
                              qemu-system-arm)
  --quantize int8|int4-weights
                              quantize the float model first, as 'edgec quantize --scheme' does
                              (the QDQ model is compiled directly; report.json says how), with:
  --calibration DATA          int8: calibration inputs, a folder of test_data_set_* or a batch TensorProto
${QUANT_HELP}`;

const TARGETS = [...C_TARGETS, "wasm", "wasm-emscripten"];

export async function compileCommand(args: string[]): Promise<number> {
  const opt = args.find((a) => /^-O[0-3]$/.test(a));
  const { values, positionals } = parse(args.filter((a) => a !== opt), {
    target: { type: "string", default: "c" },
    out: { type: "string", short: "o" },
    name: { type: "string", default: "model" },
    "input-shape": { type: "string", multiple: true },
    "freeze-input": { type: "string", multiple: true },
    "weights-bin-above": { type: "string" },
    stats: { type: "boolean" },
    "no-simd": { type: "boolean" },
    winograd: { type: "string" },
    schedule: { type: "string" },
    "tuning-log": { type: "string" },
    passes: { type: "string" },
    "print-after": { type: "string", multiple: true },
    "print-after-all": { type: "boolean" },
    quantize: { type: "string" },
    firmware: { type: "string" },
    ...QUANT_OPTIONS,
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("compile takes one MODEL.onnx; run 'edgec compile --help'");
  if (!values.out) throw new EdgecError("missing -o OUT; run 'edgec compile --help'");
  const target = values.target!;
  if (!TARGETS.includes(target)) throw new EdgecError(`unknown target '${target}'; available: ${TARGETS.join(", ")}`);
  if (values["no-simd"] && isCTarget(target)) throw new EdgecError("--no-simd applies to the wasm targets only");
  if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(values.name!)) throw new EdgecError(`--name ${values.name}: must be a C identifier starting with a letter, at most 32 characters`);
  // The runtime's files and symbols use the edgec prefix.
  if (/^edgec/i.test(values.name!)) throw new EdgecError(`--name ${values.name}: the prefix 'edgec' is reserved for the runtime; choose another name`);
  const embedLimit = values["weights-bin-above"] !== undefined ? Number(values["weights-bin-above"]) : undefined;
  if (embedLimit !== undefined && !(embedLimit >= 0)) throw new EdgecError("--weights-bin-above takes a byte count");
  const printAfter = new Set<string>(values["print-after"] ?? []);
  const quant = values.quantize !== undefined ? quantizeRequest(values.quantize, values) : undefined;
  if (quant?.scheme === "int8" && !values.calibration) throw new EdgecError("--quantize int8 needs --calibration DATA (a folder of test_data_set_* or a batch TensorProto)");
  if (quant?.scheme !== "int8" && values.calibration) throw new EdgecError("--calibration applies with --quantize int8");
  if (values.firmware !== undefined && !isMcuTarget(target)) throw new EdgecError(`--firmware applies to the cortex-m4 and cortex-m55 targets, not ${target}`);
  if (values.firmware !== undefined && isMcuTarget(target)) boardFor(values.firmware, target);
  const opts: CompileOptions = {
    name: values.name, embedLimit, inputShapes: parseInputShapes(values["input-shape"]),
    freezeInputs: parseFreezeInputs(values["freeze-input"]),
    optLevel: opt ? Number(opt[2]) : 2,
    passes: values.passes?.split(",").map((x) => x.trim()).filter((x) => x),
    baseline: true,
    tile: tileFor(isCTarget(target) ? resolveCTarget(target) : target, winogradFlag(values.winograd)),
    ...(values.schedule !== undefined ? { schedules: readScheduleFile(values.schedule) } : {}),
    ...(values["tuning-log"] !== undefined ? { tuningLog: values["tuning-log"] } : {}),
    ...(isCTarget(target) ? { cTarget: resolveCTarget(target) } : {}),
    ...(target === "wasm" ? { vectorTarget: TARGET_DESCS.wasm } : {}),
    afterPass: (pass, g) => {
      if (values["print-after-all"] || printAfter.has(pass)) process.stderr.write(`// ----- IR after ${pass} -----\n${printGraph(g, { blobs: new BlobStore() })}`);
    },
  };
  checkOutDir(values.out, positionals[0]!);
  let compiled: Compiled;
  if (quant) {
    progress(`quantizing ${path.basename(positionals[0]!)}`);
    const q = await quantizeModel(positionals[0]!, values.calibration, quant);
    progress(`compiling ${path.basename(positionals[0]!)} (${quant.scheme})`);
    compiled = compileBytes(q.model, path.dirname(path.resolve(positionals[0]!)), opts);
    compiled.report.quantization = quant.scheme === "int8"
      ? { scheme: `int8, ${quant.activations} activations, ${quant.perTensor ? "per-tensor" : "per-channel"} weights${quant.biasCorrection ? ", bias-corrected" : ""}`, method: quant.method, samples: q.samples, quantized: q.quantized }
      : { scheme: `int4 weights, blocks of ${quant.block}, float activations`, quantized: q.quantized };
  } else {
    progress(`compiling ${path.basename(positionals[0]!)}`);
    compiled = compileFile(positionals[0]!, opts);
  }
  progress(isCTarget(target) ? "writing C" : "building WebAssembly");
  let files: string[], extra = "";
  if (target === "wasm") {
    const art = await writeWasmArtifact(compiled, values.out, { simd: !values["no-simd"] });
    files = art.files;
    extra = `, module ${art.wasmBytes} bytes`;
  } else if (target === "wasm-emscripten") {
    await writeEmscriptenArtifact(compiled, values.out, { simd: !values["no-simd"] });
    files = fs.readdirSync(values.out);
  } else {
    const board = values.firmware, mcu = isMcuTarget(target) ? target : undefined;
    // The firmware runs the model on test_data_set_0 beside it (checked like edgec test), else zeros.
    const dir = path.dirname(positionals[0]!);
    const inputs = () => fs.existsSync(path.join(dir, FIRST_SET)) ? readInputs(dir, FIRST_SET, compiled).map((t) => bytesOf(t.data))
      : compiled.program.inputs.map((t) => new Uint8Array(numel(t.type.shape) * byteSize(t.type.dtype)));
    files = writeCArtifact(compiled, values.out, opts, board && mcu
      ? (srcs) => firmwareFiles(values.name!, srcs, mcu, board, inputs(), compiled.program.outputs.length)
      : undefined);
  }
  progressDone();
  const r = compiled.report;
  if (values.stats) console.log(JSON.stringify(r, null, 2));
  else console.log(`wrote ${files.length} files to ${values.out}: ${r.kernels} kernels, arena ${r.arena_bytes} bytes (lower bound ${r.arena_lower_bound_bytes}), weights ${r.weights_bytes} bytes${extra}`);
  return 0;
}

/**
 * OUT is replaced wholesale, so it must be new, empty or an earlier artifact: never a file, a
 * folder of the user's own files, or the folder holding the model.
 */
function checkOutDir(out: string, model: string): void {
  const abs = path.resolve(out);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return;
  }
  if (!st.isDirectory()) throw new EdgecError(`-o ${out}: exists and is not a folder; choose a new or empty folder`);
  const rel = path.relative(abs, path.resolve(model));
  if (!rel.startsWith("..") && !path.isAbsolute(rel))
    throw new EdgecError(`-o ${out}: holds the model itself; write the artifact to another folder`);
  const entries = fs.readdirSync(abs);
  if (entries.length > 0 && !entries.includes("report.json"))
    throw new EdgecError(`-o ${out}: is not empty and holds no earlier edgec artifact (report.json), so edgec will not replace it; choose a new or empty folder`);
}
