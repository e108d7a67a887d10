/**
 * The `systemv0/virtualrouter` driver: one network namespace per router, joined to the pool's
 * external bridge and to each NIC's network bridge by veth pairs, with NAT (1:1 for external
 * IPs, SNAT to natGatewayIP, port forwards) written atomically by iptables-restore. Every apply
 * reads the node and the namespace, plans the difference and runs it, so it converges.
 *
 * A dead namespace entry (issue #13): an agent run inside `ip netns exec NODE` pins its routers
 * in its own private mount namespace; killed, it leaves /run/netns/NAME as an empty file that
 * every `ip -n NAME` refuses with "Invalid argument". Such an entry is removed and the router
 * built again, once /proc shows that no mount namespace on the machine holds it (from here, a
 * router of another agent on this machine looks the same: that one is left alone).
 */
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { runChecked } from "../host/host-runner.js";
import { CommandFailedError } from "../host/errors.js";
import { mountedNetnsEntries } from "../host/netns-mounts.js";
import { roleOfName } from "../../schemas/host-names.js";
import { MissingDeviceError, NetnsHeldElsewhereError } from "./errors.js";
import { readHostNetState } from "./host-state.js";
import { parseDefaultGateway, parseIptablesSave, parseNetnsListJson } from "./parsers.js";
import { routerModel, routerNetns, routerVethNames } from "./router-model.js";
import type { RouterModel } from "./router-model.js";
import { planRouter, planRouterRemoval } from "./router-plan.js";
import type { RouterHostState } from "./router-plan.js";
import { runOps } from "./run-ops.js";
import { invalidObserved } from "./invalid-observed.js";

const API_TYPE = "systemv0/virtualrouter" as const;

async function listNetns(runner: HostRunner, signal?: AbortSignal): Promise<string[]> {
  return parseNetnsListJson((await runChecked(runner, { argv: ["ip", "-j", "netns", "list"] }, signal ? { signal } : {})).stdout);
}

/** The /run/netns entries some mount namespace on the machine holds (mountedNetnsEntries; a fake in unit tests). */
export type NetnsMounts = () => ReadonlySet<string> | Promise<ReadonlySet<string>>;

/** True when `ip` could not enter listed namespace `netns` because its entry is a plain file (setns: EINVAL). */
function isUnenterable(e: unknown, netns: string): boolean {
  return e instanceof CommandFailedError && e.stderr.includes(`setting the network namespace "${netns}" failed: Invalid argument`);
}

async function readInside(runner: HostRunner, netns: string, signal?: AbortSignal): Promise<Omit<RouterHostState, "node" | "netnsExists">> {
  const ro = signal ? { signal } : {};
  const exec = (...argv: string[]) => runChecked(runner, { argv: ["ip", "netns", "exec", netns, ...argv] as [string, ...string[]] }, ro);
  const [inside, route, fwd, nat] = await Promise.all([
    readHostNetState(runner, { netns, ...ro }),
    runChecked(runner, { argv: ["ip", "-n", netns, "-j", "route", "show", "default"] }, ro),
    exec("sysctl", "-n", "net.ipv4.ip_forward"),
    exec("iptables-save", "-t", "nat"),
  ]);
  const gateway = parseDefaultGateway(route.stdout);
  return {
    inside,
    ...(gateway !== undefined ? { gateway } : {}),
    ipForward: fwd.stdout.trim(),
    natRules: parseIptablesSave(nat.stdout)["nat"]?.rules ?? [],
  };
}

/**
 * Reads the node's links (only `nodeDevices` when given: see ReadOptions.devices) and, when it
 * exists, the router namespace's links, route, ip_forward and nat table. A listed namespace
 * that cannot be entered and that no mount namespace holds is reported as `deadEntry`.
 * Throws NetnsHeldElsewhereError when another mount namespace holds it, CommandFailedError
 * when a read fails.
 */
