/**
 * @fileoverview Static memory planning: places every intermediate buffer at an offset in one
 * arena so that buffers live at the same time never overlap.
 */

export interface Interval {
  id: number;
  bytes: number;
  /** First and last step (inclusive) at which the buffer is live. */
  start: number;
  end: number;
}

export interface MemoryPlan {
  offsets: Map<number, number>;
  arenaBytes: number;
  /** The largest total of buffers live at one step: no plan can use less. */
  lowerBound: number;
}

export const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * Greedy placement, tried in a few orders (largest first, then first born) and with the chosen gap
 * filled from its bottom or its top, keeping the smallest arena: each buffer goes into the
 * tightest gap among already placed buffers that overlap it in time, or above them all. Filling
 * from the top keeps a short-lived small buffer from splitting the gap a big one needs next.
 */
export function planMemory(items: Interval[]): MemoryPlan {
  const bySize = [...items].sort((a, b) => b.bytes - a.bytes || a.start - b.start || a.id - b.id);
  const byStart = [...items].sort((a, b) => a.start - b.start || b.bytes - a.bytes || a.id - b.id);
  let best: { offsets: Map<number, number>; arena: number } | undefined;
  for (const order of [bySize, byStart])
    for (const top of [false, true]) {
      const r = place(order, top);
      if (!best || r.arena < best.arena) best = r;
    }
  return { offsets: best!.offsets, arenaBytes: best!.arena, lowerBound: lowerBound(items) };
}

function place(order: Interval[], top: boolean): { offsets: Map<number, number>; arena: number } {
  const placed: { it: Interval; off: number; size: number }[] = [];
  const offsets = new Map<number, number>();
  let arena = 0;
  for (const it of order) {
    const size = align(Math.max(it.bytes, 1));
    const conflicts = placed
      .filter((p) => p.it.start <= it.end && it.start <= p.it.end)
      .sort((a, b) => a.off - b.off);
    let best = -1, bestGap = Infinity, cursor = 0;
    for (const p of conflicts) {
      const gap = p.off - cursor;
      if (gap >= size && gap < bestGap) { best = top ? p.off - size : cursor; bestGap = gap; }
      cursor = Math.max(cursor, p.off + p.size);
    }
    if (best < 0) best = cursor;
    placed.push({ it, off: best, size });
    offsets.set(it.id, best);
    arena = Math.max(arena, best + size);
  }
  return { offsets, arena };
}

export function lowerBound(items: Interval[]): number {
  const events: [number, number][] = [];
  for (const it of items) events.push([it.start, it.bytes], [it.end + 1, -it.bytes]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0, best = 0;
  for (const [, d] of events) {
    cur += d;
    best = Math.max(best, cur);
  }
  return best;
}
