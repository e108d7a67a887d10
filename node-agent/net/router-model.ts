/**
 * What one `systemv0/virtualrouter` command asks of a node, in host terms: the namespace, the
 * veth pairs (external and one per NIC), the addresses, the default route and the nat table.
 * Pure; all names come from schemas/host-names.ts and pass the safety checks.
 */
import { bridgeName, hostName, routerNetnsName } from "../../schemas/host-names.js";
import type { ResourceCommand } from "../driver.js";
import { readRouterContext } from "./context.js";
import { NetSpecError } from "./errors.js";
import { ROUTER_EXTERNAL_DEV, renderRouterNat, routerNatRules } from "./router-nat.js";
import { readRouterSpec } from "./router-spec.js";
import { deviceName, humopsIfName, ipv4Cidr, ipv4WithPrefix } from "./safety.js";

/** One NIC: host-side veth in the network's bridge, router-side veth with the address. */
export interface RouterNicModel {
  readonly networkID: string;
  readonly bridge: string;
  readonly hostVeth: string;
  readonly routerVeth: string;
  /** `a.b.c.d/nn`. */
  readonly address: string;
}

/** The host objects of one router on its node. */
export interface RouterModel {
  readonly key: string;
  readonly netns: string;
  readonly externalBridge: string;
  /** Host-side end of the external veth (in externalBridge); the router side is ROUTER_EXTERNAL_DEV. */
  readonly externalVeth: string;
  /** natGatewayIP then every external IP, `a.b.c.d/nn`, on the router's external side. */
  readonly externalAddresses: readonly string[];
  readonly gateway: string;
  readonly nics: readonly RouterNicModel[];
  /** Rule lines as iptables-save prints them, and the full restore input. */
  readonly natRules: readonly string[];
  readonly natTable: string;
}

/** Host-side names of a router, derived from its namespace name alone (so orphans can be traced). */
export function routerVethNames(netns: string, networkID?: string): { host: string; router: string } {
  if (networkID === undefined) return { host: humopsIfName("external veth", hostName("routerExternalVeth", [netns])), router: ROUTER_EXTERNAL_DEV };
  return {
    host: humopsIfName("nic veth", hostName("routerNicVeth", [netns, networkID])),
    router: humopsIfName("nic veth", hostName("routerNicVeth", [netns, networkID, "router"])),
  };
}

/** The namespace of a router command (identity only). */
export function routerNetns(cmd: Pick<ResourceCommand, "group" | "namespace" | "id">): string {
  return humopsIfName("router netns", routerNetnsName(cmd.group ?? "", cmd.namespace ?? "", cmd.id));
}

/**
 * The host model of a router command.
 * Throws NetSpecError (a NIC's network or an external IP missing from the context, duplicate
 * NIC networks), UnsafeNameError or InvalidAddressError: terminal for this command.
 */
export function routerModel(cmd: ResourceCommand): RouterModel {
  const spec = readRouterSpec(cmd.key, cmd.spec);
  const ctx = readRouterContext(cmd.key, cmd.context);
  const netns = routerNetns(cmd);
  const nat = ipv4WithPrefix("spec.natGatewayIP", spec.natGatewayIP, ctx.externalPrefix);
  for (const e of spec.externalIPs) {
    if (!ctx.externalIPs.some((c) => c.externalIPID === e.externalIPID)) throw new NetSpecError(cmd.key, `external IP ${e.externalIPID} is not resolved in context.externalIPs`);
  }
  const seen = new Set<string>();
  const nics = spec.nics.map((n): RouterNicModel => {
    const ref = ctx.networks[n.networkID];
    if (!ref) throw new NetSpecError(cmd.key, `network ${n.networkID} of spec.nics is not resolved in context.networks`);
    if (seen.has(n.networkID)) throw new NetSpecError(cmd.key, `network ${n.networkID} appears twice in spec.nics`);
    seen.add(n.networkID);
    const names = routerVethNames(netns, n.networkID);
    const addr = ipv4Cidr("spec.nics.ipv4Address", n.ipv4Address);
    return { networkID: n.networkID, bridge: bridgeName(ref.group, ref.namespace, n.networkID), hostVeth: names.host, routerVeth: names.router, address: `${addr.address}/${addr.prefix}` };
  });
  const eipAddrs = ctx.externalIPs.map((e) => `${e.address}/${e.prefix}`);
  return {
    key: cmd.key,
    netns,
    externalBridge: deviceName("context.externalBridge", ctx.externalBridge),
    externalVeth: routerVethNames(netns).host,
    externalAddresses: [...new Set([`${nat.address}/${nat.prefix}`, ...eipAddrs])],
    gateway: spec.externalGateway,
    nics,
    natRules: routerNatRules(spec, ctx),
    natTable: renderRouterNat(spec, ctx),
  };
}