export async function readRouterState(
  runner: HostRunner,
  netns: string,
  opts: { signal?: AbortSignal; nodeDevices?: readonly string[]; netnsMounts?: NetnsMounts } = {},
): Promise<RouterHostState> {
  const signal = opts.signal;
  const ro = signal ? { signal } : {};
  const scoped = opts.nodeDevices ? { devices: opts.nodeDevices } : {};
  const [node, all] = await Promise.all([readHostNetState(runner, { ...ro, ...scoped }), listNetns(runner, signal)]);
  if (!all.includes(netns)) return { node, netnsExists: false };
  try {
    return { node, netnsExists: true, ...(await readInside(runner, netns, signal)) };
  } catch (e: unknown) {
    if (!isUnenterable(e, netns)) throw e;
    if ((await (opts.netnsMounts ?? mountedNetnsEntries)()).has(netns)) throw new NetnsHeldElsewhereError(netns, { cause: e });
    return { node, netnsExists: false, deadEntry: true };
  }
}

/** The node-side links a router involves: the bridges it plugs into and its host-side veths. */
function nodeDevicesOf(m: RouterModel): string[] {
  return [m.externalBridge, m.externalVeth, ...m.nics.flatMap((n) => [n.bridge, n.hostVeth])];
}

function checkBridges(m: RouterModel, s: RouterHostState, nodeName: string): void {
  if (s.node.links.get(m.externalBridge)?.kind !== "bridge") {
    throw new MissingDeviceError(m.externalBridge, `external bridge ${m.externalBridge} not found on node ${nodeName}; create it or fix the pool's bridgeName`);
  }
  for (const n of m.nics) {
    if (s.node.links.get(n.bridge)?.kind !== "bridge") {
      throw new MissingDeviceError(n.bridge, `bridge ${n.bridge} of network ${n.networkID} not found on node ${nodeName}; the network must be applied on this node first`);
    }
  }
}

function observed(cmd: ResourceCommand, m: RouterModel, drift: readonly string[], node: string): ObservedResource {
  return {
    key: cmd.key,
    apiType: API_TYPE,
    state: drift.length === 0 ? "Running" : "Pending",
    generation: cmd.generation,
    ...(drift.length > 0 ? { reason: "Drifted", drift } : {}),
    details: {
      netns: m.netns,
      externalBridge: m.externalBridge,
      externalVeth: m.externalVeth,
      externalAddresses: m.externalAddresses,
      nics: m.nics.map((n) => ({ networkID: n.networkID, bridgeName: n.bridge, hostVeth: n.hostVeth, address: n.address })),
    },
    node,
    spec: cmd.spec,
  };
}

/** The virtual router driver (see file header). Stateless: all state is on the host. */
export class RouterDriver implements ResourceDriver {
  readonly apiType = API_TYPE;
  readonly #mountNsPid: number;
  readonly #netnsMounts: NetnsMounts;

  /**
   * `mountNsPid`: whose mount namespace router namespaces are created in (see mountNsPrefix);
   * default this process. `netnsMounts`: which entries the machine's mount namespaces hold;
   * default read from /proc.
   */
  constructor(opts: { mountNsPid?: number; netnsMounts?: NetnsMounts } = {}) {
    this.#mountNsPid = opts.mountNsPid ?? process.pid;
    this.#netnsMounts = opts.netnsMounts ?? mountedNetnsEntries;
  }

