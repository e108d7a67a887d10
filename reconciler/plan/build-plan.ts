/**
 * Plans one revision (issue #3): validate across resources, diff against what is applied,
 * hold back what the safety rules forbid, order the rest. Pure: the caller loads the tree and
 * reads the applied state; nothing here does I/O or throws for a bad tree.
 */
import { displayName, parseResourceKey, type ResourceKey } from "../../schemas/kinds.js";
import { diffResources, indexApplied, type DiffMemo } from "../diff/diff-resources.js";
import type { AppliedResource, Change } from "../diff/types.js";
import type { Diagnostic, LoadResult } from "../manifest/types.js";
import { compareDiagnostics, validateResources, type ValidationResult } from "../validate/validate-resources.js";
import { orderPlan } from "./order-plan.js";
import { ResourceRefs } from "./resource-refs.js";
import { applySafety } from "./safety.js";
import type { Plan, PlanSummary, PlannedChange } from "./types.js";

/** What a plan is computed from. */
export interface PlanInput {
  /** The loaded tree of this revision. */
  readonly load: LoadResult;
  /** What is applied (agents' reports, the status branch, or the base revision). */
  readonly applied: readonly AppliedResource[];
  /** True when the commit carries `Humops-Allow-Mass-Delete: yes`. */
  readonly allowMassDelete?: boolean;
  /** A validation already computed for `load`; computed when absent. */
  readonly validation?: ValidationResult;
  /** The Planner's diff memo (unchanged resources are not diffed again). */
  readonly diffMemo?: DiffMemo;
  /** `applied` already indexed by key (the Planner reuses it while `applied` is the same array). */
  readonly appliedIndex?: ReadonlyMap<ResourceKey, AppliedResource>;
}

function nameOf(key: ResourceKey): string {
  const ref = parseResourceKey(key);
  return ref ? displayName(ref) : key;
}

/** Resources kept at their last applied state (reason InvalidManifest), with the message. */
export function heldResources(load: LoadResult, validation: ValidationResult, applied: ReadonlyMap<ResourceKey, AppliedResource>): Map<ResourceKey, string> {
  const held = new Map<ResourceKey, string>();
  for (const key of [...validation.invalid, ...load.invalidKeys]) {
    held.set(key, `${nameOf(key)} has errors in its manifest; it keeps its last applied state until they are fixed`);
  }
  for (const [key, a] of applied) {
    const file = a.source?.file;
    if (load.resources.has(key) || held.has(key) || file === undefined || !load.failedFiles.has(file)) continue;
    held.set(key, `${file}, where ${nameOf(key)} was last declared, failed to load; it keeps its last applied state`);
  }
  return held;
}

/** A replace of a resource whose file failed (another document in it is broken) is held too. */
function holdReplacesInFailedFiles(load: LoadResult, changes: readonly Change[], held: Map<ResourceKey, string>): void {
  for (const c of changes) {
    const file = load.resources.get(c.key)?.source.file;
    if (c.action !== "replace" || file === undefined || !load.failedFiles.has(file) || held.has(c.key)) continue;
    held.set(c.key, `${file} has errors; a replace of ${nameOf(c.key)} waits until the file loads cleanly`);
  }
}

function summarize(changes: readonly PlannedChange[], blocked: number): PlanSummary {
  const count = (a: string) => changes.filter((c) => c.action === a && c.phase !== "destroy").length;
  return { create: count("create"), update: count("update"), replace: count("replace"), delete: count("delete"), blocked };
}

/** Plans `input.load` against `input.applied`. Throws only PlanCycleError (a cycle in applied state). */
export function buildPlan(input: PlanInput): Plan {
  const { load } = input;
  const validation = input.validation ?? validateResources(load.resources, load.invalidKeys);
  const diagnostics: Diagnostic[] = [...load.diagnostics, ...validation.diagnostics].sort(compareDiagnostics);
  const applied = input.appliedIndex ?? indexApplied(input.applied);
  const changes = diffResources(load.resources, applied, input.diffMemo);
  const held = heldResources(load, validation, applied);
  holdReplacesInFailedFiles(load, changes, held);
  const refs = new ResourceRefs(load.resources, applied);
  const failed = [...load.failedFiles].sort();
  const holdDeletes = failed.length ? `${failed.join(", ")} failed to load; deletes wait until the tree loads cleanly` : undefined;
  const safe = applySafety({ changes, refs, held, allowMassDelete: input.allowMassDelete ?? false, holdDeletes });
  const ordered = orderPlan(safe.runnable, refs);
  const errors = diagnostics.filter((d) => d.severity === "error");
  return {
    valid: errors.length === 0,
    errors,
    warnings: diagnostics.filter((d) => d.severity === "warning"),
    changes: ordered,
    blocked: safe.blocked,
    summary: summarize(ordered, safe.blocked.length),
    massDeletionBlocked: safe.massDeletionBlocked,
  };
}
