/** Parses a duration flag: `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds. Pure. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new RangeError(`"${text}" is not a duration: write e.g. 30s, 500ms, 5m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
}