  /**
   * Makes the node hold the router and returns what is there afterwards.
   * Throws NetSpecError/UnsafeNameError/InvalidAddressError (terminal: fix manifest or context),
   * MissingDeviceError (external bridge or a network bridge missing on the node: the reason says
   * which; retry once the node or the network is fixed), NetnsHeldElsewhereError (another
   * agent on this machine holds the namespace: transient), CommandFailedError (transient).
   * A dead namespace entry is removed and the router built again.
   */
  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    const m = routerModel(cmd);
    const read = { signal: ctx.signal, nodeDevices: nodeDevicesOf(m), netnsMounts: this.#netnsMounts };
    let s = await readRouterState(ctx.runner, m.netns, read);
    checkBridges(m, s, ctx.node.nodeName);
    if (s.deadEntry) ctx.log.warn({ resource: cmd.key, netns: m.netns }, "router netns entry is dead (its agent was killed); rebuilding the router");
    const ops = planRouter(m, s);
    if (ops.length > 0) {
      await runOps(ctx.runner, ops, { signal: ctx.signal, mountNsPid: this.#mountNsPid });
      s = await readRouterState(ctx.runner, m.netns, read);
    }
    ctx.log.info({ resource: cmd.key, changes: ops.length }, "applied router");
    return observed(cmd, m, planRouter(m, s).map((o) => o.why), ctx.node.nodeName);
  }

  /** Removes the router's veths and namespace (and so its nat table); succeeds when already gone. Throws CommandFailedError. */
  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    const netns = routerNetns(cmd);
    let nicVeths: string[] = [];
    try {
      nicVeths = routerModel(cmd).nics.map((n) => n.hostVeth);
    } catch (e: unknown) {
      // An invalid spec still names its namespace: remove what the identity alone gives.
      ctx.log.warn({ resource: cmd.key, err: e }, "router spec unreadable on removal; removing by identity");
    }
    const hostVeths = [routerVethNames(netns).host, ...nicVeths];
    const s = await readRouterState(ctx.runner, netns, { signal: ctx.signal, nodeDevices: hostVeths, netnsMounts: this.#netnsMounts });
    const ops = planRouterRemoval(netns, hostVeths, s);
    await runOps(ctx.runner, ops, { signal: ctx.signal, mountNsPid: this.#mountNsPid });
    ctx.log.info({ resource: cmd.key, changes: ops.length }, "removed router");
  }

  /**
   * Reports every known router (Running, or Pending with `drift`) and, as orphans, router
   * namespaces of this node (their external veth is on it), dead router namespace entries
   * (whichever node left them) and router veths no known command explains (`netns NAME`,
   * `link NAME`).
   */
  async inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    const resources: ObservedResource[] = [];
    const explained = new Set<string>();
    for (const cmd of known) {
      explained.add(routerNetns(cmd)).add(routerVethNames(routerNetns(cmd)).host);
      let m: RouterModel;
      try {
        m = routerModel(cmd);
      } catch (e: unknown) {
        resources.push(invalidObserved(cmd, e, ctx.node.nodeName));
        continue;
      }
      for (const n of m.nics) explained.add(n.hostVeth);
      let s: RouterHostState;
      try {
        s = await readRouterState(ctx.runner, m.netns, { signal: ctx.signal, nodeDevices: nodeDevicesOf(m), netnsMounts: this.#netnsMounts });
      } catch (e: unknown) {
        // One router held by another agent must not hide the others.
        if (!(e instanceof NetnsHeldElsewhereError)) throw e;
        resources.push({ ...observed(cmd, m, [e.message], ctx.node.nodeName), reason: "NetnsHeldElsewhere" });
        continue;
      }
      const res = observed(cmd, m, planRouter(m, s).map((o) => o.why), ctx.node.nodeName);
      resources.push(s.netnsExists ? res : { ...res, reason: "NotFound" });
    }
    const [node, all] = await Promise.all([readHostNetState(ctx.runner, { signal: ctx.signal }), listNetns(ctx.runner, ctx.signal)]);
    const unexplained = all.filter((n) => roleOfName(n) === "netns" && !explained.has(n));
    const netns = unexplained.filter((n) => node.links.has(routerVethNames(n).host));
    const dead = await this.#deadEntries(unexplained.filter((n) => !netns.includes(n)));
    const links = [...node.links.keys()].filter((n) => (roleOfName(n) === "routerExternalVeth" || roleOfName(n) === "routerNicVeth") && !explained.has(n));
    return { resources, orphans: [...[...netns, ...dead].map((n) => `netns ${n}`), ...links.map((n) => `link ${n}`)] };
  }

  /**
   * Of router entries not on this node, those no mount namespace on the machine holds: dead
   * entries (issue #13). Nobody owns them, so every agent of the machine reports them.
   */
  async #deadEntries(candidates: readonly string[]): Promise<string[]> {
    if (candidates.length === 0) return [];
    const mounted = await this.#netnsMounts();
    return candidates.filter((n) => !mounted.has(n));
  }
}
