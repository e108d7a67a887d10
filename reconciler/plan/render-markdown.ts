/**
 * The plan as markdown for a pull-request comment: the head sha, a summary table, errors first,
 * destructive changes called out, blocked changes, then the ordered steps in a `<details>`
 * section. Pure.
 */
import type { Diagnostic } from "../manifest/types.js";
import type { PlanRevisions } from "./render-json.js";
import { bySteps, changeNotes, fieldLine, resourceName, summaryLine, SYMBOLS } from "./render-common.js";
import type { Plan, PlannedChange } from "./types.js";

function esc(s: string): string {
  return s.replace(/([\\`*_[\]<>|])/g, "\\$1");
}

function diagnosticItem(d: Diagnostic): string {
  const who = d.resource ? ` **${esc(d.resource)}**` : "";
  return `- \`${d.file}:${d.line}:${d.column}\`${who}: ${esc(d.message)} (\`${d.code}\`)`;
}

function summaryTable(plan: Plan): string[] {
  const s = plan.summary;
  return [
    "| create | update | replace | delete | blocked |",
    "|---:|---:|---:|---:|---:|",
    `| ${s.create} | ${s.update} | ${s.replace} | ${s.delete} | ${s.blocked} |`,
  ];
}

function changeItem(c: PlannedChange): string[] {
  const head = `- \`${SYMBOLS[c.action]}\` ${esc(resourceName(c))}${esc(changeNotes(c))}`;
  return [head, ...c.fields.map((f) => `  - \`${fieldLine(f).replaceAll("`", "'")}\``)];
}

function sections(plan: Plan): string[] {
  const out: string[] = [];
  if (plan.errors.length) out.push("", `#### :x: Errors (${plan.errors.length})`, "", ...plan.errors.map(diagnosticItem));
  const destructive = plan.changes.filter((c) => c.destructive && c.phase !== "create");
  if (destructive.length) {
    out.push("", `#### :warning: Destructive changes (${destructive.length})`, "");
    out.push(...destructive.map((c) => `- **${c.action}** ${esc(resourceName(c))}${esc(changeNotes(c))}`));
  }
  if (plan.blocked.length) {
    out.push("", `#### :no_entry: Blocked, not applied (${plan.blocked.length})`, "");
    out.push(...plan.blocked.map((b) => `- **${b.action}** ${esc(resourceName(b))}: \`${b.reason}\`: ${esc(b.message)}`));
  }
  if (plan.warnings.length) out.push("", `#### Warnings (${plan.warnings.length})`, "", ...plan.warnings.map(diagnosticItem));
  return out;
}

/** Renders the plan as a pull-request comment. */
export function renderMarkdown(plan: Plan, revisions: PlanRevisions = {}): string {
  const head = revisions.head ? ` for \`${revisions.head}\`` : "";
  const lines = [`### humops plan${head}`, "", `**${summaryLine(plan.summary)}**${plan.valid ? "" : " The tree is invalid."}`, "", ...summaryTable(plan)];
  lines.push(...sections(plan));
  lines.push("", `<details><summary>Ordered steps (${plan.changes.length} changes)</summary>`, "");
  if (plan.changes.length === 0) lines.push("No changes.");
  for (const [step, changes] of bySteps(plan.changes)) lines.push(`**Step ${step}**`, "", ...changes.flatMap(changeItem), "");
  lines.push("</details>");
  if (revisions.base) lines.push("", `<sub>base \`${revisions.base}\`</sub>`);
  return `${lines.join("\n")}\n`;
}
