/**
 * `humops validate [PATH]`: loads a manifests tree and prints every diagnostic (CONTRACT.md §3).
 * Composition only: reading is reconciler/source/, schema checks and formatting
 * reconciler/manifest/, cross-resource checks reconciler/validate/.
 */
import type { Command } from "commander";
import { Option } from "commander";
import { formatDiagnostic, formatSummary, toValidationReport } from "../../reconciler/manifest/format-diagnostics.js";
import { loadManifests } from "../../reconciler/manifest/load-manifests.js";
import { readManifestPath } from "../../reconciler/source/fs-tree.js";
import { compareDiagnostics, validateResources } from "../../reconciler/validate/validate-resources.js";

interface ValidateOptions {
  readonly format: "text" | "json";
}

async function runValidate(path: string, opts: ValidateOptions): Promise<number> {
  let files;
  try {
    files = await readManifestPath(path);
  } catch (e: unknown) {
    console.error(`humops validate: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const loaded = loadManifests(files);
  const cross = validateResources(loaded.resources, loaded.invalidKeys);
  const result = {
    ...loaded,
    resources: new Map([...loaded.resources].filter(([k]) => !cross.invalid.has(k))),
    diagnostics: [...loaded.diagnostics, ...cross.diagnostics].sort(compareDiagnostics),
  };
  const report = toValidationReport(result, files.length);
  if (opts.format === "json") {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const d of result.diagnostics) console.log(formatDiagnostic(d));
    console.log(formatSummary(report));
  }
  return report.valid ? 0 : 1;
}

/** Registers `humops validate [PATH]`: exit 0 valid (warnings allowed), 1 invalid or unreadable. */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("validate a manifests tree (or one file) and print every error and warning")
    .argument("[path]", "manifests directory or file", ".")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (path: string, opts: ValidateOptions) => {
      process.exitCode = await runValidate(path, opts);
    });
}
