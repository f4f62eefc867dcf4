/**
 * @fileoverview The one error type the compiler reports to users: a single line naming the
 * node, its op and what to do.
 */

export class EdgecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EdgecError";
  }
}

/** A value an op needs at compile time is not a constant; names the value so a caller can freeze it. */
export class NeedsConstError extends EdgecError {
  constructor(message: string, readonly value: string) {
    super(message);
  }
}

export interface NodeRef {
  name: string;
  op: string;
}

/** Renders a value or node name for a message: quoted, control characters escaped, capped. */
export function q(name: string): string {
  const s = JSON.stringify(name.length > 80 ? name.slice(0, 77) + "..." : name);
  return s;
}

/** Raises a user-facing error about a node: `node "conv1" (Conv): <what>; <fix>`. */
export function nodeError(node: NodeRef, what: string, fix?: string): never {
  throw new EdgecError(`node ${q(node.name)} (${node.op}): ${what}${fix ? `; ${fix}` : ""}`);
}

export function fail(what: string): never {
  throw new EdgecError(what);
}

/** Internal invariant; a failure here is a compiler bug, reported as such. */
export function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`internal error: ${what}`);
}
