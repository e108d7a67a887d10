/**
 * The plan as CONTRACT.md §3's JSON object: `valid`, `errors`, `warnings`, `changes` in
 * execution order, `summary`; plus `blocked` and the revisions. Absent identity parts and
 * nodes are `null`, so every change has the same keys. Pure.
 */
import type { Diagnostic } from "../manifest/types.js";
import type { Change } from "../diff/types.js";
import type { Plan } from "./types.js";

/** The revisions a plan compares, for the renderers. */
export interface PlanRevisions {
  readonly base?: string | undefined;
  readonly head?: string | undefined;
}

function diagnosticJson(d: Diagnostic) {
  return { file: d.file, line: d.line, column: d.column, resource: d.resource ?? null, code: d.code, message: d.message };
}

function changeJson(c: Change & { step?: number; phase?: string; blocked?: boolean; reason?: string; message?: string }) {
  return {
    action: c.action,
    apiType: c.apiType,
    group: c.group ?? null,
    namespace: c.namespace ?? null,
    id: c.id,
    key: c.key,
    node: c.node ?? null,
    fields: c.fields,
    destructive: c.destructive,
    ...(c.step !== undefined ? { step: c.step } : {}),
    ...(c.phase !== undefined ? { phase: c.phase } : {}),
    ...(c.restartRequired !== undefined ? { restartRequired: c.restartRequired } : {}),
    ...(c.autoRestart !== undefined ? { autoRestart: c.autoRestart } : {}),
    ...(c.reboot !== undefined ? { reboot: c.reboot } : {}),
    ...(c.retain !== undefined ? { retain: c.retain } : {}),
    ...(c.blocked ? { blocked: true, reason: c.reason, message: c.message } : {}),
  };
}

/** The plan as a plain JSON value (what `--format json` prints). */
export function planToJson(plan: Plan, revisions: PlanRevisions = {}) {
  return {
    valid: plan.valid,
    base: revisions.base ?? null,
    head: revisions.head ?? null,
    errors: plan.errors.map(diagnosticJson),
    warnings: plan.warnings.map(diagnosticJson),
    changes: plan.changes.map(changeJson),
    blocked: plan.blocked.map(changeJson),
    summary: plan.summary,
  };
}

/** `planToJson` as text, two-space indented, with a final newline. */
export function renderJson(plan: Plan, revisions: PlanRevisions = {}): string {
  return `${JSON.stringify(planToJson(plan, revisions), null, 2)}\n`;
}
