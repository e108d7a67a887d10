/**
 * The table of invalid cases (test/fixtures/invalid/<case>/): each case is the valid tree in
 * `_base/` with the case's files laid over it (same name replaces), and `expected.json`
 * naming the diagnostic it must produce (code, severity, file, line, column, message part).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ManifestFile } from "../../../reconciler/manifest/types.js";

/** Where the cases live. */
export const INVALID_DIR = join(import.meta.dirname, "../../fixtures/invalid");

/** One expected diagnostic; code `*` means "whatever the loader's schema says" (SCHEMA, UNKNOWN_FIELD...). */
export interface ExpectedDiagnostic {
  readonly code: string;
  readonly severity: "error" | "warning";
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** Reads the yaml files of `dir` as ManifestFiles. */
export function readYamlDir(dir: string): ManifestFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ path: f, text: readFileSync(join(dir, f), "utf8") }));
}

/** The names of the cases (every directory but `_base`). */
export function caseNames(): string[] {
  return readdirSync(INVALID_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "_base")
    .map((d) => d.name)
    .sort();
}

/** The tree of one case: base files, overridden and extended by the case's own. */
export function caseFiles(name: string): ManifestFile[] {
  const files = new Map(readYamlDir(join(INVALID_DIR, "_base")).map((f) => [f.path, f]));
  for (const f of readYamlDir(join(INVALID_DIR, name))) files.set(f.path, f);
  return [...files.values()];
}

/** The expected diagnostic of one case. */
export function caseExpected(name: string): ExpectedDiagnostic {
  return JSON.parse(readFileSync(join(INVALID_DIR, name, "expected.json"), "utf8")) as ExpectedDiagnostic;
}
