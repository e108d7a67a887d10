/**
 * Resolves a virtualmachine command into everything the driver acts on (pure): the runtime
 * directory and its files, taps and bridges, MACs, the seed input and the qemu argv.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import ipaddr from "ipaddr.js";
import { bridgeName, tapName } from "../../schemas/host-names.js";
import { parseBytes, parseVcpus } from "../../schemas/quantity.js";
import type { VirtualMachine } from "../../schemas/generated/virtualmachine.js";
import type { ResourceCommand } from "../../schemas/protocol-types.js";
import type { NodeEnvironment } from "../driver.js";
import type { SeedInput } from "./cloud-init.js";
import type { VmContext, VmDiskContext } from "./context.js";
import { deriveMac, deriveUuid, vmDirName } from "./identity.js";
import { buildQemuArgv, qemuIdentityArgv, type Accelerator, type QemuDisk, type QemuLaunch } from "./qemu-args.js";

/** A VM's spec as the schema has it. */
export type VmSpec = VirtualMachine["spec"];

/** Files of a VM under `<dataDir>/vms/<dir>/`. */
export interface VmPaths {
  readonly dir: string;
  readonly stateFile: string;
  readonly pidFile: string;
  readonly qmpSocket: string;
  readonly consoleLog: string;
  /** The serial console's socket; absent on disk for VMs started before it existed. */
  readonly consoleSocket: string;
  readonly seedDir: string;
  readonly seedIso: string;
}

/** Everything the driver needs for one VM. */
export interface VmLayout {
  readonly key: string;
  readonly uuid: string;
  readonly name: string;
  readonly powerOn: boolean;
  readonly autoRestart: boolean;
  /** `humops/restart-requested-at`: a value not handled yet reboots the running VM. */
  readonly restartRequestedAt?: string;
  readonly paths: VmPaths;
  readonly nics: readonly { readonly tap: string; readonly bridge: string; readonly mac: string; readonly networkID: string }[];
  readonly seed: SeedInput;
  readonly argv: [string, ...string[]];
  /** sha256 of the identity argv (qemu-args.ts): a running VM whose hash differs needs a restart to apply the change. */
  readonly argvHash: string;
}

/** Thrown for a command the driver can never apply as given (bad quantity, unsafe path): not retried. */
export class InvalidVmSpecError extends Error {
  override readonly name = "InvalidVmSpecError";
  readonly code = "INVALID_VM_SPEC" as const;
}

/** The runtime paths of a VM; refuses paths qemu's option syntax or unix sockets cannot take. */
export function vmPaths(dataDir: string, group: string, namespace: string, id: string): VmPaths {
  const dir = join(dataDir, "vms", vmDirName(group, namespace, id));
  if (dir.includes(",")) throw new InvalidVmSpecError(`data directory ${dataDir} contains ',', which qemu's options cannot hold`);
  const paths = vmPathsIn(dir);
  for (const sock of [paths.qmpSocket, paths.consoleSocket]) {
    if (Buffer.byteLength(sock) > 107) throw new InvalidVmSpecError(`socket path ${sock} is longer than a unix socket allows (107 bytes): use a shorter dataDir`);
  }
  return paths;
}

/** The files of a VM whose runtime directory is `dir`. */
export function vmPathsIn(dir: string): VmPaths {
  const p = (f: string) => join(dir, f);
  return { dir, stateFile: p("vm.json"), pidFile: p("qemu.pid"), qmpSocket: p("qmp.sock"), consoleLog: p("console.log"), consoleSocket: p("console.sock"), seedDir: p("seed"), seedIso: p("seed.iso") };
}

/** What of the node a VM's layout depends on: where its files go and how it reaches Ceph. */
export type VmHost = Pick<NodeEnvironment, "dataDir" | "ceph">;

/**
 * The disk as qemu opens it on this node. An RBD disk gets this node's Ceph config and client
 * id (blockStorageAgentConfig.cephBackend), never the command's: the controller cannot know
 * where a node keeps ceph.conf (issue #13).
 */
