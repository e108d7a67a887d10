/**
 * Field-level comparison of a desired and an applied document: the leaves that differ, as
 * JSON pointers, with old and new values. Quantities compare by value (`1G` = `1024M`,
 * `1000m` = `1`), parsed by schemas/quantity.ts. Pure.
 */
import { fieldPath } from "../validate/context.js";
import { escapePointer } from "../validate/references.js";
import { parseCpus, parseSize } from "../validate/size.js";
import type { FieldChange } from "./types.js";

const BYTE_FIELDS = /^\/spec\/(requestSize|limitSize|requestMemory|limitMemory)$/;
const CPU_FIELDS = /^\/spec\/(requestVcpus|limitVcpus)$/;

function sameQuantity(pointer: string, a: unknown, b: unknown): boolean {
  if ((typeof a !== "string" && typeof a !== "number") || (typeof b !== "string" && typeof b !== "number")) return false;
  const parse = BYTE_FIELDS.test(pointer) ? parseSize : CPU_FIELDS.test(pointer) ? parseCpus : undefined;
  if (!parse) return false;
  const x = parse(a);
  return x !== undefined && x === parse(b);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

/** Options: which applied-only fields the system fills (never drift). */
export interface DiffOptions {
  readonly isSystemFilled: (pointer: string) => boolean;
}

function leaf(pointer: string, oldV: unknown, newV: unknown): FieldChange {
  const out: { path: string; pointer: string; old?: unknown; new?: unknown } = { path: fieldPath(pointer), pointer };
  if (oldV !== undefined) out.old = oldV;
  if (newV !== undefined) out.new = newV;
  return out;
}

/** The differing leaves of `applied` -> `desired` under `pointer`. An empty desired value equals an absent one. */
export function diffFields(pointer: string, applied: unknown, desired: unknown, opts: DiffOptions, out: FieldChange[] = []): FieldChange[] {
  if (isEmpty(desired) && isEmpty(applied)) return out;
  if (isEmpty(desired) && opts.isSystemFilled(pointer)) return out;
  if (isObject(applied) && isObject(desired)) {
    const keys = [...new Set([...Object.keys(applied), ...Object.keys(desired)])].sort();
    for (const k of keys) diffFields(`${pointer}/${escapePointer(k)}`, applied[k], desired[k], opts, out);
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(desired) && applied.length === desired.length) {
    desired.forEach((d, i) => diffFields(`${pointer}/${i}`, applied[i], d, opts, out));
    return out;
  }
  if (Object.is(applied, desired) || sameQuantity(pointer, applied, desired)) return out;
  if (JSON.stringify(applied) === JSON.stringify(desired)) return out;
  out.push(leaf(pointer, isEmpty(applied) ? undefined : applied, isEmpty(desired) ? undefined : desired));
  return out;
}
