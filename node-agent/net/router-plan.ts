/**
 * Pure planners for virtual routers: the ops that make a node hold exactly a RouterModel
 * (namespace, veths, addresses, route, ip_forward, nat table), and those that remove a router.
 * Stale addresses and NIC veths inside the namespace are removed, so an update converges in place.
 */
import type { Command } from "../host/host-runner.js";
import type { HostNetState } from "./host-state.js";
import type { Op } from "./ops.js";
import type { LinkInfo } from "./parsers.js";
import { ROUTER_EXTERNAL_DEV } from "./router-nat.js";
import type { RouterModel } from "./router-model.js";

/** What the node and the router's namespace hold. */
export interface RouterHostState {
  /** The node's links. */
  readonly node: HostNetState;
  readonly netnsExists: boolean;
  /**
   * The namespace's /run/netns entry is left but no mount namespace on the machine holds it:
   * the agent that made it ran in a private mount namespace and died (issue #13). netnsExists
   * is false then: the entry must be removed before the namespace can be made again.
   */
  readonly deadEntry?: boolean;
  /** Links inside the namespace (undefined when it does not exist). */
  readonly inside?: HostNetState;
  /** The default gateway inside the namespace. */
  readonly gateway?: string;
  /** `net.ipv4.ip_forward` inside the namespace. */
  readonly ipForward?: string;
  /** The rule lines of the namespace's nat table (iptables-save). */
  readonly natRules?: readonly string[];
}

const nodeIp = (why: string, line: string): Op => ({ why, tool: "ip", line });

function inNs(netns: string): (why: string, line: string) => Op {
  return (why, line) => ({ why, tool: "ip", line, netns });
}

function execIn(netns: string, why: string, argv: readonly string[], stdin?: string): Op {
  const command: Command = { argv: ["ip", "netns", "exec", netns, ...argv] as [string, ...string[]], ...(stdin !== undefined ? { stdin } : {}) };
  return { why, tool: "exec", line: argv.join(" "), command };
}

/** Ops for one veth pair: host end `host` in `bridge`, router end `router` in the namespace. */
function vethOps(m: RouterModel, s: RouterHostState, pair: { host: string; router: string; bridge: string }): { ops: Op[]; fresh: boolean } {
  const h = s.node.links.get(pair.host);
  if (h?.kind === "veth") {
    const ok = h.master === pair.bridge && h.isUp;
    return { ops: ok ? [] : [nodeIp(`${pair.host} not up in ${pair.bridge}`, `link set ${pair.host} master ${pair.bridge} up`)], fresh: false };
  }
  // The two ends of a veth die together, so a missing host end means the router end is gone too.
  const why = `veth ${pair.host} missing`;
  const ops = [
    ...(h ? [nodeIp(`${pair.host} is not a veth`, `link del ${pair.host}`)] : []),
    nodeIp(why, `link add ${pair.host} type veth peer name ${pair.router} netns ${m.netns}`),
    nodeIp(why, `link set ${pair.host} master ${pair.bridge} up`),
  ];
  return { ops, fresh: true };
}

/** Ops inside the namespace for one router-side link: up, exactly `want` IPv4 addresses. */
function insideLinkOps(m: RouterModel, link: LinkInfo | undefined, name: string, want: readonly string[]): Op[] {
  const ip = inNs(m.netns);
  const have = (link?.addresses ?? []).filter((a) => a.family === "inet" && a.scope === "global").map((a) => `${a.address}/${a.prefix}`);
  return [
    ...(link?.isUp ? [] : [ip(`${name} down in ${m.netns}`, `link set ${name} up`)]),
    ...have.filter((a) => !want.includes(a)).map((a) => ip(`address ${a} on ${name} stale`, `addr del ${a} dev ${name}`)),
    ...want.filter((a) => !have.includes(a)).map((a) => ip(`address ${a} on ${name} missing`, `addr add ${a} dev ${name}`)),
  ];
}

