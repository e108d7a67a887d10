/**
 * Treats a revision's valid resources as applied: when `humops plan` has no observed state,
 * the base revision is what is applied, so the plan is the diff base -> head. Pure.
 */
import { desiredNode } from "../diff/diff-resource.js";
import type { AppliedResource } from "../diff/types.js";
import type { LoadResult } from "../manifest/types.js";

/** The valid resources of `load` as AppliedResources (state `Applied`, source file, annotations, spec, node). */
export function appliedFromDesired(load: LoadResult, commit?: string): AppliedResource[] {
  return [...load.resources.values()].map((d) => {
    const node = desiredNode(d);
    return {
      key: d.key,
      apiType: d.apiType,
      state: "Applied",
      details: {},
      spec: d.spec,
      annotations: d.meta.annotations ?? {},
      source: commit ? { file: d.source.file, commit } : { file: d.source.file },
      ...(node !== undefined ? { node } : {}),
    };
  });
}
