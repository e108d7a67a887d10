/**
 * Which external IPs are bound to which router (issue #5), for the status of pools and
 * external IPs. Pure; derived from the declared routers, so it changes only with the manifests.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";

/** One address of a pool in use. */
export interface PoolUse {
  readonly address: string;
  /** `externalip <id>` or `natGateway`. */
  readonly use: string;
  readonly router?: string;
  readonly bindInternalIPv4Address?: string;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Details to merge into the status of each pool and external IP: `used` per pool, `boundTo` per external IP. */
export function poolUsageDetails(desired: ReadonlyMap<ResourceKey, DesiredResource>): Map<ResourceKey, Record<string, unknown>> {
  const used = new Map<ResourceKey, PoolUse[]>();
  const out = new Map<ResourceKey, Record<string, unknown>>();
  const useIn = (poolId: string, u: PoolUse) => {
    const key = resourceKey({ apiType: "corev0/externalippool", id: poolId });
    used.set(key, [...(used.get(key) ?? []), u]);
  };
  for (const r of desired.values()) {
    if (r.apiType !== "systemv0/virtualrouter") continue;
    const router = `${r.group}/${r.namespace}/${r.id}`;
    let poolId = "";
    for (const b of Array.isArray(r.spec["externalIPs"]) ? (r.spec["externalIPs"] as Record<string, unknown>[]) : []) {
      const key = resourceKey({ apiType: "corev0/externalip", group: r.group, namespace: r.namespace, id: str(b["externalIPID"]) });
      const eip = desired.get(key);
      if (eip === undefined || out.has(key)) continue;
      poolId = str(eip.spec["poolID"]);
      const bind = str(b["bindInternalIPv4Address"]);
      out.set(key, { boundTo: router, bindInternalIPv4Address: bind });
      useIn(poolId, { address: str(eip.spec["ipv4Address"]), use: `externalip ${eip.id}`, router, bindInternalIPv4Address: bind });
    }
    const nat = str(r.spec["natGatewayIP"]);
    if (nat && poolId) useIn(poolId, { address: nat, use: "natGateway", router });
  }
  for (const [key, uses] of used) out.set(key, { used: [...uses].sort((a, b) => a.address.localeCompare(b.address, "en", { numeric: true })) });
  return out;
}
