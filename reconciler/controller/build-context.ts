/**
 * The controller-side builder of each command's `context`: what a driver needs besides the
 * spec. The shapes mirror the drivers' context interfaces (node-agent/net/context.ts
 * NetworkContext and RouterContext, node-agent/storage/context.ts BlockStorageContext and
 * ImageEntityContext, node-agent/vm/context.ts VmContext), which reconciler/ may not import;
 * test/reconciler/controller/build-context.test.ts checks them against the agents' parsers.
 * Pure.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import type { NodeInfo } from "../bus/controller-bus.js";
import type { DesiredResource } from "../manifest/types.js";
import type { ObservedByNode } from "./evaluate.js";

/** What buildContext reads. */
export interface ContextInput {
  readonly desired: ReadonlyMap<ResourceKey, DesiredResource>;
  readonly placement: ReadonlyMap<ResourceKey, readonly string[]>;
  readonly nodes: readonly NodeInfo[];
  readonly observed: ObservedByNode;
  /** The cluster download token (issue #6); absent: none is sent. */
  readonly downloadToken?: string;
}

const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(rec) : []);
const s = (v: unknown): string => (typeof v === "string" ? v : "");

function observedOf(key: ResourceKey, input: ContextInput): ObservedResource | undefined {
  const node = input.placement.get(key)?.[0];
  return node === undefined ? undefined : input.observed.get(node)?.get(key);
}

function networkContext(r: DesiredResource, node: string, input: ContextInput): Record<string, unknown> {
  const carriers = input.placement.get(r.key) ?? [];
  return { peers: input.nodes.filter((n) => n.name !== node && carriers.includes(n.name)).map((n) => n.address) };
}

function nsKey(r: DesiredResource, apiType: "systemv0/network" | "systemv0/blockstorage" | "corev0/externalip", id: string): ResourceKey {
  return resourceKey({ apiType, id, group: r.group, namespace: r.namespace });
}

/**
 * Sent as `disks[].rbd.confPath` only for v1 agents that predate issue #13. Agents now ignore it
 * and open the image with their own cephBackend config and client id: where a node keeps
 * ceph.conf is the node's business (docs/protocol.md).
 */
const LEGACY_CEPH_CONF = "/etc/ceph/ceph.conf";

function vmContext(r: DesiredResource, input: ContextInput): Record<string, unknown> {
  const networks: Record<string, unknown> = {};
  for (const nic of list(r.spec["nics"])) {
    const id = s(nic["networkID"]);
    networks[id] = { ipv4CIDR: s(input.desired.get(nsKey(r, "systemv0/network", id))?.spec["ipv4CIDR"]) };
  }
  const ids = Array.isArray(r.spec["blockStorageIDs"]) ? (r.spec["blockStorageIDs"] as unknown[]).map(s) : [];
  const disks = ids.map((id) => {
    const location = s(observedOf(nsKey(r, "systemv0/blockstorage", id), input)?.details["location"]);
    const rbd = /^rbd:([^/]+)\/([^@]+)$/.exec(location);
    if (rbd !== null) return { blockStorageID: id, rbd: { pool: rbd[1]!, image: rbd[2]!, confPath: LEGACY_CEPH_CONF }, format: "raw" };
    return { blockStorageID: id, ...(location ? { path: location } : {}), format: "qcow2" };
  });
  return { disks, networks };
}

function prefixOf(cidr: string): number {
  const p = Number(cidr.split("/")[1]);
  return Number.isInteger(p) ? p : 32;
}

function routerContext(r: DesiredResource, input: ContextInput): Record<string, unknown> {
  let pool: DesiredResource | undefined;
  const externalIPs = list(r.spec["externalIPs"]).map((e) => {
    const id = s(e["externalIPID"]);
    const eip = input.desired.get(nsKey(r, "corev0/externalip", id));
    pool ??= input.desired.get(resourceKey({ apiType: "corev0/externalippool", id: s(eip?.spec["poolID"]) }));
    return { externalIPID: id, address: s(eip?.spec["ipv4Address"]), prefix: Number(eip?.spec["ipv4Prefix"] ?? 32), bindInternalIPv4Address: s(e["bindInternalIPv4Address"]) };
  });
  pool ??= [...input.desired.values()].find((d) => d.apiType === "corev0/externalippool");
  const networks: Record<string, unknown> = {};
  for (const nic of list(r.spec["nics"])) {
    const id = s(nic["networkID"]);
    networks[id] = { group: r.group ?? "", namespace: r.namespace ?? "", ipv4CIDR: s(input.desired.get(nsKey(r, "systemv0/network", id))?.spec["ipv4CIDR"]) };
  }
  return { externalBridge: s(pool?.spec["bridgeName"]), externalPrefix: prefixOf(s(pool?.spec["ipv4CIDR"])), externalIPs, networks };
}

