/**
 * The production agent: the runtime of agent.ts with the real adapters (NatsAgentBus,
 * SpawnRunner, the network, router, disk, image and VM drivers), the nodectl socket and the disk
 * download API. Used by `humops agent` and `humops up`; every adapter can be injected instead.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { validateAgentConfig } from "../../schemas/validators.js";
import type { CommandResult, NodeCommand } from "../../schemas/protocol/messages.js";
import type { AgentBus } from "../bus/agent-bus.js";
import { isAuthorizationError, NatsAgentBus } from "../bus/nats-agent-bus.js";
import type { AgentSettings } from "../config/agent-settings.js";
import { AgentConfigError } from "../config/errors.js";
import { machineFacts, resolveSettings } from "../config/load-agent-config.js";
import { startDiagServer } from "../diag/socket-server.js";
import { diagSocketPath } from "../diag/node-config.js";
import type { AgentStatusSnapshot } from "../diag/agent-status.js";
import type { ResourceDriver } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { SpawnRunner } from "../host/spawn-runner.js";
import { NetworkDriver, RouterDriver } from "../net/index.js";
import { BlockStorageDriver } from "../storage/blockstorage-driver.js";
import { startDownloadApi, storageFileResolver } from "../storage/download-api.js";
import { DownloadTokens } from "../storage/download-tokens.js";
import { ImageEntityDriver } from "../storage/imageentity-driver.js";
import { probeAccelerator, type AcceleratorProbe } from "../vm/accelerator.js";
import { VmDriver } from "../vm/vm-driver.js";
import { startAgent as startRuntime, type Agent } from "./agent.js";
import { StateStore } from "./state-store.js";

/** Options of the production agent; only config and log are required. */
export interface LaunchOptions {
  /** Resolved settings, or a raw agent config object (as in config.yaml; relative paths against the cwd). */
  readonly config: AgentSettings | Record<string, unknown>;
  readonly log: Logger;
  readonly agentVersion?: string;
  readonly bus?: AgentBus;
  readonly runner?: HostRunner;
  readonly drivers?: readonly ResourceDriver[];
  readonly onResult?: (cmd: NodeCommand, result: CommandResult) => void;
  /** Serve nodectl on `<dataDir>/nodectl.sock`; default true. */
  readonly diagSocket?: boolean;
}

function isSettings(c: LaunchOptions["config"]): c is AgentSettings {
  return typeof c["node"] === "object" && typeof c["capacity"] === "object";
}

/** Resolves a raw config object; throws AgentConfigError when invalid. */
function settingsOf(config: LaunchOptions["config"]): AgentSettings {
  if (isSettings(config)) return config;
  const checked = validateAgentConfig(config);
  const problem = (pointer: string, message: string) => ({ file: "(config object)", line: 0, column: 0, pointer, message });
  if (!checked.ok) throw new AgentConfigError("(config object)", checked.errors.map((e) => problem(e.pointer, e.message)));
  const r = resolveSettings(checked.value, process.cwd(), machineFacts());
  if (!r.ok) throw new AgentConfigError("(config object)", r.problems.map((p) => problem(p.pointer, p.message)));
  return r.value;
}

/** The real drivers of every kind a node serves. */
export function productionDrivers(settings: AgentSettings, accelerator: AcceleratorProbe): ResourceDriver[] {
  const vm = settings.raw.vm;
  return [
    new NetworkDriver(),
    new RouterDriver(),
    new BlockStorageDriver(),
    new ImageEntityDriver(),
    new VmDriver({
      accelerator: accelerator.accelerator === "kvm" ? "kvm" : "tcg",
      ...(vm?.powerOffTimeoutSeconds !== undefined ? { powerOffTimeoutMs: vm.powerOffTimeoutSeconds * 1000 } : {}),
    }),
  ];
}

/**
 * Starts the production agent. Resolves once registered and serving; throws AgentConfigError
 * for an invalid config, and the bus's error when nats-server refuses it.
 */
export async function startAgent(o: LaunchOptions): Promise<Agent> {
  const settings = settingsOf(o.config);
  const runner = o.runner ?? new SpawnRunner();
  const accelerator = settings.accelerator === "tcg" ? { accelerator: "tcg" as const, reason: "vm.accelerator: tcg" } : await probeAccelerator(runner);
  const drivers = o.drivers ?? productionDrivers(settings, accelerator);
  const log = o.log.child({ node: settings.node.nodeName });
  const bus = o.bus ?? (await connectBus(settings, log));
  const stops: Array<() => Promise<void>> = [];
  const ref: { agent?: Agent } = {};
  try {
    if (o.diagSocket ?? true) stops.push(await serveNodectl({ settings, drivers, runner, log, accelerator, version: o.agentVersion, ref, bus }));
    const dl = await serveDownloads(settings, runner, log);
    if (dl) stops.push(dl.stop);
    const onResult = (cmd: NodeCommand, result: CommandResult): void => {
      if (dl) learnToken(dl, cmd);
      o.onResult?.(cmd, result);
    };
    const agent = (ref.agent = await startRuntime({ config: settings, bus, drivers, runner, log: o.log, accelerator, onResult, ...(o.agentVersion ? { agentVersion: o.agentVersion } : {}), ...(dl ? { downloadAPI: dl.advertised } : {}) }));
    return { ...agent, stop: async () => {
      await agent.stop();
      for (const s of stops.reverse()) await s().catch((err: unknown) => log.warn({ err }, "stop failed"));
    } };
  } catch (e) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await bus.close().catch(() => undefined);
    throw e;
  }
}

