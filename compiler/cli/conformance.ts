/**
 * @fileoverview `edgec conformance`: placeholder replaced by the conformance runner.
 */
export async function conformanceCommand(_args: string[]): Promise<number> {
  return 2;
}
