/**
 * Byte quantities as humstack writes them (`1G`, `512M`, `10Gi`, `1073741824`): K M G T and
 * Ki Mi Gi Ti are powers of 1024 (CONTRACT.md §1). Pure.
 */
const UNITS: Readonly<Record<string, number>> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Parses a byte quantity; undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([KMGT]?)(i?)$/.exec(text.trim());
  if (!m || (m[3] === "i" && m[2] === "")) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? ""]!);
}
