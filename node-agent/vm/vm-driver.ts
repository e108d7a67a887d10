/**
 * The `systemv0/virtualmachine` driver: qemu with a cloud-init NoCloud seed, one tap per NIC
 * on its network's bridge, graceful power-off, reboots on request (`humops/restart-requested-at`),
 * adoption of running VMs after an agent restart.
 *
 * Runtime state lives in `<dataDir>/vms/<hash>/` (vm.json, qemu.pid, qmp.sock, qga.sock,
 * console.sock, console.log, seed/, seed.iso); see docs/vms.md. A running VM's details carry
 * what the guest says (`guest`, guest-facts.ts).
 */
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isHumopsName, roleOfName } from "../../schemas/host-names.js";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import { runChecked } from "../host/host-runner.js";
import { buildSeedIsoCommand, renderSeed } from "./cloud-init.js";
import type { Accelerator } from "./qemu-args.js";
import { resolveVmLayout, vmPaths, vmPathsIn, type VmLayout as Layout, type VmPaths } from "./vm-layout.js";
import { findRunning, finishHeldReboot, rebootVm, removeTaps, startVm, stopVm, type QmpOpener, type RebootMode, type RunningVm, type StopWatch } from "./vm-process.js";
import { readGuestFacts, type GuestFacts } from "./guest-facts.js";
import { openQmp } from "./qmp-client.js";

/** What the driver keeps in vm.json. */
interface VmState {
  readonly key: string;
  readonly uuid: string;
  readonly firstSeedDigest: string;
  /** sha256 of the qemu argv the running VM was started with (vm-layout.ts). */
  readonly argvHash?: string;
  readonly taps: readonly string[];
  readonly macs: readonly string[];
  /** A configuration change waits for a power cycle (kept so the inventory reports it too, not only the apply). */
  readonly restartRequired?: boolean;
  /** True when the agent stopped the VM (PowerOff or delete); false while it should run. */
  readonly stoppedByAgent: boolean;
  readonly bootTime?: string;
  /** Size of console.log when the running qemu started: its output follows (guest-facts.ts). */
  readonly consoleStart?: number;
  /** The first NIC's declared IPv4 address (`details.guest` shows it, marked declared, without a guest agent). */
  readonly declaredAddress?: string;
  readonly generation?: number;
  /** The last `humops/restart-requested-at` value handled: rebooted for, or recorded on a fresh boot. */
  readonly lastHandledRestartRequestedAt?: string;
  /** When and how the last requested reboot happened. */
  readonly lastRestart?: { readonly at: string; readonly mode: RebootMode };
}

/** Options of the VM driver. */
export interface VmDriverOptions {
  readonly accelerator: Accelerator;
  /** How long a guest gets to shut down after the power button before qemu is told to quit. */
  readonly powerOffTimeoutMs?: number;
  readonly qmp?: QmpOpener;
  /** How long a guest agent query may take (guest-facts.ts); default 2 s. */
  readonly guestAgentTimeoutMs?: number;
}

/** Drives qemu VMs on this node. */
export class VmDriver implements ResourceDriver {
  readonly apiType = "systemv0/virtualmachine" as const;
  readonly #accel: Accelerator;
  readonly #timeoutMs: number;
  readonly #qmp: QmpOpener;
  readonly #guestAgentTimeoutMs: number;

