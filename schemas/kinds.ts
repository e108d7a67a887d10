/**
 * The resource kinds humops knows, their scope, and the one identity string used everywhere
 * (logs, plans, status, NATS subjects): the ResourceKey.
 *
 * Shared by reconciler/ and node-agent/; pure data, no I/O.
 */

/** Where a kind lives: cluster-wide, inside a group, or inside a group's namespace. */
export type Scope = "cluster" | "group" | "namespace";

/** Every manifest kind of CONTRACT.md §1, with its scope. `systemv0/node` is reported by agents, never declared. */
export const KINDS = {
  "corev0/group": "cluster",
  "corev0/namespace": "group",
  "corev0/externalippool": "cluster",
  "corev0/externalip": "namespace",
  "systemv0/network": "namespace",
  "systemv0/virtualrouter": "namespace",
  "systemv0/blockstorage": "namespace",
  "systemv0/imageentity": "group",
  "systemv0/image": "group",
  "systemv0/virtualmachine": "namespace",
} as const satisfies Record<string, Scope>;

/** A declarable apiType, e.g. `systemv0/network`. */
export type ApiType = keyof typeof KINDS;

/** The apiType agents use to report their node. */
export const NODE_API_TYPE = "systemv0/node";

/** The kind: the part of the apiType after the slash (`network`), as used in status paths. */
export type Kind = ApiType extends `${string}/${infer K}` ? K : never;

/**
 * The identity of one resource: `apiType/` followed by the scope's parts, e.g.
 * `corev0/group/group1`, `systemv0/image/group1/base-image`, `systemv0/network/group1/ns1/net1`.
 * Unambiguous because the scope is fixed per kind.
 */
export type ResourceKey = `${ApiType}/${string}`;

/** Identity fields of a resource. */
export interface ResourceRef {
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string | undefined;
  readonly namespace?: string | undefined;
}

/** True when `s` is a declarable apiType. */
export function isApiType(s: unknown): s is ApiType {
  return typeof s === "string" && Object.hasOwn(KINDS, s);
}

/** The scope of an apiType. */
export function scopeOf(apiType: ApiType): Scope {
  return KINDS[apiType];
}

/** The kind of an apiType: `systemv0/network` gives `network`. */
export function kindOf(apiType: ApiType): Kind {
  return apiType.slice(apiType.indexOf("/") + 1) as Kind;
}

/** Builds the ResourceKey of a resource; the parts its scope does not use are ignored. */
export function resourceKey(ref: ResourceRef): ResourceKey {
  switch (scopeOf(ref.apiType)) {
    case "cluster":
      return `${ref.apiType}/${ref.id}`;
    case "group":
      return `${ref.apiType}/${ref.group ?? ""}/${ref.id}`;
    case "namespace":
      return `${ref.apiType}/${ref.group ?? ""}/${ref.namespace ?? ""}/${ref.id}`;
  }
}

/** Parses a ResourceKey back into its identity; undefined when it is not one. */
export function parseResourceKey(key: string): ResourceRef | undefined {
  const parts = key.split("/");
  if (parts.length < 3) return undefined;
  const apiType = `${parts[0]}/${parts[1]}`;
  if (!isApiType(apiType)) return undefined;
  const rest = parts.slice(2);
  const scope = scopeOf(apiType);
  const want = scope === "cluster" ? 1 : scope === "group" ? 2 : 3;
  if (rest.length !== want || rest.some((p) => p === "")) return undefined;
  if (scope === "cluster") return { apiType, id: rest[0]! };
  if (scope === "group") return { apiType, group: rest[0]!, id: rest[1]! };
  return { apiType, group: rest[0]!, namespace: rest[1]!, id: rest[2]! };
}

/** The way people read a resource in messages: `systemv0/network group1/ns1/net1`. */
export function displayName(ref: ResourceRef): string {
  const path = resourceKey(ref).slice(ref.apiType.length + 1);
  return `${ref.apiType} ${path}`;
}
