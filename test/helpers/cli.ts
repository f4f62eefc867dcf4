/**
 * @fileoverview Runs the real edgec command line as a child process, and small file helpers for
 * tests that need a scratch folder.
 */
import { cToolchain } from "../../compiler/c-targets.ts";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EDGEC, ROOT } from "../shared.ts";

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously, so mocha's timeouts still work). */
export function runProcess(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
    p.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    const timer = setTimeout(() => p.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
    p.on("error", (e) => { clearTimeout(timer); reject(e); });
    p.on("close", (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
}

/** Runs `edgec ARGS...` with node. */
export function edgec(...args: string[]): Promise<RunResult> {
  // EDGEC_DEBUG would add stack traces; tests check the user-facing output.
  const env = { ...process.env };
  delete env.EDGEC_DEBUG;
  return runProcess(process.execPath, [EDGEC, ...args], { env, timeoutMs: 120_000 });
}

/** A fresh temporary folder; remove it with `cleanup`. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `edgec-${prefix}-`));
}

export function cleanup(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Whether a C compiler named `cc` is on PATH. */
export async function haveCc(cc = "cc"): Promise<boolean> {
  try {
    const r = await runProcess(cc, ["--version"], { timeoutMs: 30_000 });
    return r.status === 0;
  } catch {
    return false;
  }
}

/**
 * Why a C target cannot be built and run here (a missing cross compiler or qemu), or undefined
 * when it can; a suite that needs it registers one pending test naming the reason instead.
 */
export function missingToolchain(target: "aarch64" | "riscv64" | "cortex-m4" | "cortex-m55"): string | undefined {
  try {
    cToolchain(target);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A test that cannot run here: it prints why and is reported as pending. */
export function skipped(title: string, why: string): void {
  it(title, function () {
    console.log(`  skipped: ${why}`);
    this.skip();
  });
}
