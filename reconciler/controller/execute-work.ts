/**
 * How a work item ended the last time it was reconciled (reconcile-key.ts records it;
 * build-status.ts turns it into conditions). Every error goes through `toResult`.
 */
import type { ErrorDisposition } from "./errors.js";
import type { WorkItem } from "./plan-work.js";

/** The last outcome of one item. */
export type ItemOutcome = { readonly ok: true; readonly item: WorkItem } | { readonly ok: false; readonly item: WorkItem; readonly error: unknown; readonly disposition: ErrorDisposition };
