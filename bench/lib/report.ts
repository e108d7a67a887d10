/**
 * Benchmarks print their figures and write them as JSON to bench/results/<name>.json, so a
 * run can be compared with the goals its issue names. Never used for assertions in tests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** One figure: a value, its unit, and the goal it is held against (if any). */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly goal?: string;
}

/** Prints the figures as a table and writes bench/results/<bench>.json; returns the file path. */
export function reportFigures(bench: string, figures: readonly Figure[], extra: Record<string, unknown> = {}): string {
  const dir = join(new URL("..", import.meta.url).pathname, "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${bench}.json`);
  const record = { bench, at: new Date().toISOString(), node: process.version, figures, ...extra };
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  const width = Math.max(...figures.map((f) => f.name.length));
  console.log(`\n${bench}`);
  for (const f of figures) {
    const v = Number.isInteger(f.value) ? String(f.value) : f.value.toFixed(2);
    console.log(`  ${f.name.padEnd(width)}  ${v.padStart(10)} ${f.unit}${f.goal ? `   (goal: ${f.goal})` : ""}`);
  }
  console.log(`  -> ${file}`);
  return file;
}

/** Percentile `p` (0..100) of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