function insideOps(m: RouterModel, s: RouterHostState, fresh: ReadonlySet<string>): Op[] {
  const links = s.inside?.links ?? new Map<string, LinkInfo>();
  const get = (n: string): LinkInfo | undefined => (fresh.has(n) ? undefined : links.get(n));
  const wanted = new Set(["lo", ROUTER_EXTERNAL_DEV, ...m.nics.map((n) => n.routerVeth)]);
  const ip = inNs(m.netns);
  return [
    ...[...links.keys()].filter((n) => !wanted.has(n)).map((n) => ip(`${n} in ${m.netns} stale`, `link del ${n}`)),
    ...(links.get("lo")?.isUp ? [] : [ip(`lo down in ${m.netns}`, "link set lo up")]),
    ...insideLinkOps(m, get(ROUTER_EXTERNAL_DEV), ROUTER_EXTERNAL_DEV, m.externalAddresses),
    ...m.nics.flatMap((n) => insideLinkOps(m, get(n.routerVeth), n.routerVeth, [n.address])),
  ];
}

/**
 * The ops that make the node hold router `m`. The external bridge and every NIC's bridge must
 * exist (the driver checks before planning). An empty list means no drift.
 */
export function planRouter(m: RouterModel, s: RouterHostState): Op[] {
  const ops: Op[] = [
    ...(s.deadEntry ? [{ why: `netns ${m.netns} is a dead entry (its namespace is gone)`, tool: "netns-clear" as const, line: m.netns }] : []),
    ...(s.netnsExists ? [] : [{ why: `netns ${m.netns} missing`, tool: "netns-add" as const, line: m.netns }]),
  ];
  const fresh = new Set<string>();
  const pairs = [{ host: m.externalVeth, router: ROUTER_EXTERNAL_DEV, bridge: m.externalBridge }, ...m.nics.map((n) => ({ host: n.hostVeth, router: n.routerVeth, bridge: n.bridge }))];
  for (const p of pairs) {
    const v = vethOps(m, s, p);
    ops.push(...v.ops);
    if (v.fresh) fresh.add(p.router);
  }
  ops.push(...insideOps(m, s, fresh));
  if (s.gateway !== m.gateway || fresh.has(ROUTER_EXTERNAL_DEV)) {
    ops.push(inNs(m.netns)(`default route via ${m.gateway} missing`, `route replace default via ${m.gateway} dev ${ROUTER_EXTERNAL_DEV}`));
  }
  if (s.ipForward !== "1") ops.push(execIn(m.netns, `ip_forward off in ${m.netns}`, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]));
  const same = s.natRules !== undefined && s.natRules.length === m.natRules.length && s.natRules.every((r, i) => r === m.natRules[i]);
  if (!same) ops.push(execIn(m.netns, `nat table of ${m.netns} differs`, ["iptables-restore", "-w"], m.natTable));
  return ops;
}

/**
 * The ops that remove a router: every link inside its namespace (which takes the host-side
 * veth ends with it, synchronously), host-side veths left without a namespace, the namespace
 * (or its dead entry).
 */
export function planRouterRemoval(netns: string, hostVeths: readonly string[], s: RouterHostState): Op[] {
  const inside = [...(s.inside?.links.values() ?? [])].filter((l) => l.kind === "veth").map((l) => inNs(netns)(`${l.name} to be removed`, `link del ${l.name}`));
  const peersGone = s.netnsExists ? new Set<string>() : new Set(hostVeths);
  const host = hostVeths.filter((v) => s.node.links.has(v) && (peersGone.has(v) || inside.length === 0)).map((v) => nodeIp(`${v} to be removed`, `link del ${v}`));
  const entry = s.netnsExists || s.deadEntry === true;
  return [...inside, ...host, ...(entry ? [{ why: `netns ${netns} to be removed`, tool: "netns-del" as const, line: netns }] : [])];
}
