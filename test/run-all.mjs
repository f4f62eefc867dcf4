#!/usr/bin/env node
// The test command: type-checks, then runs every mocha suite in one process and ends with
// the line "N passed, N failed".
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import "../bin/register.mjs";
import Mocha from "mocha";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

let passed = 0, failed = 0;
const tsc = spawnSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "."], { stdio: "inherit" });
if (tsc.status === 0) { passed++; console.log("typecheck: ok"); }
else { failed++; console.log("typecheck: FAILED"); }

const mocha = new Mocha({ timeout: 600_000, reporter: "spec" });
const grep = process.env.EDGEC_TEST_GREP;
if (grep) mocha.grep(grep);
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".test.ts") ? [path.join(d, e.name)] : []);
for (const f of walk(path.join(root, "test")).sort()) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run(() => {
  passed += runner.stats.passes;
  failed += runner.stats.failures;
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
});
