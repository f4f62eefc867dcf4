/**
 * @fileoverview conv-scale: folds a per-channel constant Mul after a Conv into its weights and bias.
 *   Conv(x, W, B) * s  ->  Conv(x, W * s, B * s)
 */
import { foldPerChannel } from "./conv-bias.ts";
import { GraphPass } from "./pass.ts";

export default { name: "conv-scale", minOptLevel: 1, run: (g, ctx) => foldPerChannel(g, ctx, "Mul") } satisfies GraphPass;
