/**
 * The whole nat table of a router's namespace, rendered for `iptables-restore` (which replaces
 * the table atomically, so a re-apply converges exactly and never duplicates a rule). Rules are
 * written in iptables-save's canonical form, so the saved table can be compared line by line.
 */
import type { RouterContext } from "./context.js";
import type { RouterSpec } from "./router-spec.js";
import { ipv4WithPrefix, natComment } from "./safety.js";

/** The name of the external veth end inside every router namespace (private to it). */
export const ROUTER_EXTERNAL_DEV = "ext0";

function dnatLines(spec: RouterSpec, natGateway: string): string[] {
  return spec.dnatRules.flatMap((r, i) =>
    (r.protocol ? [r.protocol] : ["tcp", "udp"]).map(
      (p) =>
        `-A PREROUTING -d ${r.destAddress ?? natGateway}/32 -i ${ROUTER_EXTERNAL_DEV} -p ${p} -m ${p} --dport ${r.destPort}` +
        ` -m comment --comment "dnat:${i}" -j DNAT --to-destination ${r.toDestAddress}:${r.toDestPort}`,
    ),
  );
}

/**
 * The rule lines (`-A ...`) of a router's nat table, in order: port forwards (TCP and UDP
 * unless the rule names one), 1:1 DNAT of each external IP to its internal address, 1:1 SNAT
 * back, then SNAT of every NIC's network to natGatewayIP. SNAT only applies to traffic leaving
 * through the external side, so traffic between the router's networks keeps its addresses.
 */
export function routerNatRules(spec: RouterSpec, ctx: RouterContext): string[] {
  const natGateway = ipv4WithPrefix("spec.natGatewayIP", spec.natGatewayIP, ctx.externalPrefix).address;
  const eips = ctx.externalIPs.map((e) => ({ ...e, comment: natComment(`eip:${e.externalIPID}`) }));
  const nets = spec.nics
    .map((n) => ({ id: n.networkID, cidr: ctx.networks[n.networkID]?.ipv4CIDR }))
    .filter((n): n is { id: string; cidr: string } => n.cidr !== undefined);
  return [
    ...dnatLines(spec, natGateway),
    ...eips.map((e) => `-A PREROUTING -d ${e.address}/32 -m comment --comment "${e.comment}" -j DNAT --to-destination ${e.bindInternalIPv4Address}`),
    ...eips.map((e) => `-A POSTROUTING -s ${e.bindInternalIPv4Address}/32 -o ${ROUTER_EXTERNAL_DEV} -m comment --comment "${e.comment}" -j SNAT --to-source ${e.address}`),
    ...nets.map((n) => `-A POSTROUTING -s ${n.cidr} -o ${ROUTER_EXTERNAL_DEV} -m comment --comment "${natComment(`nic:${n.id}`)}" -j SNAT --to-source ${natGateway}`),
  ];
}

/** The complete `iptables-restore` input for a router's nat table (see routerNatRules). Pure. */
export function renderRouterNat(spec: RouterSpec, ctx: RouterContext): string {
  const chains = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"].map((c) => `:${c} ACCEPT [0:0]`);
  return ["*nat", ...chains, ...routerNatRules(spec, ctx), "COMMIT", ""].join("\n");
}
