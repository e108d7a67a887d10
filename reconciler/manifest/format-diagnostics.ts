/**
 * How diagnostics read on a terminal and in JSON (`humops validate`, `humops plan`). Pure.
 */
import type { Diagnostic, LoadResult } from "./types.js";

/**
 * One diagnostic as one line: `file:line:column: apiType group/namespace/id: message [CODE]`;
 * a warning reads `file:line:column: warning: ...`.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const level = d.severity === "warning" ? "warning: " : "";
  const resource = d.resource !== undefined ? `${d.resource}: ` : "";
  return `${d.file}:${d.line}:${d.column}: ${level}${resource}${d.message} [${d.code}]`;
}

/** The JSON report of a validation: CONTRACT.md §3's `valid`, `errors`, `warnings`, plus counts. */
export interface ValidationReport {
  readonly valid: boolean;
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
  readonly summary: {
    readonly files: number;
    readonly resources: number;
    readonly errors: number;
    readonly warnings: number;
    readonly failedFiles: readonly string[];
  };
}

/** Builds the report of a load over `fileCount` files. A tree is valid when it has no error. */
export function toValidationReport(result: LoadResult, fileCount: number): ValidationReport {
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  const warnings = result.diagnostics.filter((d) => d.severity === "warning");
  return {
    valid: errors.length === 0,
    errors,
    warnings,
    summary: {
      files: fileCount,
      resources: result.resources.size,
      errors: errors.length,
      warnings: warnings.length,
      failedFiles: [...result.failedFiles].sort(),
    },
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The summary line: `valid: 10 resources in 10 files, 1 warning` or `invalid: 2 errors, ...`. */
export function formatSummary(report: ValidationReport): string {
  const s = report.summary;
  const counts = `${plural(s.resources, "valid resource")} in ${plural(s.files, "file")}, ${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}`;
  return `${report.valid ? "valid" : "invalid"}: ${counts}`;
}
