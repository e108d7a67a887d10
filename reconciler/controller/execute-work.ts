/**
 * Runs the round's work items in dependency order: an item starts once every key it depends
 * on is ready (applies) or gone (deletes); items whose dependencies cannot become ready this
 * round wait (WaitingError); a failure blocks only its dependents. Items in backoff are
 * skipped. Each item goes through `reconcile`, and every error through `toResult`.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import { toResult, WaitingError, type ErrorDisposition, type Result } from "./errors.js";
import type { WorkItem } from "./plan-work.js";

/** What executeWork needs from the round. */
export interface ExecuteHooks {
  /** Applies or deletes one item; throws per the reconcile contract. */
  reconcile(item: WorkItem, signal: AbortSignal): Promise<Result>;
  /** True when `key` is ready (for applies) given what is known now. */
  isReady(key: ResourceKey): boolean;
  /** True when `key` no longer exists on `node` (anywhere, when `node` is undefined): for deletes. */
  isGone(key: ResourceKey, node: string | undefined): boolean;
  /** Milliseconds the item must still wait because of earlier failures (0: run now). */
  backoffRemainingMs(item: WorkItem): number;
}

/** How each item ended this round. */
export type ItemOutcome = { readonly ok: true; readonly item: WorkItem } | { readonly ok: false; readonly item: WorkItem; readonly error: unknown; readonly disposition: ErrorDisposition };

const WAIT_MS = 5_000;

function fail(item: WorkItem, error: unknown): ItemOutcome {
  return { ok: false, item, error, disposition: toResult(error) };
}

/** Runs `items` (at most one per id) and returns each outcome. */
export async function executeWork(items: readonly WorkItem[], hooks: ExecuteHooks, signal: AbortSignal): Promise<Map<string, ItemOutcome>> {
  const outcomes = new Map<string, ItemOutcome>();
  let pending = items.filter((i) => {
    const wait = hooks.backoffRemainingMs(i);
    if (wait > 0) outcomes.set(i.id, fail(i, new WaitingError("BackingOff", `retrying in ${Math.ceil(wait / 1000)}s`, wait)));
    return wait === 0;
  });
  const pendingKeys = (): Set<ResourceKey> => new Set(pending.map((p) => p.key));
  while (pending.length > 0 && !signal.aborted) {
    const keys = pendingKeys();
    const runnable: WorkItem[] = [];
    const next: WorkItem[] = [];
    for (const item of pending) {
      const unmet = item.dependsOn.filter((d) => (item.op === "apply" ? !hooks.isReady(d) : !hooks.isGone(d, item.node)));
      if (unmet.length === 0) runnable.push(item);
      else if (unmet.some((d) => keys.has(d) && d !== item.key)) next.push(item);
      else outcomes.set(item.id, fail(item, new WaitingError("DependencyNotReady", `waiting for ${unmet.join(", ")}`, WAIT_MS)));
    }
    if (runnable.length === 0) {
      for (const item of next) outcomes.set(item.id, fail(item, new WaitingError("DependencyNotReady", `waiting for ${item.dependsOn.filter((d) => !hooks.isReady(d)).join(", ")}`, WAIT_MS)));
      break;
    }
    await Promise.all(
      runnable.map(async (item) => {
        try {
          await hooks.reconcile(item, signal);
          outcomes.set(item.id, { ok: true, item });
        } catch (e: unknown) {
          outcomes.set(item.id, fail(item, e));
        }
      }),
    );
    pending = next;
  }
  return outcomes;
}
