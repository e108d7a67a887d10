/**
 * `nodectl inspect`: the host objects behind one resource, by the names humops derives from
 * its identity, and their live state read from the host now (links, namespaces, nat rules,
 * disk files or RBD images, the qemu process and its command line from /proc).
 */
import { readFile, stat } from "node:fs/promises";
import type { DriverContext, ResourceCommand } from "../driver.js";
import { readHostNetState } from "../net/host-state.js";
import { networkLinkNames } from "../net/network-model.js";
import { ownedRules } from "../net/node-nat.js";
import type { LinkInfo } from "../net/parsers.js";
import { readRouterState } from "../net/router-driver.js";
import { routerNetns, routerVethNames } from "../net/router-model.js";
import { backendFor } from "../storage/disk-observed.js";
import { parseDiskSpec } from "../storage/disk-spec.js";
import { entityPath } from "../storage/layout.js";
import { vmPaths } from "../vm/vm-layout.js";
import { tapName } from "../../schemas/host-names.js";

/** One host object behind a resource. */
export interface HostObject {
  /** bridge, vxlan, vlan, veth, tap, netns, nat-rule, disk, image, vm-dir, process, file. */
  readonly type: string;
  readonly name: string;
  readonly exists: boolean;
  /** What the host says about it now (link flags, addresses, sizes, pid, cmdline...). */
  readonly live: Readonly<Record<string, unknown>>;
}

function linkObject(type: string, name: string, links: ReadonlyMap<string, LinkInfo>): HostObject {
  const l = links.get(name);
  if (!l) return { type, name, exists: false, live: {} };
  const live = { kind: l.kind ?? null, up: l.isUp, master: l.master ?? null, addresses: l.addresses.map((a) => `${a.address}/${a.prefix}`), ...(l.vxlan ? { vxlan: l.vxlan } : {}), ...(l.vlanId !== undefined ? { vlanId: l.vlanId } : {}) };
  return { type, name, exists: true, live };
}

async function networkObjects(cmd: ResourceCommand, ctx: DriverContext): Promise<HostObject[]> {
  const host = await readHostNetState(ctx.runner, { nat: true, signal: ctx.signal });
  const n = networkLinkNames(cmd);
  const type = cmd.annotations["networkv0/network_type"] ?? "Bridge";
  const objs = [linkObject("bridge", n.bridge, host.links)];
  if (type === "VXLAN") objs.push(linkObject("vxlan", n.vxlan, host.links));
  if (type === "VLAN") objs.push(linkObject("vlan", n.vlan, host.links));
  for (const r of host.nat ? ownedRules(host.nat, cmd.key) : []) objs.push({ type: "nat-rule", name: r, exists: true, live: { table: "nat" } });
  return objs;
}

async function routerObjects(cmd: ResourceCommand, ctx: DriverContext): Promise<HostObject[]> {
  const netns = routerNetns(cmd);
  const s = await readRouterState(ctx.runner, netns);
  const inside = [...(s.inside?.links.values() ?? [])].map((l) => `${l.name}${l.addresses.length ? ` ${l.addresses.map((a) => `${a.address}/${a.prefix}`).join(",")}` : ""}`);
  const objs: HostObject[] = [{ type: "netns", name: netns, exists: s.netnsExists, live: s.netnsExists ? { links: inside, gateway: s.gateway ?? null, ipForward: s.ipForward ?? null } : {} }];
  objs.push(linkObject("veth", routerVethNames(netns).host, s.node.links));
  const nics = Array.isArray(cmd.spec["nics"]) ? (cmd.spec["nics"] as Array<{ networkID?: unknown }>) : [];
  for (const nic of nics) if (typeof nic.networkID === "string") objs.push(linkObject("veth", routerVethNames(netns, nic.networkID).host, s.node.links));
  for (const r of s.natRules ?? []) objs.push({ type: "nat-rule", name: r, exists: true, live: { table: "nat", netns } });
  return objs;
}

async function diskObjects(cmd: ResourceCommand, ctx: DriverContext): Promise<HostObject[]> {
  const spec = parseDiskSpec(cmd);
  const backend = backendFor(spec.type, ctx.node, ctx.runner);
  const info = await backend.inspect(spec.disk, ctx.signal);
  const name = info?.location ?? (spec.type === "Local" ? `${ctx.node.blockStorageDir}/${spec.disk.group}/${spec.disk.namespace}/${spec.disk.id}.qcow2` : `rbd:${ctx.node.ceph?.pool ?? "?"}/(${spec.disk.id})`);
  return [{ type: "disk", name, exists: info !== undefined, live: info ? { ...info, heldBy: info.heldBy ?? null, allocatedBytes: info.allocatedBytes ?? null } : {} }];
}

async function entityObjects(cmd: ResourceCommand, ctx: DriverContext): Promise<HostObject[]> {
  const p = entityPath(ctx.node.imageDir, { group: cmd.group ?? "", id: cmd.id });
  const st = await stat(p).catch(() => undefined);
  return [{ type: "image", name: p, exists: st !== undefined, live: st ? { sizeBytes: st.size, modifiedAt: st.mtime.toISOString() } : {} }];
}

async function processObject(pidFile: string): Promise<HostObject> {
  const pid = Number.parseInt((await readFile(pidFile, "utf8").catch(() => "")).trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) return { type: "process", name: "qemu", exists: false, live: { pidFile } };
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const argv = cmdline.split("\0").filter((a) => a !== "");
  return { type: "process", name: `qemu pid ${pid}`, exists: argv.length > 0, live: { pid, pidFile, cmdline: argv } };
}

async function vmObjects(cmd: ResourceCommand, ctx: DriverContext): Promise<HostObject[]> {
  const paths = vmPaths(ctx.node.dataDir, cmd.group ?? "", cmd.namespace ?? "", cmd.id);
  const dir = await stat(paths.dir).catch(() => undefined);
  const log = await stat(paths.consoleLog).catch(() => undefined);
  const links = (await readHostNetState(ctx.runner, { signal: ctx.signal })).links;
  const nics = Array.isArray(cmd.spec["nics"]) ? (cmd.spec["nics"] as unknown[]) : [];
  return [
    { type: "vm-dir", name: paths.dir, exists: dir !== undefined, live: {} },
    await processObject(paths.pidFile),
    ...nics.map((_, i) => linkObject("tap", tapName(cmd.group ?? "", cmd.namespace ?? "", cmd.id, i), links)),
    { type: "file", name: paths.consoleLog, exists: log !== undefined, live: log ? { sizeBytes: log.size } : {} },
    { type: "file", name: paths.qmpSocket, exists: (await stat(paths.qmpSocket).catch(() => undefined)) !== undefined, live: {} },
  ];
}

/**
 * The host objects of `cmd` and their live state. Throws when the host cannot be read
 * (CommandFailedError) or the command cannot name its objects (the driver's spec errors).
 */
export async function hostObjectsOf(cmd: ResourceCommand, ctx: DriverContext): Promise<HostObject[]> {
  switch (cmd.apiType) {
    case "systemv0/network":
      return networkObjects(cmd, ctx);
    case "systemv0/virtualrouter":
      return routerObjects(cmd, ctx);
    case "systemv0/blockstorage":
      return diskObjects(cmd, ctx);
    case "systemv0/imageentity":
      return entityObjects(cmd, ctx);
    case "systemv0/virtualmachine":
      return vmObjects(cmd, ctx);
    default:
      return [];
  }
}

