/**
 * What the text and markdown renderers share: symbols per action, the summary sentence, how a
 * resource and a field change read. Pure.
 */
import type { Action, Change, FieldChange } from "../diff/types.js";
import type { PlanSummary, PlannedChange } from "./types.js";

/** Terraform's symbols: + create, ~ update, -/+ replace, - delete. */
export const SYMBOLS: Readonly<Record<Action, string>> = { create: "+", update: "~", replace: "-/+", delete: "-" };

/** `Plan: 3 to create, 1 to update, 0 to replace, 1 to delete.` (+ blocked when any). */
export function summaryLine(s: PlanSummary): string {
  const blocked = s.blocked > 0 ? ` ${s.blocked} blocked.` : "";
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete.${blocked}`;
}

/** `systemv0/network group1/ns1/net1` */
export function resourceName(c: Change): string {
  return `${c.apiType} ${c.key.slice(c.apiType.length + 1)}`;
}

function show(v: unknown): string {
  return v === undefined ? "(unset)" : JSON.stringify(v);
}

/** `spec.requestMemory: "1G" -> "2G"` (+ `# forces replacement`). */
export function fieldLine(f: FieldChange): string {
  return `${f.path}: ${show(f.old)} -> ${show(f.new)}${f.forcesReplace ? "  # forces replacement" : ""}`;
}

/** The notes after a change: node, phase, restart, retain. */
export function changeNotes(c: PlannedChange | Change): string {
  const notes: string[] = [];
  if ("phase" in c && c.phase) notes.push(c.phase === "destroy" ? "destroy (replace)" : "create (replace)");
  if (c.node) notes.push(`node ${c.node}`);
  if (c.restartRequired) notes.push("restart required");
  if (c.autoRestart) notes.push("restarts automatically");
  if (c.reboot) notes.push("reboots (restart requested)");
  if (c.retain) notes.push("data retained");
  return notes.length ? ` (${notes.join(", ")})` : "";
}

/** Groups changes by step, in order. */
export function bySteps(changes: readonly PlannedChange[]): [number, PlannedChange[]][] {
  const out = new Map<number, PlannedChange[]>();
  for (const c of changes) {
    const list = out.get(c.step) ?? [];
    list.push(c);
    out.set(c.step, list);
  }
  return [...out.entries()];
}