function qemuDisk(d: VmDiskContext, ceph: VmHost["ceph"]): QemuDisk {
  if (!d.rbd) return { blockStorageID: d.blockStorageID, format: d.format, ...(d.path !== undefined ? { path: d.path } : {}) };
  if (!ceph) throw new InvalidVmSpecError(`disk ${d.blockStorageID} is a Ceph RBD image, but this node's agent config has no blockStorageAgentConfig.cephBackend`);
  // qemu's rbd: filename separates options with ':' and -drive options with ','.
  if (/[,:]/.test(ceph.confPath)) throw new InvalidVmSpecError(`cephBackend.configPath ${ceph.confPath} contains ',' or ':', which qemu's rbd drive option cannot hold`);
  return { blockStorageID: d.blockStorageID, format: "raw", rbd: { pool: d.rbd.pool, image: d.rbd.image, confPath: ceph.confPath, ...(ceph.user ? { user: ceph.user } : {}) } };
}

/** Resolves `cmd` for this node. Throws InvalidVmSpecError on what can never work. */
export function resolveVmLayout(cmd: ResourceCommand, host: VmHost, accelerator: Accelerator): VmLayout {
  const spec = cmd.spec as unknown as VmSpec;
  const ctx = cmd.context as unknown as VmContext;
  const group = cmd.group ?? "";
  const ns = cmd.namespace ?? "";
  const uuid = spec.uuid ?? ctx.uuid ?? deriveUuid(cmd.key);
  const paths = vmPaths(host.dataDir, group, ns, cmd.id);
  const nics = (spec.nics ?? []).map((n, i) => ({
    tap: tapName(group, ns, cmd.id, i),
    bridge: bridgeName(group, ns, n.networkID),
    mac: (n.macAddress ?? deriveMac(cmd.key, i)).toLowerCase(),
    networkID: n.networkID,
  }));
  const seed: SeedInput = {
    uuid,
    hostname: spec.hostname ?? cmd.id,
    users: (spec.loginUsers ?? []).map((u) => ({ username: u.username, sshAuthorizedKeys: u.sshAuthorizedKeys ?? [] })),
    nics: (spec.nics ?? []).map((n, i) => ({
      mac: nics[i]!.mac,
      prefix: prefixOf(ctx, n.networkID),
      ...(n.ipv4Address ? { ipv4Address: n.ipv4Address } : {}),
      ...(n.defaultGateway ? { defaultGateway: n.defaultGateway } : {}),
      ...(n.nameservers ? { nameservers: n.nameservers } : {}),
    })),
  };
  const name = `hm-${vmDirName(group, ns, cmd.id).slice(0, 12)}`;
  const launch: QemuLaunch = {
    name,
    uuid,
    accelerator,
    vcpus: vcpusOf(spec),
    memoryMiB: memoryMiBOf(spec),
    disks: (ctx.disks ?? []).map((d) => qemuDisk(d, host.ceph)),
    nics: nics.map((n) => ({ tap: n.tap, mac: n.mac })),
    seedIso: paths.seedIso,
    consoleLog: paths.consoleLog,
    consoleSocket: paths.consoleSocket,
    qmpSocket: paths.qmpSocket,
    pidFile: paths.pidFile,
  };
  const argv = buildQemuArgv(launch);
  const argvHash = createHash("sha256").update(qemuIdentityArgv(launch).join("\0")).digest("hex");
  const autoRestart = cmd.annotations["humops/restart-policy"] === "Auto";
  const requested = cmd.annotations["humops/restart-requested-at"];
  const restart = requested !== undefined ? { restartRequestedAt: requested } : {};
  return { key: cmd.key, uuid, name, powerOn: spec.actionState !== "PowerOff", autoRestart, ...restart, paths, nics, seed, argv, argvHash };
}

function prefixOf(ctx: VmContext, networkID: string): number {
  const cidr = ctx.networks?.[networkID]?.ipv4CIDR;
  if (!cidr) throw new InvalidVmSpecError(`network ${networkID} is not in the command's context (the controller must resolve it)`);
  return ipaddr.parseCIDR(cidr)[1];
}

function vcpusOf(spec: VmSpec): number {
  const r = parseVcpus(spec.limitVcpus ?? spec.requestVcpus);
  if (!r.ok) throw new InvalidVmSpecError(`limitVcpus: ${r.message}`);
  return r.vcpus;
}

function memoryMiBOf(spec: VmSpec): number {
  const r = parseBytes(spec.limitMemory ?? spec.requestMemory);
  if (!r.ok) throw new InvalidVmSpecError(`limitMemory: ${r.message}`);
  const mib = Math.ceil(r.bytes / (1024 * 1024));
  if (mib < 16) throw new InvalidVmSpecError(`limitMemory ${String(spec.limitMemory)} is below qemu's 16 MiB minimum`);
  return mib;
}
