/**
 * The qemu command line of a VM (pure). Everything comes from checked data: sizes are
 * integers, names are host-names.ts names, paths are the driver's own.
 */
import type { VmDiskContext } from "./context.js";

/** The accelerator a node really has (probed, not guessed from /dev/kvm). */
export type Accelerator = "kvm" | "tcg";

/** What the qemu command line is made of. */
export interface QemuLaunch {
  readonly name: string;
  readonly uuid: string;
  readonly accelerator: Accelerator;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly disks: readonly VmDiskContext[];
  readonly nics: readonly { readonly tap: string; readonly mac: string }[];
  readonly seedIso: string;
  readonly consoleLog: string;
  readonly qmpSocket: string;
  readonly pidFile: string;
}

/** The argv of `qemu-system-x86_64` for `l`; daemonizes, so the VM outlives the agent. */
export function buildQemuArgv(l: QemuLaunch): [string, ...string[]] {
  return [
    "qemu-system-x86_64",
    "-name", `guest=${l.name},process=${l.name}`,
    "-uuid", l.uuid,
    "-accel", l.accelerator,
    "-machine", "pc",
    "-cpu", l.accelerator === "kvm" ? "host" : "max",
    "-smp", String(l.vcpus),
    "-m", `${l.memoryMiB}M`,
    "-nodefaults", "-no-user-config",
    "-display", "none",
    "-chardev", `file,id=console0,path=${l.consoleLog},append=on`,
    "-serial", "chardev:console0",
    "-qmp", `unix:${l.qmpSocket},server=on,wait=off`,
    "-pidfile", l.pidFile,
    "-daemonize",
    ...l.disks.flatMap((d, i) => ["-drive", driveSpec(d, i)]),
    "-drive", `file=${l.seedIso},if=virtio,format=raw,readonly=on,id=seed`,
    ...l.nics.flatMap((n, i) => [
      "-netdev", `tap,id=net${i},ifname=${n.tap},script=no,downscript=no`,
      "-device", `virtio-net-pci,netdev=net${i},mac=${n.mac}`,
    ]),
  ];
}

/** The virtio-serial channel qemu-guest-agent talks on (`org.qemu.guest_agent.0`), as chardev `qga0` on `socketPath`. */
export function guestAgentArgs(socketPath: string): string[] {
  return [
    "-chardev", `socket,id=${GUEST_AGENT_CHARDEV},path=${socketPath},server=on,wait=off`,
    "-device", "virtio-serial-pci,id=vser0",
    "-device", `virtserialport,bus=vser0.0,chardev=${GUEST_AGENT_CHARDEV},name=org.qemu.guest_agent.0`,
  ];
}

/** The chardev id of the guest agent channel (QMP `query-chardev` reports whether the guest opened it). */
export const GUEST_AGENT_CHARDEV = "qga0";

function driveSpec(d: VmDiskContext, index: number): string {
  if (d.rbd) {
    const user = d.rbd.user ? `:id=${d.rbd.user}` : "";
    return `file=rbd:${d.rbd.pool}/${d.rbd.image}:conf=${d.rbd.confPath}${user},if=virtio,format=raw,id=disk${index}`;
  }
  if (!d.path) throw new Error(`disk ${d.blockStorageID} has neither a path nor an RBD image`);
  return `file=${d.path},if=virtio,format=${d.format},id=disk${index}`;
}
