/**
 * Starting, finding and stopping a VM's qemu process. qemu daemonizes (`-daemonize
 * -pidfile`), so VMs outlive the agent; a restarted agent adopts a VM by its pidfile and
 * checks over QMP that the process really is that VM (`query-uuid`), never by `ps | grep`.
 */
import { readFile, rm } from "node:fs/promises";
import { runChecked, type HostRunner } from "../host/host-runner.js";
import { isAlive } from "../host/process-liveness.js";
import { GUEST_AGENT_CHARDEV } from "./qemu-args.js";
import { openQmp, type QmpSession } from "./qmp-client.js";
import type { VmLayout, VmPaths } from "./vm-layout.js";

/** Opens a QMP session; injectable for tests. */
export type QmpOpener = (socketPath: string) => Promise<QmpSession>;

/** A running VM as found on the host. */
export interface RunningVm {
  readonly pid: number;
  /** QMP `query-status`: running, paused, shutdown... */
  readonly status: string;
  /** The guest has opened the guest agent channel (QMP `query-chardev` frontend-open): an agent listens there. */
  readonly guestAgentOpen: boolean;
}

/** Reads the pid from the pidfile; undefined when there is none or it is not a live qemu. */
export async function livePid(paths: VmPaths): Promise<number | undefined> {
  const text = await readFile(paths.pidFile, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  if (!isAlive(pid)) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return cmdline.startsWith("qemu-system") || cmdline.includes("/qemu-system") ? pid : undefined;
}

/**
 * Finds the VM's running qemu: a live pid from the pidfile whose QMP answers with the VM's
 * uuid. Undefined when not running; throws when a process holds the pidfile but is another VM.
 */
export async function findRunning(layout: Pick<VmLayout, "paths" | "uuid">, qmp: QmpOpener = openQmp): Promise<RunningVm | undefined> {
  const pid = await livePid(layout.paths);
  if (pid === undefined) return undefined;
  const s = await qmp(layout.paths.qmpSocket);
  try {
    const { UUID } = await s.execute<{ UUID: string }>("query-uuid");
    if (UUID.toLowerCase() !== layout.uuid.toLowerCase()) {
      throw new Error(`pid ${pid} from ${layout.paths.pidFile} is VM ${UUID}, not ${layout.uuid}`);
    }
    const { status } = await s.execute<{ status: string }>("query-status");
    const chardevs = await s.execute<Array<{ label: string; "frontend-open"?: boolean }>>("query-chardev").catch(() => []);
    const guestAgentOpen = chardevs.some((c) => c.label === GUEST_AGENT_CHARDEV && c["frontend-open"] === true);
    return { pid, status, guestAgentOpen };
  } finally {
    s.close();
  }
}

/** Creates the VM's taps on their bridges, then starts qemu (daemonized). */
export async function startVm(runner: HostRunner, layout: VmLayout): Promise<void> {
  for (const nic of layout.nics) {
    const br = await runner.run({ argv: ["ip", "link", "show", "dev", nic.bridge] });
    if (br.exitCode !== 0) throw new Error(`bridge ${nic.bridge} of network ${nic.networkID} is not on this node (the network must be applied first)`);
    await runner.run({ argv: ["ip", "link", "del", "dev", nic.tap] });
    await runChecked(runner, { argv: ["ip", "tuntap", "add", "dev", nic.tap, "mode", "tap"] });
    await runChecked(runner, { argv: ["ip", "link", "set", "dev", nic.tap, "master", nic.bridge] });
    await runChecked(runner, { argv: ["ip", "link", "set", "dev", nic.tap, "up"] });
  }
  await rm(layout.paths.pidFile, { force: true });
  await rm(layout.paths.qmpSocket, { force: true });
  await rm(layout.paths.consoleSocket, { force: true });
  await rm(layout.paths.guestAgentSocket, { force: true });
  await runChecked(runner, { argv: layout.argv, timeoutMs: 60_000 });
}

/** How often stopVm presses the power button again while the guest runs. */
export const POWER_BUTTON_REPRESS_MS = 10_000;

/** How often a power-off wait reports its elapsed time. */
const PROGRESS_EVERY_MS = 1_000;

/** What a power-off wait tells and listens to (protocol 1.3 progress, supersede). */
export interface StopWatch {
  /** Called about every second with the seconds since the first press. */
  readonly progress?: (elapsedSeconds: number) => void;
  /** Aborted: the wait ends at once, throwing the signal's reason (the VM is left being powered down). */
  readonly signal?: AbortSignal;
}

/**
 * Stops a VM gracefully: the ACPI power button (`system_powerdown`), pressed again every
 * `repressMs` while the guest runs, then, after `timeoutMs`, qemu's own `quit` (a hard stop
 * through qemu, never a bare SIGKILL). The button is pressed again because a guest ignores it
 * until its handler listens (systemd-logind, acpid): a press during boot is lost, and one
 * press would leave such a guest to be quit (issue #13). Resolves true when the guest shut
 * itself down, false when it had to be quit. Throws QmpError when the first press fails.
 */
export async function stopVm(layout: Pick<VmLayout, "paths" | "uuid">, timeoutMs: number, qmp: QmpOpener = openQmp, repressMs = POWER_BUTTON_REPRESS_MS, watch: StopWatch = {}): Promise<boolean> {
  const pid = await livePid(layout.paths);
  if (pid === undefined) return true;
  const press = () => withQmp(qmp, layout.paths.qmpSocket, (s) => s.execute("system_powerdown"));
  await press();
  const started = Date.now();
  const end = started + timeoutMs;
  let pressedAt = started;
  for (;;) {
    watch.progress?.((Date.now() - started) / 1000);
    // Superseded (a delete of this VM, issue #11): stop waiting; the newer command stops it itself
    // (the button again, then quit after its own timeout), so the guest still gets a clean chance.
    watch.signal?.throwIfAborted();
    const next = Math.min(pressedAt + repressMs, end, Date.now() + PROGRESS_EVERY_MS);
    if (await waitExit(pid, Math.max(0, next - Date.now()))) return true;
    if (Date.now() >= end) break;
    if (Date.now() < pressedAt + repressMs) continue;
    pressedAt = Date.now();
    // qemu may be exiting between the check and the press: a failed re-press is not an error.
    await press().catch(() => undefined);
  }
  await withQmp(qmp, layout.paths.qmpSocket, (s) => s.execute("quit")).catch(() => undefined);
  if (await waitExit(pid, 10_000)) return false;
  process.kill(pid, "SIGTERM");
  await waitExit(pid, 10_000);
  return false;
}

/** How a reboot went: the guest shut down (or reset itself) on the ACPI power button, or it had to be reset. */
export type RebootMode = "AcpiPowerButton" | "Reset";

/**
 * Reboots a running VM in place (`humops/restart-requested-at`, docs/vms.md): the same qemu
 * process, the same disks. QMP has no ACPI reboot, so qemu is told to pause instead of exit
 * when the guest powers off (`set-action shutdown=pause`), the power button is pressed, and
 * once the guest has shut down (or reset itself) or `timeoutMs` passed, qemu resets the
 * machine and runs it again; the shutdown action is restored in every case.
 */
export async function rebootVm(layout: Pick<VmLayout, "paths">, timeoutMs: number, qmp: QmpOpener = openQmp): Promise<RebootMode> {
  return withQmp(qmp, layout.paths.qmpSocket, async (s) => {
    await s.execute("set-action", { shutdown: "pause" });
    try {
      await s.execute("system_powerdown");
      const end = Date.now() + timeoutMs;
      let mode: RebootMode = "Reset";
      while (Date.now() < end) {
        if (s.events().some((e) => e.event === "RESET" && e.data?.["guest"] === true)) return "AcpiPowerButton";
        if ((await s.execute<{ status: string }>("query-status")).status === "shutdown") {
          mode = "AcpiPowerButton";
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      await s.execute("system_reset");
      if ((await s.execute<{ status: string }>("query-status")).status !== "running") await s.execute("cont");
      return mode;
    } finally {
      await s.execute("set-action", { shutdown: "poweroff" });
    }
  });
}

/**
 * Finishes a reboot that was interrupted (the agent stopped while the guest was down and qemu
 * held it, QMP status `shutdown`): restores the shutdown action, resets and runs the machine.
 */
export async function finishHeldReboot(layout: Pick<VmLayout, "paths">, qmp: QmpOpener = openQmp): Promise<void> {
  await withQmp(qmp, layout.paths.qmpSocket, async (s) => {
    await s.execute("set-action", { shutdown: "poweroff" });
    await s.execute("system_reset");
    if ((await s.execute<{ status: string }>("query-status")).status !== "running") await s.execute("cont");
  });
}

/** Removes the VM's taps (ignores taps already gone). */
export async function removeTaps(runner: HostRunner, taps: readonly string[]): Promise<void> {
  for (const tap of taps) await runner.run({ argv: ["ip", "link", "del", "dev", tap] });
}

async function withQmp<T>(qmp: QmpOpener, sock: string, fn: (s: QmpSession) => Promise<T>): Promise<T> {
  const s = await qmp(sock);
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

async function waitExit(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
