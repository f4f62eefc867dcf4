/**
 * @fileoverview Locates the shared test data (models, ONNX node tests) through EDGEC_SHARED,
 * default ../shared beside the repository, and says why suites that need it are skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SHARED = path.resolve(ROOT, process.env.EDGEC_SHARED ?? "../shared");

/** The shared folder `sub`, or undefined after printing why the suite is skipped. */
export function sharedDir(sub: string): string | undefined {
  const d = path.join(SHARED, sub);
  if (fs.existsSync(d)) return d;
  console.log(`  skipped: ${d} not found (set EDGEC_SHARED to the folder holding ${sub}/)`);
  return undefined;
}

export const EDGEC = path.join(ROOT, "bin", "edgec.mjs");
