/**
 * What a resource needs built before it: the targets of its required references, from the
 * validator's single source of truth (reconciler/validate/references.ts). Pure.
 */
import type { ApiType, ResourceKey } from "../../schemas/kinds.js";
import { referencesOf } from "../validate/references.js";

/** What dependenciesOf reads of a resource. */
export interface DependencySubject {
  readonly key: ResourceKey;
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string | undefined;
  readonly namespace?: string | undefined;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Keys `r` cannot be built without: its group and namespace, then what its spec names. */
export function dependenciesOf(r: DependencySubject): ResourceKey[] {
  return [...new Set(referencesOf(r).filter((ref) => ref.required).map((ref) => ref.target))];
}

/** Kinds the controller applies itself (no node): their "applied" record is the status branch. */
export const CLUSTER_APPLIED: ReadonlySet<ApiType> = new Set<ApiType>(["corev0/group", "corev0/namespace", "corev0/externalippool", "corev0/externalip", "systemv0/image"]);

/**
 * Deletion order: lower first (a VM goes before its disks and networks). An image entity goes
 * after the disks: BaseImage overlays are backed by its file, so the agent refuses to remove it
 * before them (DiskInUse), and the disks, waiting for it, would never go.
 */
export const DELETE_RANK: Readonly<Record<ApiType, number>> = {
  "systemv0/virtualmachine": 0,
  "systemv0/virtualrouter": 1,
  "systemv0/imageentity": 4,
  "systemv0/image": 2,
  "systemv0/blockstorage": 3,
  "systemv0/network": 3,
  "corev0/externalip": 4,
  "corev0/externalippool": 5,
  "corev0/namespace": 5,
  "corev0/group": 6,
};
