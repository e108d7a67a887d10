/**
 * Pure planners for networks: what to change on a node so that it holds exactly what a
 * NetworkModel asks (planNetwork), or nothing of a network any more (planNetworkRemoval).
 * The ops' reasons double as the drift the inventory reports.
 */
import type { HostNetState } from "./host-state.js";
import type { NetworkModel, VxlanModel } from "./network-model.js";
import { masqueradeRule, natRuleOps } from "./node-nat.js";
import type { Op } from "./ops.js";
import type { LinkInfo } from "./parsers.js";

const ZERO_MAC = "00:00:00:00:00:00";

function ip(why: string, line: string): Op {
  return { why, tool: "ip", line };
}

function isVxlanAsWanted(l: LinkInfo, v: VxlanModel): boolean {
  const x = l.vxlan;
  return (
    l.kind === "vxlan" && x !== undefined && x.id === v.id && x.port === v.port && x.dev === v.dev &&
    (x.group ?? "") === (v.group ?? "") && (x.local ?? "") === (v.local ?? "")
  );
}

function vxlanAddLine(v: VxlanModel): string {
  const where = v.group !== undefined ? `group ${v.group}` : `local ${v.local ?? ""}`;
  return `link add ${v.name} type vxlan id ${v.id} dev ${v.dev} dstport ${v.port} ${where}`;
}

/** Ops for the bridge itself; `fresh` tells whether it is (re)created by them. */
function bridgeOps(m: NetworkModel, host: HostNetState): { ops: Op[]; fresh: boolean } {
  const br = host.links.get(m.bridge);
  if (br?.kind === "bridge") return { ops: br.isUp ? [] : [ip(`${m.bridge} down`, `link set ${m.bridge} up`)], fresh: false };
  const ops = br ? [ip(`${m.bridge} is a ${br.kind ?? "plain"} link, not a bridge`, `link del ${m.bridge}`)] : [];
  ops.push(ip(`bridge ${m.bridge} missing`, `link add ${m.bridge} type bridge`), ip(`bridge ${m.bridge} missing`, `link set ${m.bridge} up`));
  return { ops, fresh: true };
}

/** Ops for a port link (vxlan/vlan) of the bridge; `fresh` tells whether it is (re)created. */
function portOps(m: NetworkModel, host: HostNetState, name: string, isWanted: (l: LinkInfo) => boolean, addLine: string): { ops: Op[]; fresh: boolean } {
  const l = host.links.get(name);
  const enslave = (why: string): Op => ip(why, `link set ${name} master ${m.bridge} up`);
  if (l && isWanted(l)) {
    return { ops: l.master === m.bridge && l.isUp ? [] : [enslave(`${name} not up in ${m.bridge}`)], fresh: false };
  }
  const why = l ? `${name} differs from the spec` : `${name} missing`;
  return { ops: [...(l ? [ip(why, `link del ${name}`)] : []), ip(why, addLine), enslave(why)], fresh: true };
}

function fdbOps(v: VxlanModel, host: HostNetState, fresh: boolean): Op[] {
  if (v.group !== undefined) return [];
  const have = fresh ? [] : (host.fdb?.get(v.name) ?? []).filter((e) => e.mac === ZERO_MAC && e.dst !== undefined).map((e) => e.dst!);
  const stale = have.filter((d) => !v.peers.includes(d));
  const missing = v.peers.filter((p) => !have.includes(p));
  return [
    ...stale.map((d): Op => ({ why: `fdb ${v.name} -> ${d} stale`, tool: "bridge", line: `fdb del ${ZERO_MAC} dev ${v.name} dst ${d}` })),
    ...missing.map((d): Op => ({ why: `fdb ${v.name} -> ${d} missing`, tool: "bridge", line: `fdb append ${ZERO_MAC} dev ${v.name} dst ${d}` })),
  ];
}

function addressOps(m: NetworkModel, host: HostNetState, fresh: boolean): Op[] {
  const have = fresh ? [] : (host.links.get(m.bridge)?.addresses ?? []).filter((a) => a.family === "inet" && a.scope === "global").map((a) => `${a.address}/${a.prefix}`);
  const want = m.gateway ? [`${m.gateway.address}/${m.gateway.prefix}`] : [];
  return [
    ...have.filter((a) => !want.includes(a)).map((a) => ip(`address ${a} on ${m.bridge} stale`, `addr del ${a} dev ${m.bridge}`)),
    ...want.filter((a) => !have.includes(a)).map((a) => ip(`address ${a} on ${m.bridge} missing`, `addr add ${a} dev ${m.bridge}`)),
  ];
}

/**
 * The ops that make `host` hold network `m`: bridge up, its vxlan or vlan port enslaved and up
 * (re-created when its id, device, group, local address or port differ), fdb entries towards
 * the peers (head-end replication), the gateway address, the MASQUERADE rule (when `host.nat`
 * was read), and removal of the links of other types. An empty list means no drift.
 */
export function planNetwork(m: NetworkModel, host: HostNetState): Op[] {
  const br = bridgeOps(m, host);
  const ops: Op[] = [...br.ops];
  for (const name of m.unusedLinks) if (host.links.has(name)) ops.push(ip(`${name} not used by a ${m.type} network`, `link del ${name}`));
  if (m.vxlan) {
    const v = m.vxlan;
    const port = portOps(m, host, v.name, (l) => isVxlanAsWanted(l, v), vxlanAddLine(v));
    ops.push(...port.ops, ...fdbOps(v, host, port.fresh));
  }
  if (m.vlan) {
    const v = m.vlan;
    const wanted = (l: LinkInfo): boolean => l.kind === "vlan" && l.vlanId === v.id && l.parent === v.dev;
    ops.push(...portOps(m, host, v.name, wanted, `link add ${v.name} link ${v.dev} type vlan id ${v.id}`).ops);
  }
  ops.push(...addressOps(m, host, br.fresh));
  if (host.nat) ops.push(...natRuleOps(host.nat, m.key, m.masquerade ? [masqueradeRule(m.masquerade.cidr, m.masquerade.comment)] : []));
  return ops;
}

/** What a network identity may own on a node. */
export interface NetworkOwned {
  readonly key: string;
  readonly links: readonly string[];
}

/** The ops that remove every link of `owned` present on `host` and its nat rules (when `host.nat` was read). */
export function planNetworkRemoval(owned: NetworkOwned, host: HostNetState): Op[] {
  const ops = owned.links.filter((n) => host.links.has(n)).map((n) => ip(`${n} to be removed`, `link del ${n}`));
  if (host.nat) ops.push(...natRuleOps(host.nat, owned.key, []));
  return ops;
}
