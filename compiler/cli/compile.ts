/**
 * @fileoverview `edgec compile`: ONNX model to a target artifact.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BlobStore, printGraph } from "../../ir/text/index.ts";
import { CompileOptions, compileFile, writeCArtifact } from "../api.ts";
import { EdgecError } from "../diagnostics.ts";
import { parse, parseFreezeInputs, parseInputShapes, progress, progressDone } from "./main.ts";

const HELP = `usage: edgec compile MODEL.onnx --target c -o OUT/ [options]

Writes OUT/<name>.h, OUT/<name>.c, the weights (OUT/<name>_weights.c, or .bin when large),
the runtime sources, a Makefile and OUT/report.json. OUT is replaced only when complete.

options:
  --target c                  output target (c)
  -o, --out DIR               output folder
  --name NAME                 prefix of generated symbols and files (default: model)
  --input-shape NAME=DIMS     fix a symbolic input shape, e.g. input=1x3x224x224 (repeatable)
  --freeze-input NAME=FILE    make input NAME the constant in TensorProto FILE (repeatable);
                              the result is specialised to that value
  --weights-bin-above BYTES   put weights larger than this in a .bin file (default 8388608)
  -O0 | -O1 | -O2             optimisation level (default -O2)
  --passes a,b,c              run exactly these graph passes instead of the level's pipeline
  --print-after PASS          print the Graph IR after PASS to stderr (repeatable)
  --print-after-all           print the Graph IR after every pass to stderr
  --stats                     print the report to stdout, with kernels and arena before optimisation`;

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
    passes: { type: "string" },
    "print-after": { type: "string", multiple: true },
    "print-after-all": { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new EdgecError("compile takes one MODEL.onnx; run 'edgec compile --help'");
  if (!values.out) throw new EdgecError("missing -o OUT; run 'edgec compile --help'");
  if (values.target !== "c") throw new EdgecError(`unknown target '${values.target}'; available: c`);
  if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(values.name!)) throw new EdgecError(`--name ${values.name}: must be a C identifier starting with a letter, at most 32 characters`);
  // The runtime's files and symbols use the edgec prefix.
  if (/^edgec/i.test(values.name!)) throw new EdgecError(`--name ${values.name}: the prefix 'edgec' is reserved for the runtime; choose another name`);
  const embedLimit = values["weights-bin-above"] !== undefined ? Number(values["weights-bin-above"]) : undefined;
  if (embedLimit !== undefined && !(embedLimit >= 0)) throw new EdgecError("--weights-bin-above takes a byte count");
  const printAfter = new Set<string>(values["print-after"] ?? []);
  const opts: CompileOptions = {
    name: values.name, embedLimit, inputShapes: parseInputShapes(values["input-shape"]),
    freezeInputs: parseFreezeInputs(values["freeze-input"]),
    optLevel: opt ? Number(opt[2]) : 2,
    passes: values.passes?.split(",").map((x) => x.trim()).filter((x) => x),
    baseline: true,
    afterPass: (pass, g) => {
      if (values["print-after-all"] || printAfter.has(pass)) process.stderr.write(`// ----- IR after ${pass} -----\n${printGraph(g, { blobs: new BlobStore() })}`);
    },
  };
  checkOutDir(values.out, positionals[0]!);
  progress(`compiling ${path.basename(positionals[0]!)}`);
  const compiled = compileFile(positionals[0]!, opts);
  progress("writing C");
  const files = writeCArtifact(compiled, values.out, opts);
  progressDone();
  const r = compiled.report;
  if (values.stats) console.log(JSON.stringify(r, null, 2));
  else console.log(`wrote ${files.length} files to ${values.out}: ${r.kernels} kernels, arena ${r.arena_bytes} bytes (lower bound ${r.arena_lower_bound_bytes}), weights ${r.weights_bytes} bytes`);
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
