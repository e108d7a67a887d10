/**
 * What a resource needs built before it (the targets of its required references). Pure.
 * Mirrors the required references of the validator (reconciler/validate/references.ts); the
 * controller only needs the keys, to hold a command until its dependencies are ready.
 */
import { resourceKey, type ApiType, type ResourceKey } from "../../schemas/kinds.js";

/** What dependenciesOf reads of a resource. */
export interface DependencySubject {
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string | undefined;
  readonly namespace?: string | undefined;
  readonly spec: Readonly<Record<string, unknown>>;
}

const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const ids = (v: unknown, field?: string): string[] =>
  list(v).map((x) => (field === undefined ? x : rec(x)[field])).filter((x): x is string => typeof x === "string" && x !== "");

function specDeps(r: DependencySubject): ResourceKey[] {
  const inNs = (apiType: ApiType, id: string): ResourceKey => resourceKey({ apiType, id, group: r.group, namespace: r.namespace });
  switch (r.apiType) {
    case "corev0/externalip": {
      const pool = rec(r.spec)["poolID"];
      return typeof pool === "string" ? [resourceKey({ apiType: "corev0/externalippool", id: pool })] : [];
    }
    case "systemv0/virtualrouter":
      return [...ids(r.spec["externalIPs"], "externalIPID").map((id) => inNs("corev0/externalip", id)), ...ids(r.spec["nics"], "networkID").map((id) => inNs("systemv0/network", id))];
    case "systemv0/virtualmachine":
      return [...ids(r.spec["blockStorageIDs"]).map((id) => inNs("systemv0/blockstorage", id)), ...ids(r.spec["nics"], "networkID").map((id) => inNs("systemv0/network", id))];
    case "systemv0/imageentity": {
      const src = rec(r.spec["source"]);
      const id = src["blockStorageID"];
      const ns = typeof src["namespace"] === "string" ? src["namespace"] : r.namespace;
      return typeof id === "string" ? [resourceKey({ apiType: "systemv0/blockstorage", id, group: r.group, namespace: ns })] : [];
    }
    case "systemv0/blockstorage": {
      const from = rec(r.spec["from"]);
      const name = rec(from["baseImage"])["imageName"];
      return from["type"] === "BaseImage" && typeof name === "string" ? [resourceKey({ apiType: "systemv0/image", id: name, group: r.group })] : [];
    }
    default:
      return [];
  }
}

/** Keys `r` cannot be built without: its group and namespace, then what its spec names. */
export function dependenciesOf(r: DependencySubject): ResourceKey[] {
  const out: ResourceKey[] = [];
  if (r.apiType !== "corev0/group" && r.apiType !== "corev0/externalippool" && r.group !== undefined) out.push(resourceKey({ apiType: "corev0/group", id: r.group }));
  const grouped = r.apiType === "corev0/namespace" || r.apiType === "systemv0/image" || r.apiType === "systemv0/imageentity";
  if (!grouped && r.namespace !== undefined) out.push(resourceKey({ apiType: "corev0/namespace", id: r.namespace, group: r.group }));
  return [...new Set([...out, ...specDeps(r)])];
}

/** Kinds the controller applies itself (no node): their "applied" record is the status branch. */
export const CLUSTER_APPLIED: ReadonlySet<ApiType> = new Set<ApiType>(["corev0/group", "corev0/namespace", "corev0/externalippool", "corev0/externalip", "systemv0/image"]);

/** Deletion order: lower first (a VM goes before its disks and networks). */
export const DELETE_RANK: Readonly<Record<ApiType, number>> = {
  "systemv0/virtualmachine": 0,
  "systemv0/virtualrouter": 1,
  "systemv0/imageentity": 1,
  "systemv0/image": 2,
  "systemv0/blockstorage": 3,
  "systemv0/network": 3,
  "corev0/externalip": 4,
  "corev0/externalippool": 5,
  "corev0/namespace": 5,
  "corev0/group": 6,
};
