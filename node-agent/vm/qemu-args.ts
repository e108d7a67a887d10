/**
 * The qemu command line of a VM (pure). Everything comes from checked data: sizes are
 * integers, names are host-names.ts names, paths are the driver's own.
 */

/** A disk as qemu opens it: a local image file, or an RBD image with the node's Ceph client. */
export interface QemuDisk {
  readonly blockStorageID: string;
  readonly path?: string;
  readonly rbd?: { readonly pool: string; readonly image: string; readonly confPath: string; readonly user?: string };
  readonly format: "qcow2" | "raw";
}

/** The accelerator a node really has (probed, not guessed from /dev/kvm). */
export type Accelerator = "kvm" | "tcg";

/** What the qemu command line is made of. */
export interface QemuLaunch {
  readonly name: string;
  readonly uuid: string;
  readonly accelerator: Accelerator;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly disks: readonly QemuDisk[];
  readonly nics: readonly { readonly tap: string; readonly mac: string }[];
  readonly seedIso: string;
  readonly consoleLog: string;
  /** The serial console's unix socket (`nodectl console VM` attaches to it). */
  readonly consoleSocket: string;
  readonly qmpSocket: string;
  readonly pidFile: string;
}

/**
 * The argv of `qemu-system-x86_64` for `l`; daemonizes, so the VM outlives the agent. The
 * serial console is a unix socket server (one interactive client at a time) that qemu also
 * logs to `consoleLog`, whether a client is attached or not.
 */
export function buildQemuArgv(l: QemuLaunch): [string, ...string[]] {
  return argvWithConsole(l, `socket,id=console0,path=${l.consoleSocket},server=on,wait=off,logfile=${l.consoleLog},logappend=on`);
}

/**
 * The argv that says what the VM is, for its hash (a differing hash asks for a restart): the
 * console as the log-only chardev VMs had before the console socket, so that how the console
 * is reached never makes running VMs restart or report `restartRequired` (docs/vms.md).
 */
export function qemuIdentityArgv(l: QemuLaunch): [string, ...string[]] {
  return argvWithConsole(l, `file,id=console0,path=${l.consoleLog},append=on`);
}

function argvWithConsole(l: QemuLaunch, consoleChardev: string): [string, ...string[]] {
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
    "-chardev", consoleChardev,
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

function driveSpec(d: QemuDisk, index: number): string {
  if (d.rbd) {
    const user = d.rbd.user ? `:id=${d.rbd.user}` : "";
    return `file=rbd:${d.rbd.pool}/${d.rbd.image}:conf=${d.rbd.confPath}${user},if=virtio,format=raw,id=disk${index}`;
  }
  if (!d.path) throw new Error(`disk ${d.blockStorageID} has neither a path nor an RBD image`);
  return `file=${d.path},if=virtio,format=${d.format},id=disk${index}`;
}
