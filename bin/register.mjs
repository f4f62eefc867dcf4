// Loads the TypeScript sources through tsx's loader. Every entry point imports this first.
import { register as registerHooks } from "node:module";
import { register } from "tsx/esm/api";

register();
// Registered last, so it runs before tsx's hooks.
registerHooks("./load-hooks.mjs", import.meta.url);
