/**
 * Golden plan cases (test/fixtures/plan/<case>/): `manifests/` (the head tree), `observed.json`
 * (what is applied), optional `case.json` ({ "commitMessage": "..." }) and `plan.json` (the
 * expected `--format json` output). With UPDATE_GOLDEN=1 the helper rewrites plan.json;
 * otherwise it compares.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readYamlTree } from "./yaml-tree.js";
import { Planner } from "../../../reconciler/plan/planner.js";
import { planToJson } from "../../../reconciler/plan/render-json.js";
import type { AppliedResource } from "../../../reconciler/diff/types.js";
import type { ManifestFile } from "../../../reconciler/manifest/types.js";

/** Where the golden cases live. */
export const PLAN_DIR = join(import.meta.dirname, "../../fixtures/plan");

/** The case names. */
export function goldenCases(): string[] {
  return readdirSync(PLAN_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** One case's inputs. */
export interface GoldenInput {
  readonly files: ManifestFile[];
  readonly applied: AppliedResource[];
  readonly commitMessage: string;
}

/** Reads a case's inputs. */
export function readGoldenInput(name: string): GoldenInput {
  const dir = join(PLAN_DIR, name);
  const applied = JSON.parse(readFileSync(join(dir, "observed.json"), "utf8")) as AppliedResource[];
  const meta = existsSync(join(dir, "case.json")) ? (JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as { commitMessage?: string }) : {};
  return { files: readYamlTree(join(dir, "manifests")), applied, commitMessage: meta.commitMessage ?? "" };
}

/** Plans inputs to the JSON the CLI prints. */
export function planJson(input: GoldenInput): unknown {
  return planToJson(new Planner().plan(input));
}

/** Compares (or, with UPDATE_GOLDEN=1, rewrites) a case's plan.json; returns [actual, expected]. A missing golden fails. */
export function golden(name: string, actual: unknown): [unknown, unknown] {
  const file = join(PLAN_DIR, name, "plan.json");
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  return [actual, JSON.parse(readFileSync(file, "utf8"))];
}
