/** Builds DesiredResources and AppliedResources in code for unit tests. */
import { resourceKey, type ApiType } from "../../../schemas/kinds.js";
import type { AppliedResource } from "../../../reconciler/diff/types.js";
import type { DesiredResource } from "../../../reconciler/manifest/types.js";

/** Identity and extras of a test resource. */
export interface Parts {
  readonly group?: string;
  readonly namespace?: string;
  readonly annotations?: Record<string, string>;
}

/** A desired resource at `file` line 1. */
export function desired(apiType: ApiType, id: string, spec: Record<string, unknown>, parts: Parts = {}, file = "m.yaml"): DesiredResource {
  const ref = { apiType, id, group: parts.group, namespace: parts.namespace };
  const meta = { apiType, id, ...(parts.group ? { group: parts.group } : {}), ...(parts.namespace ? { namespace: parts.namespace } : {}), ...(parts.annotations ? { annotations: parts.annotations } : {}) };
  return { key: resourceKey(ref), apiType, id, ...(parts.group ? { group: parts.group } : {}), ...(parts.namespace ? { namespace: parts.namespace } : {}), meta, spec, source: { file, line: 1, column: 1 }, positions: {} };
}

/** The applied twin of a desired resource, with overrides. */
export function applied(d: DesiredResource, over: Partial<AppliedResource> = {}): AppliedResource {
  return { key: d.key, apiType: d.apiType, state: "Active", details: {}, spec: d.spec, annotations: d.meta.annotations ?? {}, source: { file: d.source.file }, ...over };
}
