import { suite } from "uvu";
import * as assert from "uvu/assert";
import { formatDiagnostic, formatSummary, toValidationReport } from "../../../reconciler/manifest/format-diagnostics.js";
import type { Diagnostic, LoadResult } from "../../../reconciler/manifest/types.js";

const fmt = suite("formatDiagnostic");
const err: Diagnostic = { severity: "error", code: "SCHEMA", file: "a.yaml", line: 3, column: 7, resource: "corev0/group g", message: "bad id" };
const warn: Diagnostic = { severity: "warning", code: "YAML_WARNING", file: "b.yaml", line: 1, column: 1, message: "odd tag" };

fmt("prints file:line:column, the resource and the message; warnings say so", () => {
  assert.is(formatDiagnostic(err), "a.yaml:3:7: corev0/group g: bad id [SCHEMA]");
  assert.is(formatDiagnostic(warn), "b.yaml:1:1: warning: odd tag [YAML_WARNING]");
});

fmt("the report splits errors from warnings and is valid only without errors", () => {
  const result: LoadResult = { resources: new Map(), diagnostics: [err, warn], failedFiles: new Set(["a.yaml"]), invalidKeys: new Set() };
  const report = toValidationReport(result, 2);
  assert.equal([report.valid, report.errors, report.warnings], [false, [err], [warn]]);
  assert.is(formatSummary(report), "invalid: 0 valid resources in 2 files, 1 error, 1 warning");
  const ok = toValidationReport({ ...result, diagnostics: [warn] }, 1);
  assert.is(ok.valid, true);
  assert.is(formatSummary(ok), "valid: 0 valid resources in 1 file, 0 errors, 1 warning");
});

fmt.run();
