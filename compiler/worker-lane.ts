/**
 * @fileoverview A lane: one worker thread that takes requests one at a time under a time limit.
 * A worker that hangs, dies or reports itself unusable is replaced, so one bad input costs one
 * request, not the run. The worker module handles requests with `serveLane`.
 */
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

export type LaneResult<R> = R | { timeout: true } | { crash: string };

/** Replies carrying `poisoned: true` retire their worker (binaryen cannot run again after an abort). */
interface Reply { id: number; poisoned?: boolean }

export class Lane<Q extends object, R extends object> {
  private worker?: Worker;
  private next = 0;

  /** `module`: the URL of a module that calls serveLane(`tag`, handler) when loaded in a worker. */
  constructor(private readonly module: string, private readonly tag: string, private readonly heapMb = 3072) {}

  request(req: Q, timeoutMs: number): Promise<LaneResult<R>> {
    const w = this.worker ??= this.spawn();
    const id = ++this.next;
    return new Promise((resolve) => {
      const done = (r: LaneResult<R>, kill: boolean) => {
        clearTimeout(timer);
        w.off("message", onMsg);
        w.off("error", onErr);
        w.off("exit", onExit);
        if (kill) { this.worker = undefined; void w.terminate(); }
        resolve(r);
      };
      const onMsg = (m: R & Reply) => { if (m.id === id) done(m, !!m.poisoned); };
      const onErr = (e: Error) => done({ crash: e.message.split("\n")[0]! }, true);
      const onExit = (code: number) => done({ crash: `the worker exited with code ${code}` }, true);
      const timer = setTimeout(() => done({ timeout: true }, true), timeoutMs);
      w.on("message", onMsg);
      w.on("error", onErr);
      w.on("exit", onExit);
      w.postMessage({ ...req, id });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private spawn(): Worker {
    // The worker loads the module through tsx, as bin/edgec.mjs does for the CLI.
    const register = new URL("../bin/register.mjs", import.meta.url).href;
    const code = `import(${JSON.stringify(register)}).then(() => import(${JSON.stringify(this.module)}));`;
    const w = new Worker(code, { eval: true, workerData: { lane: this.tag }, resourceLimits: { maxOldGenerationSizeMb: this.heapMb }, stdout: true, stderr: true });
    w.stdout.resume();
    w.stderr.resume();
    w.unref();
    return w;
  }
}

/** In a lane's worker loaded for `tag`, answers each request with `handle`. */
export function serveLane<Q, R extends object>(tag: string, handle: (req: Q) => Promise<R>): void {
  if (isMainThread || (workerData as { lane?: string } | null)?.lane !== tag) return;
  parentPort!.on("message", (req: Q & { id: number }) => {
    void handle(req).then((r) => parentPort!.postMessage({ ...r, id: req.id }));
  });
}
