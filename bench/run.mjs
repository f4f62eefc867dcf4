#!/usr/bin/env node
// `npm run bench`: runs the TypeScript benchmark driver through tsx's loader.
import "../bin/register.mjs";
const { main } = await import("./run.ts");
process.exitCode = await main(process.argv.slice(2));