/**
 * Connects to NATS, retrying while nats-server is not reachable yet (a node may boot before
 * it), with a log line per attempt. Refused credentials are not retried: that needs a fix.
 */
async function connectBus(settings: AgentSettings, log: Logger): Promise<AgentBus> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await NatsAgentBus.connect({ ...settings.nats, node: settings.node.nodeName, log });
    } catch (err) {
      if (isAuthorizationError(err)) throw err;
      const delayMs = Math.min(attempt * 1000, 10_000);
      log.warn({ err, attempt, delayMs, servers: settings.nats.servers }, "nats not reachable; retrying");
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

interface NodectlOptions {
  readonly settings: AgentSettings;
  readonly drivers: readonly ResourceDriver[];
  readonly runner: HostRunner;
  readonly log: Logger;
  readonly accelerator: AcceleratorProbe;
  readonly version: string | undefined;
  /** The runtime, once started (the socket answers before it is). */
  readonly ref: { agent?: Agent };
  readonly bus: AgentBus;
}

function statusOf(o: NodectlOptions, startedAt: string): AgentStatusSnapshot {
  const env = o.settings.node;
  const seen = o.ref.agent?.lastCommandAt();
  const err = o.ref.agent?.lastError();
  const nats = o.bus.connection?.();
  return {
    version: o.version ?? "0.0.0-dev",
    nodeName: env.nodeName,
    startedAt,
    pid: process.pid,
    capacity: o.settings.capacity,
    accelerator: o.accelerator,
    ...(nats ? { nats: { connected: nats.connected, reconnects: nats.reconnects, ...(nats.server ? { server: nats.server } : {}), ...(nats.lastMessageAt ? { lastMessageAt: nats.lastMessageAt } : {}) } } : {}),
    ...(nats?.controllerClockAt ? { controllerClockAt: nats.controllerClockAt } : {}),
    ...(seen ? { controllerLastSeenAt: seen.toISOString() } : {}),
    ...(err ? { lastError: { at: err.at.toISOString(), key: err.key, message: err.message } } : {}),
  };
}

async function serveNodectl(o: NodectlOptions): Promise<() => Promise<void>> {
  const env = o.settings.node;
  const state = new StateStore(join(env.dataDir, "state"), o.log);
  const startedAt = new Date().toISOString();
  const server = await startDiagServer({
    socketPath: diagSocketPath(env.dataDir),
    getStatus: () => statusOf(o, startedAt),
    drivers: o.drivers,
    driverContext: () => ({ runner: o.runner, log: o.log, signal: new AbortController().signal, node: env }),
    // Same rule as the inventory loop: a resource whose delete has not succeeded is still declared.
    knownCommands: async () => (await state.all()).filter((s) => s.command.op === "apply" || s.result?.ok !== true).map((s) => s.command),
    log: o.log,
  });
  return () => server.close();
}

interface ServedDownloads {
  readonly advertised: string;
  /** Accepts a cluster token now and persists it; stop() waits for the write. */
  readonly learn: (token: string) => void;
  readonly stop: () => Promise<void>;
}

/**
 * Starts the download API when the config has a downloadAPI block (issue #6). It accepts the
 * operator's tokenFile and the cluster tokens learned from imageentity commands.
 */
async function serveDownloads(settings: AgentSettings, runner: HostRunner, log: Logger): Promise<ServedDownloads | undefined> {
  const api = settings.downloadAPI;
  if (api === undefined) return undefined;
  const fixed = api.tokenFile === undefined ? undefined : (await readFile(api.tokenFile, "utf8")).trim();
  const tokens = new DownloadTokens({ file: join(settings.node.dataDir, "download-tokens.json"), ...(fixed ? { fixed } : {}) });
  await tokens.load();
  const server = await startDownloadApi({
    listenAddress: api.listenAddress,
    listenPort: api.listenPort,
    token: () => tokens.accepted(),
    resolve: storageFileResolver(settings.node, runner),
    log,
  });
  const host = api.advertiseAddress.includes(":") ? `[${api.advertiseAddress}]` : api.advertiseAddress;
  const advertised = `${host}:${server.port}`;
  log.info({ url: server.baseUrl, advertised }, "download api listening");
  // A learned token is written in the background; stopping waits for those writes, so a token
  // accepted before a restart is accepted after it.
  const writes = new Set<Promise<void>>();
  const learn = (token: string): void => {
    const w = tokens.learn(token).catch((err: unknown) => log.warn({ err }, "could not persist the download token"));
    writes.add(w);
    void w.finally(() => writes.delete(w));
  };
  return {
    advertised,
    learn,
    stop: async () => {
      await Promise.all(writes);
      await server.close();
    },
  };
}

/** The cluster token of an imageentity command: the nodes that fetch this entity will present it. */
function learnToken(dl: ServedDownloads, cmd: NodeCommand): void {
  const token = cmd.context["downloadToken"];
  if (cmd.apiType !== "systemv0/imageentity" || typeof token !== "string") return;
  dl.learn(token);
}
