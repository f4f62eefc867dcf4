#!/usr/bin/env node
// Compiles the demo classifier (examples/demo/model.onnx) for the page:
//   node examples/web/build.mjs [--target wasm|wasm-emscripten] [--out DIR]
// writes DIR/model.wasm, model.mjs and model.d.ts (default DIR: examples/web/out).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { values } = parseArgs({ options: { target: { type: 'string', default: 'wasm' }, out: { type: 'string', default: path.join(here, 'out') } } });
// Start from a clean output folder, but only when it holds nothing besides an earlier build.
const outDir = path.resolve(values.out);
const ours = new Set(['model.wasm', 'model.mjs', 'model.d.ts', 'report.json']);
if (fs.existsSync(outDir) && fs.readdirSync(outDir).every((f) => ours.has(f))) fs.rmSync(outDir, { recursive: true });
const args = [path.join(root, 'bin', 'edgec.mjs'), 'compile', path.join(root, 'examples', 'demo', 'model.onnx'),
  '--target', values.target, '-o', outDir];
console.log(`$ node ${args.map((a) => path.relative(process.cwd(), a) || a).join(' ')}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`build: edgec failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
console.log(`serve it with: node ${path.relative(process.cwd(), path.join(here, 'serve.mjs'))}`);