/** The running VM (by observed state) that uses disk `diskKey`, if any. */
function runningUser(diskKey: ResourceKey, input: ContextInput): ResourceKey | undefined {
  for (const d of input.desired.values()) {
    if (d.apiType !== "systemv0/virtualmachine" || d.group === undefined) continue;
    const uses = (Array.isArray(d.spec["blockStorageIDs"]) ? (d.spec["blockStorageIDs"] as unknown[]) : []).some((id) => nsKey(d, "systemv0/blockstorage", s(id)) === diskKey);
    if (uses && observedOf(d.key, input)?.state === "Running") return d.key;
  }
  return undefined;
}

function diskContext(r: DesiredResource, node: string, input: ContextInput): Record<string, unknown> {
  const usedBy = runningUser(r.key, input);
  const from = rec(r.spec["from"]);
  if (from["type"] !== "BaseImage") return usedBy ? { usedBy } : {};
  const base = rec(from["baseImage"]);
  const image = input.desired.get(resourceKey({ apiType: "systemv0/image", id: s(base["imageName"]), group: r.group }));
  const entityKey = resourceKey({ apiType: "systemv0/imageentity", id: s(rec(image?.spec["entityMap"])[s(base["tag"]) || "latest"]), group: r.group });
  const entity = observedOf(entityKey, input);
  if (entity === undefined) return usedBy ? { usedBy } : {};
  const location = s(entity.details["location"]);
  const rbd = /^rbd:[^/]+\/([^@]+)@(.+)$/.exec(location);
  const source = rbd !== null ? { rbd: { image: rbd[1]!, snapshot: rbd[2]! } } : entity.node === node ? { localPath: location } : remoteSource(entityKey, entity, input);
  const token = "url" in source && input.downloadToken !== undefined ? { downloadToken: input.downloadToken } : {};
  return { baseImage: { entityKey, sha256: s(entity.details["sha256"]), sizeBytes: Number(entity.details["sizeBytes"] ?? 0), source }, ...token, ...(usedBy ? { usedBy } : {}) };
}

/**
 * An entity held by another node: fetched from the holder's download API, at the `HOST:PORT`
 * the holder registered (issue #6). An entity reporting its own `details.url` is a fallback;
 * with neither the URL is empty and the agent refuses the command (the holder serves no API).
 */
function remoteSource(entityKey: ResourceKey, entity: ObservedResource, input: ContextInput): { node: string; url: string } {
  const holder = entity.node ?? "";
  const api = input.nodes.find((n) => n.name === holder)?.downloadAPI;
  return { node: holder, url: api !== undefined ? `http://${api}/v1/${entityKey}` : s(entity.details["url"]) };
}

function entityContext(r: DesiredResource, input: ContextInput): Record<string, unknown> {
  const src = rec(r.spec["source"]);
  const key = resourceKey({ apiType: "systemv0/blockstorage", id: s(src["blockStorageID"]), group: r.group, namespace: s(src["namespace"]) || r.namespace });
  const disk = input.desired.get(key);
  const state = observedOf(key, input)?.state;
  const usedBy = runningUser(key, input);
  const token = input.downloadToken !== undefined ? { downloadToken: input.downloadToken } : {};
  return { sourceDisk: { key, type: disk?.meta.annotations?.["blockstoragev0/type"] === "Ceph" ? "Ceph" : "Local", ...(state ? { state } : {}) }, ...(usedBy ? { sourceUsedBy: usedBy } : {}), ...token };
}

/** The context of the command for `r` on `node`. */
export function buildContext(r: DesiredResource, node: string, input: ContextInput): Record<string, unknown> {
  switch (r.apiType) {
    case "systemv0/network":
      return networkContext(r, node, input);
    case "systemv0/virtualmachine":
      return vmContext(r, input);
    case "systemv0/virtualrouter":
      return routerContext(r, input);
    case "systemv0/blockstorage":
      return diskContext(r, node, input);
    case "systemv0/imageentity":
      return entityContext(r, input);
    default:
      return {};
  }
}
