/**
 * Per-kind diff rules (docs/plan.md): which fields force a replace (cannot change in place),
 * which the system fills (never drift), which need a VM restart, and the node annotation.
 * Pure data plus two lookups.
 */
import type { ApiType } from "../../schemas/kinds.js";
import { parseSize } from "../validate/size.js";

/** Pointer prefixes whose change forces a replace, per kind. `node` (placement) is handled apart. */
export const REPLACE_FIELDS: Readonly<Record<ApiType, readonly string[]>> = {
  "corev0/group": [],
  "corev0/namespace": [],
  "corev0/externalippool": ["/spec/ipv4CIDR", "/spec/bridgeName"],
  "corev0/externalip": ["/spec/poolID"],
  "systemv0/network": ["/spec/id", "/meta/annotations/networkv0~1network_type"],
  "systemv0/virtualrouter": [],
  "systemv0/blockstorage": ["/spec/from", "/meta/annotations/blockstoragev0~1type"],
  "systemv0/imageentity": ["/spec/source"],
  "systemv0/image": [],
  "systemv0/virtualmachine": [],
};

/** The annotation that pins a kind to a node; moving it to another node is a replace. */
export const NODE_ANNOTATIONS: Partial<Record<ApiType, string>> = {
  "systemv0/virtualmachine": "virtualmachinev0/node_name",
  "systemv0/blockstorage": "blockstoragev0/node_name",
  "systemv0/virtualrouter": "virtualrouterv0/node_name",
};

/** VM fields that a running VM only picks up after a restart (issue #3). */
export const RESTART_FIELDS = ["/spec/requestVcpus", "/spec/limitVcpus", "/spec/requestMemory", "/spec/limitMemory", "/spec/blockStorageIDs", "/spec/nics"] as const;

const SYSTEM_FILLED: Partial<Record<ApiType, RegExp>> = {
  "systemv0/virtualmachine": /^\/spec\/(uuid|hostname|nics\/\d+\/macAddress)$/,
};

/** True when the system fills `pointer` for `apiType` when the manifest leaves it out (MAC, uuid). */
export function isSystemFilled(apiType: ApiType, pointer: string): boolean {
  return SYSTEM_FILLED[apiType]?.test(pointer) ?? false;
}

function under(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(`${prefix}/`);
}

/** True when a change at `pointer` cannot be applied in place. A disk's size may grow, never shrink. */
export function forcesReplace(apiType: ApiType, pointer: string, oldV: unknown, newV: unknown): boolean {
  if (REPLACE_FIELDS[apiType].some((p) => under(pointer, p))) return true;
  if (apiType === "systemv0/blockstorage" && pointer === "/spec/limitSize") {
    const o = typeof oldV === "string" || typeof oldV === "number" ? parseSize(oldV) : undefined;
    const n = typeof newV === "string" || typeof newV === "number" ? parseSize(newV) : undefined;
    return o !== undefined && n !== undefined && n < o;
  }
  return false;
}

/** True when a change at `pointer` of a VM needs a restart to take effect. */
export function needsRestart(apiType: ApiType, pointer: string): boolean {
  return apiType === "systemv0/virtualmachine" && RESTART_FIELDS.some((p) => under(pointer, p));
}
