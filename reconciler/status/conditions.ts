/**
 * Conditions of one resource (STYLE.md §2, fluxcd/pkg conditions): Ready always, Reconciling
 * and Stalled only when True. Pure: the time is an argument.
 */
import type { Condition, ConditionType } from "./types.js";

/** What the controller concluded about a resource in a round. */
export interface Outcome {
  /** `ready`: matches the declaration; `reconciling`: work under way or waiting; `stalled`: no retry until the manifest changes. */
  readonly phase: "ready" | "reconciling" | "stalled";
  readonly reason: string;
  readonly message: string;
}

/**
 * The conditions for `outcome`, keeping `lastTransitionTime` of a previous condition of the
 * same type and status so an unchanged resource renders byte-identical status.
 */
export function computeConditions(opts: {
  outcome: Outcome;
  previous: readonly Condition[];
  now: Date;
  observedCommit: string;
}): Condition[] {
  const { outcome, previous, now, observedCommit } = opts;
  const make = (type: ConditionType, status: "True" | "False"): Condition => {
    const prev = previous.find((c) => c.type === type);
    const lastTransitionTime = prev !== undefined && prev.status === status ? prev.lastTransitionTime : now.toISOString();
    return { type, status, reason: outcome.reason, message: outcome.message, lastTransitionTime, observedCommit };
  };
  const out = [make("Ready", outcome.phase === "ready" ? "True" : "False")];
  if (outcome.phase === "reconciling") out.push(make("Reconciling", "True"));
  if (outcome.phase === "stalled") out.push(make("Stalled", "True"));
  return out;
}
