/**
 * The controller-side builder of each command's `context`: what a driver needs besides the
 * spec (bridge names, peers, the pool's bridge, resolved external IPs, disk sources). The
 * shapes mirror the drivers' context interfaces (node-agent/net/context.ts,
 * node-agent/storage/context.ts), which reconciler/ may not import. Pure.
 */
import { bridgeName, routerNetnsName, tapName, vlanName, vxlanName } from "../../schemas/host-names.js";
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { NodeInfo } from "../bus/controller-bus.js";
import type { DesiredResource } from "../manifest/types.js";

/** What buildContext reads. */
export interface ContextInput {
  readonly desired: ReadonlyMap<ResourceKey, DesiredResource>;
  readonly placement: ReadonlyMap<ResourceKey, readonly string[]>;
  readonly nodes: readonly NodeInfo[];
}

const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(rec) : []);
const s = (v: unknown): string => (typeof v === "string" ? v : "");

function networkRef(r: DesiredResource, networkID: string): Record<string, unknown> {
  const g = r.group ?? "";
  const ns = r.namespace ?? "";
  return { networkID, bridgeName: bridgeName(g, ns, networkID) };
}

function networkContext(r: DesiredResource, node: string, input: ContextInput): Record<string, unknown> {
  const g = r.group ?? "";
  const ns = r.namespace ?? "";
  const type = r.meta.annotations?.["networkv0/network_type"] ?? "VXLAN";
  const carriers = input.placement.get(r.key) ?? [];
  const peers = input.nodes.filter((n) => n.name !== node && carriers.includes(n.name)).map((n) => ({ node: n.name, address: n.address }));
  const link = type === "VXLAN" ? vxlanName(g, ns, r.id) : type === "VLAN" ? vlanName(g, ns, r.id) : undefined;
  const gw = r.meta.annotations?.["networkv0/default_gateway"];
  return { networkType: type, bridgeName: bridgeName(g, ns, r.id), ...(link ? { linkName: link } : {}), peers, ...(gw ? { defaultGateway: gw } : {}) };
}

function vmContext(r: DesiredResource, input: ContextInput): Record<string, unknown> {
  const g = r.group ?? "";
  const ns = r.namespace ?? "";
  const nics = list(r.spec["nics"]).map((nic, i) => ({ ...networkRef(r, s(nic["networkID"])), tapName: tapName(g, ns, r.id, i) }));
  const ids = Array.isArray(r.spec["blockStorageIDs"]) ? (r.spec["blockStorageIDs"] as unknown[]).map(s) : [];
  const disks = ids.map((id) => {
    const key = resourceKey({ apiType: "systemv0/blockstorage", id, group: r.group, namespace: r.namespace });
    const d = input.desired.get(key);
    return { blockStorageID: id, type: d?.meta.annotations?.["blockstoragev0/type"] ?? "Local", node: input.placement.get(key)?.[0] ?? "" };
  });
  return { nics, disks };
}

function routerContext(r: DesiredResource, input: ContextInput): Record<string, unknown> {
  const g = r.group ?? "";
  const ns = r.namespace ?? "";
  const externalIPs = list(r.spec["externalIPs"]).map((e) => {
    const id = s(e["externalIPID"]);
    const eip = input.desired.get(resourceKey({ apiType: "corev0/externalip", id, group: r.group, namespace: r.namespace }));
    return { externalIPID: id, ipv4Address: s(eip?.spec["ipv4Address"]), ipv4Prefix: Number(eip?.spec["ipv4Prefix"] ?? 0), bindInternalIPv4Address: s(e["bindInternalIPv4Address"]), poolID: s(eip?.spec["poolID"]) };
  });
  const poolID = externalIPs[0]?.poolID;
  const pool = poolID ? input.desired.get(resourceKey({ apiType: "corev0/externalippool", id: poolID })) : undefined;
  const nics = list(r.spec["nics"]).map((nic) => ({ ...networkRef(r, s(nic["networkID"])), ipv4Address: s(nic["ipv4Address"]) }));
  return {
    netnsName: routerNetnsName(g, ns, r.id),
    externalBridge: s(pool?.spec["bridgeName"]),
    ...(pool ? { externalCIDR: s(pool.spec["ipv4CIDR"]) } : {}),
    externalIPs,
    nics,
  };
}

function diskContext(r: DesiredResource, input: ContextInput): Record<string, unknown> {
  const type = r.meta.annotations?.["blockstoragev0/type"] ?? "Local";
  const from = rec(r.spec["from"]);
  if (from["type"] !== "BaseImage") return { type };
  const base = rec(from["baseImage"]);
  const image = input.desired.get(resourceKey({ apiType: "systemv0/image", id: s(base["imageName"]), group: r.group }));
  const entityId = s(rec(image?.spec["entityMap"])[s(base["tag"]) || "latest"]);
  const entityKey = resourceKey({ apiType: "systemv0/imageentity", id: entityId, group: r.group });
  const src = rec(input.desired.get(entityKey)?.spec["source"]);
  const srcKey = resourceKey({ apiType: "systemv0/blockstorage", id: s(src["blockStorageID"]), group: r.group, namespace: s(src["namespace"]) || r.namespace });
  return { type, baseImage: { imageName: s(base["imageName"]), tag: s(base["tag"]) || "latest", imageEntityID: entityId, source: { key: srcKey, node: input.placement.get(srcKey)?.[0] ?? "" } } };
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
      return diskContext(r, input);
    case "systemv0/imageentity": {
      const src = rec(r.spec["source"]);
      const key = resourceKey({ apiType: "systemv0/blockstorage", id: s(src["blockStorageID"]), group: r.group, namespace: s(src["namespace"]) });
      return { source: { key, node: input.placement.get(key)?.[0] ?? "" } };
    }
    default:
      return {};
  }
}
