/**
 * @fileoverview Runs slow independent jobs (a model under qemu) a few at a time, each test
 * awaiting its own.
 */

/** Runs `work` over `items`, `n` at a time; each item's outcome settles on its own. */
export function pool<T, R>(items: T[], n: number, work: (x: T) => Promise<R>): Map<T, Promise<R>> {
  const out = new Map<T, Promise<R>>();
  const gates = items.map(() => { let open!: () => void; const p = new Promise<void>((r) => { open = r; }); return { p, open }; });
  items.forEach((x, i) => {
    const p = gates[i]!.p.then(() => work(x));
    // The next item starts when this one settles, pass or fail.
    p.then(() => gates[i + n]?.open(), () => gates[i + n]?.open());
    p.catch(() => undefined);
    out.set(x, p);
  });
  gates.slice(0, n).forEach((g) => g.open());
  return out;
}
