#!/usr/bin/env node
// npm run demo: compiles examples/demo/model.onnx with `edgec compile`, builds the C with the
// hand-written host program main.c, runs it and compares its outputs with ONNX Runtime's.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import "../../bin/register.mjs";

const { readTensorFile } = await import("../../compiler/onnx/tensor.ts");

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const out = path.join(os.tmpdir(), "edgec-demo");
const cc = process.env.CC || "cc";
const step = (msg) => console.log(`\n== ${msg}`);
const show = (cmd, args) => console.log(`$ ${[cmd, ...args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);

function runOrExit(cmd, args) {
  show(cmd, args);
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root });
  if (r.status !== 0) {
    console.error(`demo: '${cmd}' failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

step("compile the ONNX model to C");
const model = path.relative(root, path.join(here, "model.onnx"));
runOrExit("node", ["bin/edgec.mjs", "compile", model, "--target", "c", "-o", out]);
console.log(fs.readdirSync(out).sort().join("  "));

step("build the generated C with the host program examples/demo/main.c");
const exe = path.join(out, "demo");
const srcs = fs.readdirSync(out).filter((f) => f.endsWith(".c")).sort().map((f) => path.join(out, f));
runOrExit(cc, ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", `-I${out}`, ...srcs, path.join(here, "main.c"), "-o", exe, "-lm"]);

step("run it on test_data_set_0/input_0.pb");
const input = readTensorFile(path.join(here, "test_data_set_0", "input_0.pb"));
const expected = readTensorFile(path.join(here, "test_data_set_0", "output_0.pb"));
const rawIn = path.join(out, "input_0.raw");
fs.writeFileSync(rawIn, new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
show(exe, [rawIn]);
let stdout;
try {
  stdout = execFileSync(exe, [rawIn], { encoding: "utf8" });
} catch (e) {
  console.error(`demo: the compiled model failed: ${e.stderr || e.message}`);
  process.exit(1);
}
const got = stdout.trim().split("\n").map(Number);

step("compare with ONNX Runtime's outputs (rtol 1e-3, atol 1e-5)");
const exp = Array.from(expected.data, Number);
let maxErr = 0, bad = got.length !== exp.length;
console.log(" class   edgec (C)      onnxruntime    abs error");
exp.forEach((e, i) => {
  const g = got[i] ?? NaN;
  const err = Math.abs(g - e);
  if (!(err <= 1e-5 + 1e-3 * Math.abs(e))) bad = true;
  maxErr = Math.max(maxErr, Number.isNaN(err) ? Infinity : err);
  console.log(`  ${String(i).padStart(3)}   ${g.toFixed(9).padStart(12)}   ${e.toFixed(9).padStart(12)}   ${err.toExponential(2)}`);
});
const argmax = (a) => a.indexOf(Math.max(...a));
console.log(`predicted class: edgec ${argmax(got)}, onnxruntime ${argmax(exp)}`);
console.log(`max abs error ${maxErr.toExponential(3)}`);
console.log(bad ? "FAIL" : "PASS");
console.log(`(generated sources are in ${out})`);
process.exitCode = bad ? 1 : 0;
