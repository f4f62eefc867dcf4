/**
 * @fileoverview Reads a schedule file for `edgec compile --schedule FILE`: the "schedules" of a
 * report.json (or a bare list of them), each `{ "node": NAME, "config": { knob: value } }`. A
 * tuner edits the knobs of the records it wants to try and gives the file back.
 */
import * as fs from "node:fs";
import { EdgecError } from "../ir/diagnostics.ts";
import { BOOLEAN_KNOBS, TILE_KNOBS, TileKnobs } from "../ir/schedule.ts";

const MAX = 4096;

export function readScheduleFile(file: string): Map<string, TileKnobs> {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new EdgecError(`--schedule ${file}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  return parseSchedules(doc, file);
}

export function parseSchedules(doc: unknown, file = "schedule"): Map<string, TileKnobs> {
  const fail = (what: string): never => { throw new EdgecError(`--schedule ${file}: ${what}`); };
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.schedules) ? doc.schedules : fail('expected a list of schedules or an object with "schedules" (as report.json has)');
  const out = new Map<string, TileKnobs>();
  list.forEach((r: unknown, i: number) => {
    if (!isObject(r) || typeof r.node !== "string" || !isObject(r.config)) return fail(`entry ${i} needs "node" (a string) and "config" (an object)`);
    const knobs: TileKnobs = {};
    for (const [k, v] of Object.entries(r.config)) {
      if (k === "winograd") continue; // graph-wide: --winograd on|off
      if (!(TILE_KNOBS as readonly string[]).includes(k)) fail(`node "${r.node}": unknown knob "${k}" (known: ${TILE_KNOBS.join(", ")}, winograd)`);
      if (BOOLEAN_KNOBS.has(k)) {
        if (typeof v !== "boolean") fail(`node "${r.node}": ${k} must be true or false`);
        (knobs as Record<string, boolean>)[k] = v as boolean;
      } else {
        if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX) fail(`node "${r.node}": ${k} must be an integer from 1 to ${MAX}, not ${JSON.stringify(v)}`);
        (knobs as Record<string, number>)[k] = v as number;
      }
    }
    out.set(r.node, { ...out.get(r.node), ...knobs });
  });
  return out;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
