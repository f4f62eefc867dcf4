/**
 * @fileoverview The edgec command line: compile, test, tune, conformance, opt, quantize.
 */
import { ParseArgsConfig, parseArgs } from "node:util";
import { Tensor } from "../../ir/graph.ts";
import { EdgecError } from "../../ir/diagnostics.ts";
import { readTensorFile } from "../onnx/tensor.ts";
import { compileCommand } from "./compile.ts";
import { conformanceCommand } from "./conformance.ts";
import { optCommand } from "./opt.ts";
import { quantizeCommand } from "./quantize.ts";
import { testCommand } from "./test.ts";
import { tuneCommand } from "./tune.ts";

const USAGE = `edgec - compiles ONNX models to standalone C and WebAssembly

usage:
  edgec compile MODEL.onnx --target c -o OUT/   write the C artifact and OUT/report.json
  edgec compile MODEL.onnx --target wasm -o OUT/
                                                write OUT/model.wasm, model.mjs (loader), model.d.ts
  edgec test DIR --target c|wasm                build and check DIR/model.onnx against DIR/test_data_set_*
  edgec tune MODEL --target native -o LOG       search kernel schedules on this machine; apply
                                                the log with compile/test --tuning-log LOG
  edgec conformance [--filter RE] [--target T]  run the ONNX node tests, write the results table
  edgec opt FILE.ir --passes a,b                run graph passes on IR text and print the result
  edgec quantize MODEL.onnx --calibration DATA -o OUT.onnx
                                                INT8 post-training quantization to a QDQ ONNX model

Run 'edgec COMMAND --help' for a command's options.`;

export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  compile: compileCommand,
  test: testCommand,
  tune: tuneCommand,
  conformance: conformanceCommand,
  opt: optCommand,
  quantize: quantizeCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(USAGE);
    return cmd ? 0 : 2;
  }
  const run = commands[cmd];
  if (!run) {
    console.error(`edgec: error: unknown command '${cmd}'; run 'edgec --help'`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof EdgecError) {
      console.error(`edgec: error: ${oneLine(e.message)}`);
      return 1;
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`edgec: error: ${e.message}; run 'edgec ${cmd} --help'`);
      return 2;
    }
    const err = e as Error;
    console.error(`edgec: internal error: ${oneLine(err.message.split("\n")[0] ?? "")} (please report this with the model)`);
    if (process.env.EDGEC_DEBUG) console.error(err.stack);
    return 3;
  }
}

/** A message as one printable line: newlines collapse and control characters are escaped. */
export function oneLine(msg: string): string {
  return msg.replace(/\s*\n\s*/g, " ")
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Parses a command's flags; throws a usage error on unknown ones. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
}

/** Parses `name=1x3x224x224` (repeatable) into a map. */
export function parseInputShapes(specs: string[] | undefined): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const s of specs ?? []) {
    const eq = s.lastIndexOf("=");
    const dims = s.slice(eq + 1).split(/[x,]/).map(Number);
    if (eq <= 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0))
      throw new EdgecError(`--input-shape ${s}: expected NAME=D1xD2x..., e.g. input=1x3x224x224`);
    m.set(s.slice(0, eq), dims);
  }
  return m;
}

export function progress(msg: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${msg}`);
}
export function progressDone(): void {
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
}

/** Parses --freeze-input NAME=FILE.pb (repeatable) into values read from the TensorProto files. */
export function parseFreezeInputs(specs: string[] | undefined): Map<string, Tensor> {
  const m = new Map<string, Tensor>();
  for (const s of specs ?? []) {
    const eq = s.lastIndexOf("=");
    if (eq <= 0) throw new EdgecError(`--freeze-input ${s}: expected NAME=FILE.pb`);
    m.set(s.slice(0, eq), readTensorFile(s.slice(eq + 1)));
  }
  return m;
}
