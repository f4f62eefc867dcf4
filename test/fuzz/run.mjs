#!/usr/bin/env node
// `npm run fuzz`: runs the fuzzer's TypeScript driver through tsx's loader.
import "../../bin/register.mjs";
const { main } = await import("./fuzz.ts");
process.exitCode = await main(process.argv.slice(2));
