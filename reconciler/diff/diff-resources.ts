/**
 * Desired (this revision) versus applied (what agents report) for a whole tree: one Change per
 * resource that differs, sorted by key. Several nodes may report one resource (a network
 * lives on every node that uses it): the first report by node name is the one compared. Pure.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { diffResource } from "./diff-resource.js";
import type { AppliedResource, Change } from "./types.js";

/** Indexes applied reports by key (first by node name wins, so the choice is deterministic). */
export function indexApplied(applied: readonly AppliedResource[]): Map<ResourceKey, AppliedResource> {
  const sorted = [...applied].sort((a, b) => ((a.node ?? "") < (b.node ?? "") ? -1 : (a.node ?? "") > (b.node ?? "") ? 1 : 0));
  const out = new Map<ResourceKey, AppliedResource>();
  for (const a of sorted) if (!out.has(a.key)) out.set(a.key, a);
  return out;
}

/**
 * Remembers each key's last (desired, applied) pair and its change, so a re-plan only diffs
 * the resources whose objects changed (the loader and the caller reuse unchanged objects).
 */
export type DiffMemo = Map<ResourceKey, { d: DesiredResource | undefined; a: AppliedResource | undefined; change: Change | undefined }>;

/** Every change that turns `applied` into `desired`, sorted by key; resources that agree give none. */
export function diffResources(
  desired: ReadonlyMap<ResourceKey, DesiredResource>,
  applied: ReadonlyMap<ResourceKey, AppliedResource>,
  memo?: DiffMemo,
): Change[] {
  const out: Change[] = [];
  const visit = (key: ResourceKey, d: DesiredResource | undefined, a: AppliedResource | undefined): void => {
    const hit = memo?.get(key);
    let change = hit?.change;
    if (!hit || hit.d !== d || hit.a !== a) {
      change = diffResource(d, a);
      memo?.set(key, { d, a, change });
    }
    if (change) out.push(change);
  };
  let count = 0;
  for (const [key, d] of desired) {
    visit(key, d, applied.get(key));
    count++;
  }
  for (const [key, a] of applied) {
    if (desired.has(key)) continue;
    visit(key, undefined, a);
    count++;
  }
  // Sorting only the changes (not every key) keeps a re-plan of a large tree cheap.
  out.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  if (memo && memo.size > count) for (const k of memo.keys()) if (!desired.has(k) && !applied.has(k)) memo.delete(k);
  return out;
}
