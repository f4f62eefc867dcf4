#!/usr/bin/env node
// The edgec command: runs the TypeScript sources through tsx's loader.
import "./register.mjs";
const { main } = await import("../compiler/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
