/**
 * The `systemv0/network` driver: Linux bridges, VXLAN (multicast or head-end replication) and
 * VLAN ports, the gateway address and the node's MASQUERADE rule. Every apply reads the host,
 * plans the difference and runs it batched, so it is idempotent and converges after drift or an
 * interrupted run. `applyMany`/`removeMany` do the same for many networks with one read and
 * one batch per tool. Calls on one instance run one at a time (see Serial).
 */
import type { DriverContext, NodeEnvironment, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import { MissingDeviceError } from "./errors.js";
import { readHostNetState } from "./host-state.js";
import type { HostNetState } from "./host-state.js";
import { networkLinkNames, networkModel } from "./network-model.js";
import type { NetworkModel } from "./network-model.js";
import { planNetwork, planNetworkRemoval } from "./network-plan.js";
import { NODE_NAT_CHAIN, natBaseOps } from "./node-nat.js";
import { commentOf } from "./parsers.js";
import type { Op } from "./ops.js";
import { runOps } from "./run-ops.js";
import { Serial } from "./serial.js";
import { invalidObserved } from "./invalid-observed.js";
import { roleOfName } from "../../schemas/host-names.js";

const API_TYPE = "systemv0/network" as const;

function observed(cmd: ResourceCommand, m: NetworkModel, drift: readonly string[], node: string): ObservedResource {
  const port = m.vxlan
    ? { vxlanName: m.vxlan.name, vni: m.vxlan.id, mode: m.vxlan.group !== undefined ? "multicast" : "static", peers: m.vxlan.peers }
    : m.vlan ? { vlanName: m.vlan.name, vlanId: m.vlan.id } : {};
  return {
    key: cmd.key,
    apiType: API_TYPE,
    state: drift.length === 0 ? "Available" : "Pending",
    generation: cmd.generation,
    ...(drift.length > 0 ? { reason: "Drifted", drift } : {}),
    details: { type: m.type, bridgeName: m.bridge, ...port, ...(m.gateway ? { gateway: `${m.gateway.address}/${m.gateway.prefix}` } : {}) },
    node,
    spec: cmd.spec,
  };
}

function checkUnderlay(models: readonly NetworkModel[], host: HostNetState, node: NodeEnvironment): void {
  for (const m of models) {
    const dev = m.vxlan?.dev ?? m.vlan?.dev;
    if (dev !== undefined && !host.links.has(dev)) {
      const key = m.vxlan ? "vxlan" : "vlan";
      throw new MissingDeviceError(dev, `${key} device ${dev} not found on node ${node.nodeName}; fix networkAgentConfig.${key}.devName`);
    }
  }
}

function planAll(models: readonly NetworkModel[], host: HostNetState): Op[] {
  const base = host.nat && models.some((m) => m.masquerade) ? natBaseOps(host.nat) : [];
  return [...base, ...models.flatMap((m) => planNetwork(m, host))];
}

/** Up to this many networks, an apply reads only their own links (see ReadOptions.devices). */
const SCOPED_READ_MAX = 8;

/** The links a network model involves: its own, those of other types to remove, the underlay device. */
function devicesOf(m: NetworkModel): string[] {
  return [m.bridge, ...(m.vxlan ? [m.vxlan.name, m.vxlan.dev] : []), ...(m.vlan ? [m.vlan.name, m.vlan.dev] : []), ...m.unusedLinks];
}

async function read(ctx: DriverContext, models: readonly NetworkModel[]): Promise<HostNetState> {
  const fdb = models.some((m) => m.vxlan !== undefined && m.vxlan.group === undefined);
  const scoped = models.length <= SCOPED_READ_MAX ? { devices: models.flatMap(devicesOf) } : {};
  return readHostNetState(ctx.runner, { fdb, nat: true, signal: ctx.signal, ...scoped });
}

/** The network driver (see file header). Stateless: all state is on the host. */
export class NetworkDriver implements ResourceDriver {
  readonly apiType = API_TYPE;
  readonly #serial = new Serial();

  /** Applies one network; see applyMany. */
  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    const [one] = await this.applyMany([cmd], ctx);
    return one!;
  }

  /**
   * Makes the node hold every network of `cmds` (one host read, one batch per tool, a re-read
   * when anything changed) and returns what is there afterwards, in order.
   * Throws NetSpecError/UnsafeNameError/InvalidAddressError (terminal: fix the manifest or the
   * context), MissingDeviceError and UnsupportedLinkTypeError (terminal for this node until its
   * config or kernel changes), CommandFailedError (transient: retry).
   */
  applyMany(cmds: readonly ResourceCommand[], ctx: DriverContext): Promise<ObservedResource[]> {
    return this.#serial.run(() => this.#applyMany(cmds, ctx));
  }

  async #applyMany(cmds: readonly ResourceCommand[], ctx: DriverContext): Promise<ObservedResource[]> {
    const models = cmds.map((c) => networkModel(c, ctx.node));
    let host = await read(ctx, models);
    checkUnderlay(models, host, ctx.node);
    const ops = planAll(models, host);
    if (ops.length > 0) {
      await runOps(ctx.runner, ops, { signal: ctx.signal });
      host = await read(ctx, models);
    }
    ctx.log.info({ networks: cmds.length, changes: ops.length }, "applied networks");
    return cmds.map((c, i) => observed(c, models[i]!, planNetwork(models[i]!, host).map((o) => o.why), ctx.node.nodeName));
  }

  /** Removes one network; see removeMany. */
  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    await this.removeMany([cmd], ctx);
  }

  /**
   * Removes the bridge, vxlan/vlan links and nat rules of every network of `cmds`; only the
   * identity (group, namespace, id, key) is used, so a command with a spec that no longer
   * validates can still be removed. Succeeds when nothing is left. Throws CommandFailedError.
   */
  removeMany(cmds: readonly ResourceCommand[], ctx: DriverContext): Promise<void> {
    return this.#serial.run(() => this.#removeMany(cmds, ctx));
  }

  async #removeMany(cmds: readonly ResourceCommand[], ctx: DriverContext): Promise<void> {
    const owned = cmds.map((c) => {
      const n = networkLinkNames(c);
      return { key: c.key, links: [n.vxlan, n.vlan, n.bridge] };
    });
    const scoped = cmds.length <= SCOPED_READ_MAX ? { devices: owned.flatMap((o) => o.links) } : {};
    const host = await readHostNetState(ctx.runner, { nat: true, signal: ctx.signal, ...scoped });
    const ops = owned.flatMap((o) => planNetworkRemoval(o, host));
    await runOps(ctx.runner, ops, { signal: ctx.signal });
    ctx.log.info({ networks: cmds.length, changes: ops.length }, "removed networks");
  }

  /**
   * Reports every known network (state Available, or Pending with `drift` = what an apply would
   * change) and, as orphans, humops bridges/vxlan/vlan links and HUMOPS-POSTROUTING rules that
   * no known command explains (`link NAME`, `nat-rule COMMENT`). Foreign objects are ignored.
   * A known command that cannot be modelled is reported as `Error`/`InvalidSpec`, not thrown.
   */
  async inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    const host = await readHostNetState(ctx.runner, { fdb: true, nat: true, signal: ctx.signal });
    const resources = known.map((c) => {
      let m: NetworkModel;
      try {
        m = networkModel(c, ctx.node);
      } catch (e: unknown) {
        return invalidObserved(c, e, ctx.node.nodeName);
      }
      const res = observed(c, m, planNetwork(m, host).map((o) => o.why), ctx.node.nodeName);
      return host.links.has(m.bridge) ? res : { ...res, reason: "NotFound" };
    });
    return { resources, orphans: networkOrphans(host, known) };
  }
}

/** Humops-named network links and humops nat rules on `host` that none of `known` explains. */
export function networkOrphans(host: HostNetState, known: readonly ResourceCommand[]): string[] {
  const names = new Set(known.flatMap((c) => Object.values(networkLinkNames(c))));
  const keys = new Set<string>(known.map((c) => c.key));
  const links = [...host.links.keys()].filter((n) => {
    const role = roleOfName(n);
    return (role === "bridge" || role === "vxlan" || role === "vlan") && !names.has(n);
  });
  const rules = (host.nat?.rules ?? [])
    .filter((r) => r.startsWith(`-A ${NODE_NAT_CHAIN} `))
    .map((r) => commentOf(r) ?? "")
    .filter((c) => !keys.has(c));
  return [...links.map((n) => `link ${n}`), ...rules.map((c) => `nat-rule ${c}`)];
}