  constructor(opts: VmDriverOptions) {
    this.#accel = opts.accelerator;
    this.#timeoutMs = opts.powerOffTimeoutMs ?? 60_000;
    this.#qmp = opts.qmp ?? openQmp;
    this.#guestAgentTimeoutMs = opts.guestAgentTimeoutMs ?? 2000;
  }

  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    const layout = resolveVmLayout(cmd, ctx.node, this.#accel);
    await mkdir(layout.paths.seedDir, { recursive: true });
    const prev = await readState(layout.paths.stateFile);
    const seedDigest = await this.#writeSeed(layout, prev, ctx);
    let running = await findRunning(layout, this.#qmp);
    if (running?.status === "shutdown") {
      // Only a reboot holds a powered-off guest (rebootVm); an agent stopped meanwhile left it so.
      ctx.log.warn({ resource: cmd.key }, "finishing an interrupted reboot");
      await finishHeldReboot(layout, this.#qmp);
      running = await findRunning(layout, this.#qmp);
    }
    let restartRequired = false;
    if (!layout.powerOn) {
      if (running) await stopVm(layout, this.#timeoutMs, this.#qmp, undefined, powerOffWatch(ctx));
      await removeTaps(ctx.runner, layout.nics.map((n) => n.tap));
      running = undefined;
    } else if (running && prev?.argvHash !== layout.argvHash) {
      if (layout.autoRestart) {
        ctx.log.info({ resource: cmd.key }, "restarting VM to apply its new configuration");
        await stopVm(layout, this.#timeoutMs, this.#qmp, undefined, powerOffWatch(ctx));
        running = undefined;
      } else {
        restartRequired = true;
      }
    }
    let bootTime = prev?.bootTime;
    let consoleStart = prev?.consoleStart;
    const booted = layout.powerOn && !running;
    if (booted) {
      consoleStart = await stat(layout.paths.consoleLog).then((st) => st.size, () => 0);
      await startVm(ctx.runner, layout);
      bootTime = new Date().toISOString();
      running = await findRunning(layout, this.#qmp);
    }
    const restart = await this.#handleRestartRequest(layout, prev, running !== undefined && !booted, ctx);
    if (restart.lastRestart !== prev?.lastRestart) running = await findRunning(layout, this.#qmp);
    const state: VmState = {
      key: cmd.key,
      uuid: layout.uuid,
      firstSeedDigest: prev?.firstSeedDigest ?? seedDigest,
      argvHash: restartRequired ? prev?.argvHash ?? layout.argvHash : layout.argvHash,
      taps: layout.nics.map((n) => n.tap),
      macs: layout.nics.map((n) => n.mac),
      stoppedByAgent: !layout.powerOn,
      ...(restartRequired ? { restartRequired: true } : {}),
      ...(bootTime ? { bootTime } : {}),
      ...(consoleStart !== undefined ? { consoleStart } : {}),
      ...(layout.seed.nics[0]?.ipv4Address ? { declaredAddress: layout.seed.nics[0].ipv4Address } : {}),
      generation: cmd.generation,
      ...restart,
    };
    await writeFile(layout.paths.stateFile, JSON.stringify(state, null, 2));
    return this.#observe(cmd.key, state, layout.paths, running, restartRequired);
  }

  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    const paths = vmPaths(ctx.node.dataDir, cmd.group ?? "", cmd.namespace ?? "", cmd.id);
    const state = await readState(paths.stateFile);
    if (state) {
      await stopVm({ paths, uuid: state.uuid }, this.#timeoutMs, this.#qmp, undefined, powerOffWatch(ctx));
      await removeTaps(ctx.runner, state.taps);
    }
    await rm(paths.dir, { recursive: true, force: true });
  }

  async inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    const root = join(ctx.node.dataDir, "vms");
    const dirs = await readdir(root).catch(() => [] as string[]);
    const knownKeys = new Set(known.map((k) => k.key));
    const resources: ObservedResource[] = [];
    const orphans: string[] = [];
    const ownTaps = new Set<string>();
    for (const d of dirs) {
      const paths = vmPathsIn(join(root, d));
      const state = await readState(paths.stateFile);
      if (!state) continue;
      state.taps.forEach((t) => ownTaps.add(t));
      if (!knownKeys.has(state.key as ResourceCommand["key"])) orphans.push(`vm-dir:${paths.dir}`);
      const running = await findRunning({ paths, uuid: state.uuid }, this.#qmp).catch(() => undefined);
      resources.push(await this.#observe(state.key, state, paths, running, running !== undefined && state.restartRequired === true));
    }
    const links = await runChecked(ctx.runner, { argv: ["ip", "-j", "link", "show"] });
    for (const l of JSON.parse(links.stdout || "[]") as Array<{ ifname: string }>) {
      if (isHumopsName(l.ifname) && roleOfName(l.ifname) === "tap" && !ownTaps.has(l.ifname)) orphans.push(`tap:${l.ifname}`);
    }
    return { resources, orphans };
  }

  /**
   * Handles `humops/restart-requested-at` like Flux's requestedAt: a value other than the last
   * handled one reboots a VM that was already running (same qemu, same disks). A VM that has
   * just booted (new, powered on, restarted), or is off, records the value without a reboot.
   * A removed annotation keeps the last handled value, so putting it back asks nothing.
   */
  async #handleRestartRequest(layout: Layout, prev: VmState | undefined, wasRunning: boolean, ctx: DriverContext): Promise<Pick<VmState, "lastHandledRestartRequestedAt" | "lastRestart">> {
    const requested = layout.restartRequestedAt;
    const last = prev?.lastRestart !== undefined ? { lastRestart: prev.lastRestart } : {};
    if (requested === undefined || requested === prev?.lastHandledRestartRequestedAt) {
      return { ...(prev?.lastHandledRestartRequestedAt !== undefined ? { lastHandledRestartRequestedAt: prev.lastHandledRestartRequestedAt } : {}), ...last };
    }
    if (!wasRunning || prev === undefined) return { lastHandledRestartRequestedAt: requested, ...last };
    ctx.log.info({ resource: layout.key, requestedAt: requested }, "rebooting VM on request");
    const mode = await rebootVm(layout, this.#timeoutMs, this.#qmp);
    ctx.log.info({ resource: layout.key, requestedAt: requested, mode }, "VM rebooted");
    return { lastHandledRestartRequestedAt: requested, lastRestart: { at: new Date().toISOString(), mode } };
  }

  async #writeSeed(layout: Layout, prev: VmState | undefined, ctx: DriverContext): Promise<string> {
    const files = renderSeed(layout.seed, prev?.firstSeedDigest);
    const current = await readFile(join(layout.paths.seedDir, "network-config"), "utf8").catch(() => undefined);
    const currentMeta = await readFile(join(layout.paths.seedDir, "meta-data"), "utf8").catch(() => undefined);
    const currentUser = await readFile(join(layout.paths.seedDir, "user-data"), "utf8").catch(() => undefined);
    if (current !== files.networkConfig || currentMeta !== files.metaData || currentUser !== files.userData) {
      await writeFile(join(layout.paths.seedDir, "meta-data"), files.metaData);
      await writeFile(join(layout.paths.seedDir, "user-data"), files.userData);
      await writeFile(join(layout.paths.seedDir, "network-config"), files.networkConfig);
      await runChecked(ctx.runner, buildSeedIsoCommand(layout.paths.seedDir, layout.paths.seedIso));
    }
    return files.digest;
  }

  async #observe(key: string, state: VmState, paths: VmPaths, running: RunningVm | undefined, restartRequired: boolean): Promise<ObservedResource> {
    const guest = running ? await this.#guestFacts(state, paths, running) : undefined;
    const details: Record<string, unknown> = {
      uuid: state.uuid,
      macs: state.macs,
      taps: state.taps,
      accelerator: this.#accel,
      consoleLog: paths.consoleLog,
      consoleSocket: paths.consoleSocket,
      qmpSocket: paths.qmpSocket,
      ...(running ? { pid: running.pid, qmpStatus: running.status } : {}),
      ...(state.bootTime ? { bootTime: state.bootTime } : {}),
      ...(restartRequired ? { restartRequired: true } : {}),
      ...(state.lastHandledRestartRequestedAt !== undefined ? { lastHandledRestartRequestedAt: state.lastHandledRestartRequestedAt } : {}),
      ...(state.lastRestart ? { lastRestartAt: state.lastRestart.at, lastRestartMode: state.lastRestart.mode } : {}),
      ...(guest ? { guest } : {}),
    };
    const base = { key: key as ObservedResource["key"], apiType: this.apiType, details, ...(state.generation !== undefined ? { generation: state.generation } : {}) };
    if (running) return { ...base, state: "Running" };
    if (!state.stoppedByAgent) {
      return { ...base, state: "Stopped", reason: "GuestShutdown", message: "the guest stopped while its actionState is PowerOn", drift: ["qemu process not running"] };
    }
    return { ...base, state: "Stopped" };
  }

  #guestFacts(state: VmState, paths: VmPaths, running: RunningVm): Promise<GuestFacts> {
    return readGuestFacts({
      consoleLog: paths.consoleLog,
      consoleStart: state.consoleStart ?? 0,
      guestAgentSocket: paths.guestAgentSocket,
      guestAgentOpen: running.guestAgentOpen,
      ...(state.macs[0] ? { mac: state.macs[0] } : {}),
      ...(state.declaredAddress ? { declaredAddress: state.declaredAddress } : {}),
      timeoutMs: this.#guestAgentTimeoutMs,
    });
  }
}

async function readState(file: string): Promise<VmState | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as VmState;
  } catch {
    return undefined;
  }
}

/** A power-off wait's progress (phase PoweringOff, elapsed seconds) and the command's signal (supersede). */
function powerOffWatch(ctx: DriverContext): StopWatch {
  return { progress: (elapsedSeconds) => ctx.progress?.({ phase: "PoweringOff", elapsedSeconds }), signal: ctx.signal };
}
