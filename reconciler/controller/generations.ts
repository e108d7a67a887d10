/**
 * Generations: a number per resource that increases whenever its desired spec (spec plus
 * annotations) changes. The spec hash and generation are kept in the status branch, so they
 * survive a controller restart. Pure.
 */
import { createHash } from "node:crypto";

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** A stable hash of what a command carries for a resource (key order does not matter). */
export function specHash(spec: unknown, annotations: unknown): string {
  return createHash("sha256").update(JSON.stringify(canonical({ spec, annotations: annotations ?? {} }))).digest("hex").slice(0, 16);
}

/** The generation for `hash`: unchanged when the hash is the previous one, else previous + 1 (1 for a new resource). */
export function nextGeneration(previous: { generation: number; specHash: string } | undefined, hash: string): number {
  if (previous === undefined) return 1;
  return previous.specHash === hash ? previous.generation : previous.generation + 1;
}
