/**
 * @fileoverview `npm run demo` compiles, builds and runs the demo model and matches ONNX Runtime.
 */
import { expect } from "chai";
import { haveCc, runProcess } from "../helpers/cli.ts";

describe("npm run demo", function () {
  this.timeout(300_000);

  it("compiles the demo model, runs main.c and reports PASS", async function () {
    if (!(await haveCc())) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
    const r = await runProcess("npm", ["run", "--silent", "demo"]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/wrote \d+ files to /);
    expect(r.stdout).to.match(/max abs error \d\.\d+e[-+]\d+/);
    expect(r.stdout).to.match(/predicted class: edgec (\d), onnxruntime \1\n/);
    expect(r.stdout).to.match(/\nPASS\n/);
  });
});
