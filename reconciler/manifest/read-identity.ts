/**
 * Reads a document's identity from `meta` without trusting the rest of it, so an invalid
 * document still names the resource it meant (diagnostics) and keeps it applied (invalidKeys).
 */
import { displayName, isApiType, resourceKey, scopeOf, type ResourceKey, type ResourceRef } from "../../schemas/kinds.js";

/** What could be read of a document's identity. */
export interface Identity {
  /** The full identity, when every part the kind's scope needs is a usable name. */
  readonly ref?: ResourceRef;
  readonly key?: ResourceKey;
  /** How diagnostics name the resource (`apiType group/namespace/id`, or less when parts are missing). */
  readonly display?: string;
}

function isPart(v: unknown): v is string {
  return typeof v === "string" && v !== "" && !v.includes("/");
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Reads `meta.apiType/id/group/namespace` of a parsed document; never throws. */
export function readIdentity(doc: unknown): Identity {
  const meta = asRecord(asRecord(doc)?.["meta"]);
  if (!meta) return {};
  const { apiType, id, group, namespace } = meta;
  if (!isApiType(apiType) || !isPart(id)) {
    return typeof apiType === "string" && typeof id === "string" ? { display: `${apiType} ${id}` } : {};
  }
  const scope = scopeOf(apiType);
  const hasGroup = scope === "cluster" || isPart(group);
  const hasNamespace = scope !== "namespace" || isPart(namespace);
  if (!hasGroup || !hasNamespace) return { display: `${apiType} ${id}` };
  const ref: ResourceRef = {
    apiType,
    id,
    ...(scope !== "cluster" ? { group: group as string } : {}),
    ...(scope === "namespace" ? { namespace: namespace as string } : {}),
  };
  return { ref, key: resourceKey(ref), display: displayName(ref) };
}
