/**
 * Small readers over a validated spec (`Record<string, unknown>`): the schema has checked the
 * shapes, these only narrow the types without casts scattered through the checks. Pure.
 */

/** A string field, or undefined when absent or not a string. */
export function str(obj: unknown, key: string): string | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[key];
  if (typeof v === "string") return v;
  return typeof v === "number" ? String(v) : undefined;
}

/** A nested object field, or undefined. */
export function rec(obj: unknown, key: string): Readonly<Record<string, unknown>> | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[key];
  return isRecord(v) ? v : undefined;
}

/** An array field (empty when absent). */
export function arr(obj: unknown, key: string): readonly unknown[] {
  if (!isRecord(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v : [];
}

/** True for a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
