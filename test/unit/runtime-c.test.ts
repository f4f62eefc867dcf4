/**
 * @fileoverview Builds and runs the C runtime's own test (runtime-c/test/test_runtime.c), plain
 * and under UBSan/ASan.
 */
import { expect } from "chai";
import * as path from "node:path";
import { cleanup, haveCc, runProcess, tempDir } from "../helpers/cli.ts";
import { ROOT } from "../shared.ts";

const RT = path.join(ROOT, "runtime-c");
const BUILDS: [string, string[]][] = [
  ["-std=c99 -Wall -Wextra -Werror", ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"]],
  ["-pedantic and -fsanitize=undefined,address", ["-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-pedantic",
    "-fsanitize=undefined,address", "-fno-sanitize-recover=all"]],
];

describe("C runtime (runtime-c/test/test_runtime.c)", function () {
  this.timeout(120_000);
  let dir: string;
  let cc = false;
  before(async () => { dir = tempDir("runtime"); cc = await haveCc(); });
  after(() => cleanup(dir));

  BUILDS.forEach(([title, flags], i) => {
    it(`passes built with ${title}`, async function () {
      if (!cc) { console.log("  skipped: no C compiler 'cc' on PATH"); this.skip(); }
      const exe = path.join(dir, `test_runtime${i}`);
      const build = await runProcess("cc", [...flags, `-I${RT}/include`, path.join(RT, "test", "test_runtime.c"),
        path.join(RT, "src", "edgec_runtime.c"), "-o", exe, "-lm"]);
      expect(build.status, build.stderr).to.equal(0);
      expect(build.stderr).to.equal("");
      const r = await runProcess(exe, []);
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      expect(r.stderr).to.equal("");
      expect(r.stdout).to.match(/^\d+ checks, 0 failed\n$/);
    });
  });
});
