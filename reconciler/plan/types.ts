/**
 * The plan: changes in execution order with parallel steps, changes held back by a safety
 * rule, and the diagnostics of the tree. Plain data; renderers print it (text, markdown, json).
 */
import type { Diagnostic } from "../manifest/types.js";
import type { Change } from "../diff/types.js";

/** Why a change is held back (docs/plan.md, "Safety"). */
export type BlockReason =
  /** The resource's manifest failed to parse or validate: it keeps its last applied state. */
  | "InvalidManifest"
  /** It needs a resource that cannot be built in this revision. */
  | "DependencyBlocked"
  /** A resource that stays (declared, or held) still uses it: deleting it would break that one. */
  | "DependentKept"
  /** The revision deletes more than half of the resources (and at least 5) without the trailer. */
  | "MassDeletion";

/** One change in execution order. A replace appears twice: `phase` destroy, later `phase` create. */
export interface PlannedChange extends Change {
  /** Changes with the same step may run in parallel; steps run in increasing order. */
  readonly step: number;
  readonly phase?: "destroy" | "create";
}

/** A change the plan does not run, and why. */
export interface BlockedChange extends Change {
  readonly blocked: true;
  readonly reason: BlockReason;
  readonly message: string;
}

/** Counts per action (a replace counts once), plus the blocked ones. */
export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  readonly blocked: number;
}

/** The result of planning one revision against what is applied. */
export interface Plan {
  /** False when the tree has an error (some resources are then held; the rest still plan). */
  readonly valid: boolean;
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
  readonly changes: readonly PlannedChange[];
  readonly blocked: readonly BlockedChange[];
  readonly summary: PlanSummary;
  /** True when deletes are held by the mass-deletion guard (see `MASS_DELETE_TRAILER`). */
  readonly massDeletionBlocked: boolean;
}

/** The commit trailer that lets a revision delete more than half of the resources. */
export const MASS_DELETE_TRAILER = "Humops-Allow-Mass-Delete";
