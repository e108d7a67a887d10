/**
 * Errors of the plan package. Planning does not throw for a bad tree (that is data: the
 * plan's errors); these are for inputs that make an order impossible.
 */

/** The changes cannot be ordered: their dependencies form a cycle. Terminal for this revision. */
export class PlanCycleError extends Error {
  override readonly name = "PlanCycleError";
  readonly code = "PLAN_CYCLE" as const;
  /** The keys that could not be ordered (members of, or waiting on, the cycle). */
  readonly keys: readonly string[];
  constructor(keys: readonly string[], options?: ErrorOptions) {
    super(`the changes form a dependency cycle and cannot be ordered: ${keys.join(", ")}`, options);
    this.keys = keys;
  }
}
