/**
 * `nodectl doctor`: every prerequisite the drivers need on this node, each with what was seen
 * and how to fix it: binaries and versions, the accelerator, kernel support, the devices the
 * config names, directories and free space (the storage driver's own checks), Ceph, NATS
 * with the configured credentials, and clock skew when the agent knows the controller's time.
 */
import { stat } from "node:fs/promises";
import type { HostRunner } from "../host/host-runner.js";
import { storageDoctorChecks } from "../storage/doctor.js";
import { probeAccelerator } from "../vm/accelerator.js";
import type { AgentStatusSnapshot } from "./agent-status.js";
import { probeNats } from "./nats-check.js";
import type { NodectlTarget } from "./node-config.js";

/** One check; `required: false` ones are advice and never fail doctor. */
export interface DoctorResult {
  readonly name: string;
  readonly ok: boolean;
  readonly required: boolean;
  readonly detail: string;
  readonly fix?: string;
}

/** The binaries each driver runs, with the Debian package providing them. */
const BINARIES: ReadonlyArray<{ argv: [string, ...string[]]; pkg: string; ceph?: boolean }> = [
  { argv: ["qemu-system-x86_64", "--version"], pkg: "qemu-system-x86" },
  { argv: ["ip", "-V"], pkg: "iproute2" },
  { argv: ["bridge", "-V"], pkg: "iproute2" },
  { argv: ["iptables", "--version"], pkg: "iptables" },
  { argv: ["iptables-save", "--version"], pkg: "iptables" },
  { argv: ["iptables-restore", "--version"], pkg: "iptables" },
  { argv: ["genisoimage", "--version"], pkg: "genisoimage" },
  { argv: ["rbd", "--version"], pkg: "ceph-common", ceph: true },
];

async function binaryCheck(runner: HostRunner, b: (typeof BINARIES)[number]): Promise<DoctorResult> {
  const name = b.argv[0];
  try {
    const r = await runner.run({ argv: b.argv, timeoutMs: 10_000 });
    const line = (r.stdout.trim() || r.stderr.trim()).split("\n")[0] ?? "";
    if (r.exitCode === 0) return { name, ok: true, required: true, detail: line };
    return { name, ok: false, required: true, detail: `exit ${r.exitCode}: ${line}`, fix: `apt-get install ${b.pkg}` };
  } catch (e: unknown) {
    return { name, ok: false, required: true, detail: (e as Error).message, fix: `apt-get install ${b.pkg}` };
  }
}

async function kernelCheck(runner: HostRunner, module: string): Promise<DoctorResult> {
  const loaded = await stat(`/sys/module/${module}`).then(() => true, () => false);
  if (loaded) return { name: `kernel ${module}`, ok: true, required: true, detail: `${module} module loaded` };
  const r = await runner.run({ argv: ["modprobe", "-n", "-q", module] }).catch(() => ({ exitCode: 1 }));
  return r.exitCode === 0
    ? { name: `kernel ${module}`, ok: true, required: true, detail: `${module} module available (loaded on first use)` }
    : { name: `kernel ${module}`, ok: false, required: true, detail: `${module} module neither loaded nor available`, fix: `install the kernel modules package for $(uname -r), or build ${module} into the kernel` };
}

async function deviceCheck(runner: HostRunner, key: string, dev: string | undefined): Promise<DoctorResult[]> {
  if (dev === undefined) return [];
  const r = await runner.run({ argv: ["ip", "-j", "link", "show", "dev", dev] }).catch(() => ({ exitCode: 1, stderr: "ip failed" }));
  return [
    r.exitCode === 0
      ? { name: `device ${dev}`, ok: true, required: true, detail: `${key}.devName ${dev} present` }
      : { name: `device ${dev}`, ok: false, required: true, detail: `${key}.devName ${dev} not found on this node`, fix: `fix networkAgentConfig.${key}.devName in the agent config (see ip link)` },
  ];
}

function skewCheck(status: AgentStatusSnapshot | undefined): DoctorResult[] {
  const c = status?.controllerClockAt;
  if (!c) return [{ name: "clock skew", ok: true, required: false, detail: "controller time not known (agent not reachable or no message yet)" }];
  const skewMs = Date.parse(c.local) - Date.parse(c.controller);
  const ok = Math.abs(skewMs) < 5000;
  return [{ name: "clock skew", ok, required: false, detail: `${(skewMs / 1000).toFixed(1)} s against the controller`, ...(ok ? {} : { fix: "run an NTP client (chrony or systemd-timesyncd) on this node and the controller" }) }];
}

/** Runs every check; never throws. `status` is the agent's, when it answered. */
export async function runDoctor(opts: { target: NodectlTarget; runner: HostRunner; status?: AgentStatusSnapshot; natsTimeoutMs?: number }): Promise<DoctorResult[]> {
  const env = opts.target.env;
  const bins = await Promise.all(BINARIES.filter((b) => !b.ceph || env.ceph).map((b) => binaryCheck(opts.runner, b)));
  const accel = opts.status?.accelerator ?? (await probeAccelerator(opts.runner));
  const wantKvm = opts.target.accelerator === "kvm";
  // Before the storage checks: they create the storage dirs (and so the data dir) when missing.
  const dataDir = await dataDirCheck(env.dataDir);
  const storage = (await storageDoctorChecks(env, opts.runner)).map((c) => ({ ...c, required: true }));
  const nats = await probeNats(opts.target.nats, opts.natsTimeoutMs);
  return [
    ...bins,
    {
      name: "accelerator",
      ok: accel.accelerator === "kvm" || !wantKvm,
      required: wantKvm,
      detail: `${accel.accelerator.toUpperCase()}: ${accel.reason}`,
      ...(accel.accelerator === "kvm" ? {} : { fix: "VMs run under TCG (slow); for KVM enable VT-x/AMD-V (nested virtualization) and give the agent /dev/kvm" }),
    },
    await kernelCheck(opts.runner, "bridge"),
    await kernelCheck(opts.runner, "vxlan"),
    ...(await deviceCheck(opts.runner, "vxlan", env.vxlan?.devName)),
    ...(await deviceCheck(opts.runner, "vlan", env.vlan?.devName)),
    ...dataDir,
    ...storage,
    { name: "nats", ok: nats.ok, required: true, detail: nats.detail, ...(nats.ok ? {} : { fix: "check nats.url and the credentials in the agent config, and that the node can reach the server (firewall)" }) },
    ...skewCheck(opts.status),
  ];
}

async function dataDirCheck(dir: string): Promise<DoctorResult[]> {
  const s = await stat(dir).catch(() => undefined);
  return [
    s?.isDirectory()
      ? { name: "data dir", ok: true, required: true, detail: `${dir} exists` }
      : { name: "data dir", ok: false, required: true, detail: `${dir} does not exist`, fix: `create ${dir} (mode 0700, owned by root) or set dataDir in the agent config` },
  ];
}
