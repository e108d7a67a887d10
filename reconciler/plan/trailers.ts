/**
 * Commit-message trailers the plan reads (`Humops-Allow-Mass-Delete: yes`) and the status
 * branch writes (`Manifests-Commit: <sha>`). Pure.
 */
import { MASS_DELETE_TRAILER } from "./types.js";

/** The value of the last `name: value` trailer line in `message` (name case-insensitive). */
export function readTrailer(message: string, name: string): string | undefined {
  let value: string | undefined;
  const want = name.toLowerCase();
  for (const line of message.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+):[ \t]*(.*?)\s*$/.exec(line);
    if (m && m[1]!.toLowerCase() === want) value = m[2];
  }
  return value;
}

/** True when the commit allows a mass deletion: `Humops-Allow-Mass-Delete: yes` (or true). */
export function allowsMassDelete(message: string): boolean {
  const v = readTrailer(message, MASS_DELETE_TRAILER)?.toLowerCase();
  return v === "yes" || v === "true";
}
