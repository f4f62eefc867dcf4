/**
 * @fileoverview Runs the loop vectorizer over every kernel of a program for one target (after the
 * partial-sum vectorizer, vectorize-slp.ts, on targets that ask for it), then expands the vector
 * math the C library has only for scalars (vector-math.ts). A kernel called with
 * overlapping arguments (in place) has those params treated as one buffer.
 */
import { Program, kernelSteps, storageKey } from "../ir/program.ts";
import { TargetDesc } from "../ir/target.ts";
import { simplifyFunc } from "./simplify.ts";
import { LoopDecision, vectorize } from "./vectorize.ts";
import { slpFunc } from "./vectorize-slp.ts";
import { expandVectorMath } from "./vector-math.ts";

export function vectorizeProgram(p: Program, target: TargetDesc): LoopDecision[] {
  const all: LoopDecision[] = [];
  for (const st of kernelSteps(p.steps)) {
    const keys = st.args.map(storageKey);
    const group = new Map(st.kernel.params.map((b, i) => [b.name, keys.indexOf(keys[i]!) === keys.lastIndexOf(keys[i]!) ? b.name : `@${keys[i]}`]));
    const f = target.slp ? slpFunc(st.kernel, target) : st.kernel;
    const r = vectorize(f, target, group);
    if (f !== st.kernel || r.loops.some((d) => d.lanes)) st.kernel = simplifyFunc(r.f);
    st.kernel = expandVectorMath(st.kernel, target);
    all.push(...r.loops);
  }
  return all;
}
