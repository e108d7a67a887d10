/**
 * Runs the declarative core on a round (H4's validateResources and buildPlan) and turns its
 * verdict into what the loop may do: resources with cross-resource errors are held like
 * unparsable ones (never applied, never deleted: CONTRACT.md §2), and a delete runs only
 * when the plan lets it (the plan holds deletes while a file fails, of what a kept resource
 * still uses, and mass deletions without the `Humops-Allow-Mass-Delete: yes` trailer). Pure.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { AppliedResource } from "../diff/types.js";
import type { DesiredResource, LoadResult } from "../manifest/types.js";
import { buildPlan } from "../plan/build-plan.js";
import { allowsMassDelete } from "../plan/trailers.js";
import type { Plan } from "../plan/types.js";
import type { ResourceStatus } from "../status/types.js";
import { validateResources } from "../validate/validate-resources.js";
import type { ObservedByNode } from "./evaluate.js";

/** The loop's view of the plan. */
export interface Gate {
  /** The load with invalid resources moved to `invalidKeys` and every diagnostic. */
  readonly load: LoadResult;
  /** Keys whose delete the plan allows this round. */
  readonly deletable: ReadonlySet<ResourceKey>;
  /** Deletes the plan holds back: key -> reason and message. */
  readonly heldDeletes: ReadonlyMap<ResourceKey, { readonly reason: string; readonly message: string }>;
  readonly plan: Plan;
}

function appliedOf(previous: ReadonlyMap<ResourceKey, ResourceStatus>, observed: ObservedByNode): AppliedResource[] {
  const out = new Map<ResourceKey, AppliedResource>();
  for (const m of observed.values()) for (const [k, o] of m) if (!out.has(k)) out.set(k, { ...o });
  for (const [k, s] of previous) {
    const source = { file: s.source.path, commit: s.source.commit };
    const o = out.get(k);
    out.set(k, o ? { ...o, source } : { key: k, apiType: s.apiType, state: s.state, details: {}, source, ...(s.node ? { node: s.node } : {}) });
  }
  return [...out.values()];
}

/** Validates and plans the round; see the file header. */
export function gatePlan(o: { load: LoadResult; previous: ReadonlyMap<ResourceKey, ResourceStatus>; observed: ObservedByNode; commitMessage: string }): Gate {
  const validation = validateResources(o.load.resources, o.load.invalidKeys);
  const plan = buildPlan({ load: o.load, applied: appliedOf(o.previous, o.observed), allowMassDelete: allowsMassDelete(o.commitMessage), validation });
  const resources = new Map<ResourceKey, DesiredResource>([...o.load.resources].filter(([k]) => !validation.invalid.has(k)));
  const load: LoadResult = {
    resources,
    diagnostics: [...plan.errors, ...plan.warnings],
    failedFiles: o.load.failedFiles,
    invalidKeys: new Set([...o.load.invalidKeys, ...validation.invalid]),
    ...(o.load.nodes !== undefined ? { nodes: o.load.nodes } : {}),
  };
  const deletable = new Set(plan.changes.filter((c) => c.action === "delete").map((c) => c.key));
  const heldDeletes = new Map(plan.blocked.filter((b) => b.action === "delete").map((b) => [b.key, { reason: b.reason, message: b.message }]));
  return { load, deletable, heldDeletes, plan };
}
