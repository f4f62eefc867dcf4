/**
 * @fileoverview The browser example end to end: build examples/web with build.mjs, serve it with
 * serve.mjs, open it in headless Chromium and check the probabilities the page shows against
 * ONNX Runtime's on the same input.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { chromium } from "playwright-core";
import { cleanup, runProcess, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../shared.ts";

const CHROMIUM = "/usr/bin/chromium";
const WEB = path.join(ROOT, "examples", "web");

/** The demo model's output on the page's starting image, computed by ONNX Runtime. */
async function expected(): Promise<Float32Array> {
  const { startImage } = await import(pathToFileURL(path.join(WEB, "image.mjs")).href) as { startImage(): Float32Array };
  const session = await ort.InferenceSession.create(path.join(ROOT, "examples", "demo", "model.onnx"));
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", startImage(), [1, 1, 8, 8]) });
  return out[session.outputNames[0]!]!.data as Float32Array;
}

async function haveEmcc(): Promise<boolean> {
  try {
    return (await runProcess("emcc", ["--version"], { timeoutMs: 60_000, env: { ...process.env, NODE_PATH: "/usr/share/nodejs" } })).status === 0;
  } catch {
    return false;
  }
}

describe("examples/web/serve.mjs", function () {
  it("serves the folder with module and wasm MIME types, and nothing outside it", async () => {
    const dir = tempDir("serve");
    const { serve } = await import(pathToFileURL(path.join(WEB, "serve.mjs")).href) as { serve(root: string, port?: number): Promise<{ close(): void; address(): { port: number } }> };
    const server = await serve(dir, 0);
    try {
      fs.writeFileSync(path.join(dir, "a.mjs"), "export {};");
      fs.writeFileSync(path.join(dir, "m.wasm"), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
      fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html>");
      const get = (p: string) => fetch(`http://127.0.0.1:${server.address().port}${p}`);
      expect((await get("/a.mjs")).headers.get("content-type")).to.match(/^text\/javascript/);
      expect((await get("/m.wasm")).headers.get("content-type")).to.equal("application/wasm");
      expect((await get("/")).headers.get("content-type")).to.match(/^text\/html/);
      expect((await get("/missing.mjs")).status).to.equal(404);
      expect((await get("/..%2F..%2Fpackage.json")).status).to.equal(403);
      expect((await get("/%E0%A4%A")).status).to.equal(400);
    } finally {
      server.close();
      cleanup(dir);
    }
  });
});

describe("examples/web in headless Chromium", function () {
  this.timeout(300_000);

  for (const target of ["wasm", "wasm-emscripten"]) {
    it(`shows ONNX Runtime's probabilities (--target ${target})`, async function () {
      if (!fs.existsSync(CHROMIUM)) { console.log(`  skipped: ${CHROMIUM} not found (apt-get install chromium)`); this.skip(); }
      if (target === "wasm-emscripten" && !(await haveEmcc())) { console.log("  skipped: emcc not found (apt-get install emscripten)"); this.skip(); }
      const dir = tempDir("web");
      let server: { close(): void; address(): { port: number } } | undefined;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        for (const f of ["index.html", "main.mjs", "image.mjs"]) fs.copyFileSync(path.join(WEB, f), path.join(dir, f));
        const b = await runProcess(process.execPath, [path.join(WEB, "build.mjs"), "--target", target, "--out", path.join(dir, "out")]);
        expect(b.status, b.stdout + b.stderr).to.equal(0);
        expect(fs.readdirSync(path.join(dir, "out"))).to.include.members(["model.wasm", "model.mjs", "model.d.ts"]);

        const { serve } = await import(pathToFileURL(path.join(WEB, "serve.mjs")).href) as { serve(root: string, port?: number): Promise<typeof server> };
        server = await serve(dir, 0);
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on("pageerror", (e) => problems.push(e.message));
        page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
        const wasmTypes: string[] = [];
        page.on("response", (r) => { if (r.url().endsWith(".wasm")) wasmTypes.push(r.headers()["content-type"] ?? ""); });
        await page.goto(`http://127.0.0.1:${server!.address().port}/`);
        await page.waitForSelector("#result[data-status]", { timeout: 60_000 });
        const status = await page.getAttribute("#result", "data-status");
        expect(status, `${await page.textContent("#status")}\n${problems.join("\n")}`).to.equal("done");
        const rows = await page.$$eval("#result li", (lis) => lis.map((li) => ({
          value: Number((li as HTMLElement).dataset.value), shown: li.querySelector("span")!.textContent!,
        })));
        const predicted = await page.textContent("#predicted");

        const want = await expected();
        expect(rows).to.have.length(want.length);
        rows.forEach((r, i) => {
          const e = want[i]!;
          expect(Math.abs(r.value - e), `class ${i}: page ${r.value}, ONNX Runtime ${e}`).to.be.at.most(1e-5 + 1e-3 * Math.abs(e));
          // The shown text rounds the page's own value; it must read as ONNX Runtime's to 5 places.
          expect(Math.abs(Number(r.shown) - e), `class ${i}: shown ${r.shown}, ONNX Runtime ${e}`).to.be.at.most(5e-6 + 1e-5);
        });
        const best = want.indexOf(Math.max(...want));
        expect(predicted).to.equal(`predicted class: ${best}`);
        expect(wasmTypes.length, "the page fetched no .wasm").to.be.greaterThan(0);
        for (const t of wasmTypes) expect(t).to.equal("application/wasm");
        expect(problems, problems.join("\n")).to.deep.equal([]);
      } finally {
        await browser.close();
        server?.close();
        cleanup(dir);
      }
    });
  }
});
