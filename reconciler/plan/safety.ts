/**
 * The plan's safety rules (issue #3, CONTRACT.md §2): a resource whose manifest failed keeps its
 * last applied state; a change that needs something that cannot be built waits; nothing that a
 * remaining resource uses is deleted; a mass deletion waits for the commit trailer. Pure.
 */
import { displayName, parseResourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { Change } from "../diff/types.js";
import type { ResourceRefs } from "./resource-refs.js";
import { MASS_DELETE_TRAILER, type BlockReason, type BlockedChange } from "./types.js";

/** What the safety rules need besides the changes. */
export interface SafetyInput {
  readonly changes: readonly Change[];
  readonly refs: ResourceRefs;
  /** Resources kept at their last applied state, with the reason's message (InvalidManifest). */
  readonly held: ReadonlyMap<ResourceKey, string>;
  readonly allowMassDelete: boolean;
  /**
   * Set when some file failed to load: a broken file may have declared anything, so no delete
   * runs until the tree loads cleanly (CONTRACT.md §2: only a manifest removed from a valid
   * tree is deleted). The message says which files.
   */
  readonly holdDeletes?: string | undefined;
}

/** The changes to run and the ones held back. */
export interface SafetyResult {
  readonly runnable: Change[];
  readonly blocked: BlockedChange[];
  readonly massDeletionBlocked: boolean;
}

function nameOf(key: ResourceKey): string {
  const ref = parseResourceKey(key);
  return ref ? displayName(ref) : key;
}

class Blocker {
  readonly blocked = new Map<ResourceKey, BlockedChange>();
  block(c: Change, reason: BlockReason, message: string): void {
    if (!this.blocked.has(c.key)) this.blocked.set(c.key, { ...c, blocked: true, reason, message });
  }
  isBlocked(c: Change): boolean {
    return this.blocked.has(c.key);
  }
}

function blockMassDeletion(input: SafetyInput, b: Blocker): boolean {
  const deletes = input.changes.filter((c) => c.action === "delete" && !b.isBlocked(c));
  const total = input.refs.applied.size;
  if (input.allowMassDelete || deletes.length < 5 || deletes.length * 2 <= total) return false;
  const msg = `this revision deletes ${deletes.length} of ${total} resources; add the commit trailer "${MASS_DELETE_TRAILER}: yes" if that is intended`;
  for (const c of deletes) b.block(c, "MassDeletion", msg);
  return true;
}

/** Keys that exist after the plan (declared, held, or whose delete is blocked) and what each uses. */
function usersOf(input: SafetyInput, b: Blocker): Map<ResourceKey, ResourceKey> {
  const users = new Map<ResourceKey, ResourceKey>();
  const add = (user: ResourceKey, targets: readonly ResourceKey[]) => {
    for (const t of targets) if (!users.has(t)) users.set(t, user);
  };
  for (const key of [...input.refs.desired.keys()].sort()) add(key, input.refs.ofDesired(key));
  const kept = [...input.held.keys(), ...[...b.blocked.values()].filter((c) => c.action === "delete").map((c) => c.key)];
  for (const key of kept.sort()) add(key, input.refs.ofApplied(key));
  return users;
}

function blockUsedDeletes(input: SafetyInput, b: Blocker): void {
  if (!input.changes.some((c) => c.action === "delete" && !b.isBlocked(c))) return;
  for (let again = true; again; ) {
    again = false;
    const users = usersOf(input, b);
    for (const c of input.changes) {
      const user = users.get(c.key);
      if (c.action !== "delete" || b.isBlocked(c) || user === undefined) continue;
      b.block(c, "DependentKept", `${nameOf(user)} still uses it; remove that reference first (or together, in a valid tree)`);
      again = true;
    }
  }
}

function blockUnbuildable(input: SafetyInput, b: Blocker): void {
  const isMissing = (k: ResourceKey) => !input.refs.applied.has(k) && (input.held.has(k) || b.blocked.has(k));
  for (let again = true; again; ) {
    again = false;
    for (const c of input.changes) {
      if (c.action === "delete" || b.isBlocked(c)) continue;
      const dep = input.refs.ofDesired(c.key).find(isMissing);
      if (dep === undefined) continue;
      b.block(c, "DependencyBlocked", `it needs ${nameOf(dep)}, which cannot be built in this revision`);
      again = true;
    }
  }
}

/** Applies the safety rules in order: InvalidManifest, MassDeletion, DependentKept, DependencyBlocked. */
export function applySafety(input: SafetyInput): SafetyResult {
  const b = new Blocker();
  for (const c of input.changes) {
    const msg = input.held.get(c.key);
    if (msg !== undefined) b.block(c, "InvalidManifest", msg);
    else if (c.action === "delete" && input.holdDeletes !== undefined) b.block(c, "InvalidManifest", input.holdDeletes);
  }
  const massDeletionBlocked = blockMassDeletion(input, b);
  blockUsedDeletes(input, b);
  blockUnbuildable(input, b);
  return {
    runnable: input.changes.filter((c) => !b.isBlocked(c)),
    blocked: [...b.blocked.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)),
    massDeletionBlocked,
  };
}
