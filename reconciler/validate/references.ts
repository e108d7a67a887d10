/**
 * The references of one resource to others, derived from its meta and spec: the single source
 * of truth for cross-resource validation (does the target exist?) and for the plan's
 * dependency graph (the target is built first, deleted last). Pure.
 */
import { resourceKey, type ApiType, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { arr, rec, str } from "./spec-access.js";

/** What a reference needs of a resource: identity, annotations and spec. */
export interface ResourceLike {
  readonly key: ResourceKey;
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string | undefined;
  readonly namespace?: string | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** One reference: the target's key, where it is written, and whether it is needed to build. */
export interface Reference {
  readonly target: ResourceKey;
  readonly targetApiType: ApiType;
  readonly targetId: string;
  /** JSON pointer of the field that names the target, e.g. `/spec/nics/0/networkID`. */
  readonly pointer: string;
  /** What the field names, for messages: `group`, `namespace`, `network`... */
  readonly role: string;
  /**
   * True when the resource cannot be built without the target (a missing target is an error);
   * false for an image tag (a missing entity is a warning unless a disk consumes the tag).
   */
  readonly required: boolean;
}

type RefMaker = (r: ResourceLike) => Reference[];

function ref(apiType: ApiType, parts: { id: string; group?: string | undefined; namespace?: string | undefined }, pointer: string, role: string, required = true): Reference {
  return { target: resourceKey({ apiType, ...parts }), targetApiType: apiType, targetId: parts.id, pointer, role, required };
}

function scopeRefs(r: ResourceLike): Reference[] {
  const out: Reference[] = [];
  if (r.apiType === "corev0/group" || r.apiType === "corev0/externalippool") return out;
  if (r.group !== undefined) out.push(ref("corev0/group", { id: r.group }, "/meta/group", "group"));
  const namespaced = r.apiType !== "corev0/namespace" && r.apiType !== "systemv0/image" && r.apiType !== "systemv0/imageentity";
  if (namespaced && r.namespace !== undefined) {
    out.push(ref("corev0/namespace", { id: r.namespace, group: r.group }, "/meta/namespace", "namespace"));
  }
  return out;
}

function inNs(r: ResourceLike, apiType: ApiType, id: string, pointer: string, role: string): Reference {
  return ref(apiType, { id, group: r.group, namespace: r.namespace }, pointer, role);
}

function listRefs(r: ResourceLike, field: string, idField: string | undefined, apiType: ApiType, role: string): Reference[] {
  const out: Reference[] = [];
  arr(r.spec, field).forEach((item, i) => {
    const id = idField === undefined ? (typeof item === "string" ? item : undefined) : str(item, idField);
    const pointer = idField === undefined ? `/spec/${field}/${i}` : `/spec/${field}/${i}/${idField}`;
    if (id !== undefined && id !== "") out.push(inNs(r, apiType, id, pointer, role));
  });
  return out;
}

const SPEC_REFS: Partial<Record<ApiType, RefMaker>> = {
  "corev0/externalip": (r) => {
    const pool = str(r.spec, "poolID");
    return pool ? [ref("corev0/externalippool", { id: pool }, "/spec/poolID", "externalippool")] : [];
  },
  "systemv0/virtualrouter": (r) => [
    ...listRefs(r, "externalIPs", "externalIPID", "corev0/externalip", "externalip"),
    ...listRefs(r, "nics", "networkID", "systemv0/network", "network"),
  ],
  "systemv0/virtualmachine": (r) => [
    ...listRefs(r, "blockStorageIDs", undefined, "systemv0/blockstorage", "blockstorage"),
    ...listRefs(r, "nics", "networkID", "systemv0/network", "network"),
  ],
  "systemv0/imageentity": (r) => {
    const source = rec(r.spec, "source");
    const id = str(source, "blockStorageID");
    if (!id) return [];
    const ns = str(source, "namespace") ?? r.namespace;
    return [ref("systemv0/blockstorage", { id, group: r.group, namespace: ns }, "/spec/source/blockStorageID", "blockstorage")];
  },
  "systemv0/image": (r) =>
    Object.entries(rec(r.spec, "entityMap") ?? {})
      .filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== "")
      .map(([tag, id]) => ref("systemv0/imageentity", { id, group: r.group }, `/spec/entityMap/${escapePointer(tag)}`, `imageentity of tag "${tag}"`, false)),
  "systemv0/blockstorage": (r) => {
    const from = rec(r.spec, "from");
    if (str(from, "type") !== "BaseImage") return [];
    const name = str(rec(from, "baseImage"), "imageName");
    return name ? [ref("systemv0/image", { id: name, group: r.group }, "/spec/from/baseImage/imageName", "image")] : [];
  },
};

/** Every reference of `r`, scope first (group, namespace), then spec fields in document order. */
export function referencesOf(r: ResourceLike): Reference[] {
  return [...scopeRefs(r), ...(SPEC_REFS[r.apiType]?.(r) ?? [])];
}

const memo = new WeakMap<object, readonly Reference[]>();

/**
 * `referencesOf` for a loaded resource, remembered per resource object: the loader hands out
 * the same object for an unchanged file, so a re-plan does not recompute unchanged references.
 */
export function referencesOfDesired(r: DesiredResource): readonly Reference[] {
  let hit = memo.get(r);
  if (!hit) {
    hit = referencesOf({ ...r, annotations: r.meta.annotations });
    memo.set(r, hit);
  }
  return hit;
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}
