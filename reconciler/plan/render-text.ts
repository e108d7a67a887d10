/**
 * The plan as text, like `terraform plan`: errors and warnings with their place, the changes
 * grouped by step with a symbol per action, destructive ones in red (only when the caller
 * says colour is on: a TTY and no NO_COLOR), blocked changes, and the summary line. Pure.
 */
import { formatDiagnostic } from "../manifest/format-diagnostics.js";
import type { PlanRevisions } from "./render-json.js";
import { bySteps, changeNotes, fieldLine, resourceName, summaryLine, SYMBOLS } from "./render-common.js";
import type { Plan, PlannedChange } from "./types.js";

/** Options of renderText. */
export interface TextOptions extends PlanRevisions {
  /** Colour destructive changes red and blocked ones yellow (ANSI). */
  readonly color?: boolean;
}

function paint(on: boolean | undefined, code: string, s: string): string {
  return on ? `\x1b[${code}m${s}\x1b[0m` : s;
}

function changeLines(c: PlannedChange, color: boolean | undefined): string[] {
  const head = `  ${SYMBOLS[c.action]} ${resourceName(c)}${changeNotes(c)}`;
  const colour = c.destructive ? "31" : c.action === "create" ? "32" : "33";
  return [paint(color, colour, head), ...c.fields.map((f) => `      ${fieldLine(f)}`)];
}

/** Renders the plan for a terminal. */
export function renderText(plan: Plan, opts: TextOptions = {}): string {
  const lines: string[] = [];
  if (opts.head) lines.push(`humops plan: ${opts.base ? opts.base.slice(0, 12) : "(nothing applied)"} -> ${opts.head.slice(0, 12)}`, "");
  if (plan.errors.length) lines.push(`Errors (${plan.errors.length}):`, ...plan.errors.map((d) => paint(opts.color, "31", `  ${formatDiagnostic(d)}`)), "");
  if (plan.warnings.length) lines.push(`Warnings (${plan.warnings.length}):`, ...plan.warnings.map((d) => `  ${formatDiagnostic(d)}`), "");
  for (const [step, changes] of bySteps(plan.changes)) {
    lines.push(`Step ${step}:`, ...changes.flatMap((c) => changeLines(c, opts.color)));
  }
  if (plan.changes.length === 0) lines.push("No changes.");
  if (plan.blocked.length) {
    lines.push("", `Blocked (${plan.blocked.length}), not applied:`);
    for (const b of plan.blocked) lines.push(paint(opts.color, "33", `  ! ${b.action} ${resourceName(b)}: ${b.reason}: ${b.message}`));
  }
  lines.push("", summaryLine(plan.summary));
  return `${lines.join("\n")}\n`;
}
