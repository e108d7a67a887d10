/**
 * The node agent runtime: registers the node, heartbeats, executes the controller's commands
 * through the drivers (CommandExecutor), reads the inventory every resync period and after
 * commands and publishes it when it changed, and stops cleanly (leaves, drains, closes).
 * Everything it touches comes in as ports: the bus, the drivers, the host runner, the logger.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import type { CommandResult, NodeCommand, NodeRegistration } from "../../schemas/protocol/messages.js";
import { HEARTBEAT_INTERVAL_MS, PROTOCOL_VERSION } from "../../schemas/protocol/subjects.js";
import type { AgentBus } from "../bus/agent-bus.js";
import type { AgentSettings } from "../config/agent-settings.js";
import type { DriverContext, ResourceDriver } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { probeAccelerator, type AcceleratorProbe } from "../vm/accelerator.js";
import { CommandExecutor } from "./command-executor.js";
import { Journal } from "./journal.js";
import { InventoryLoop } from "./inventory-loop.js";
import { ResultCache } from "./result-cache.js";
import { StateStore } from "./state-store.js";
import { EpochGuard } from "./epoch-guard.js";
import { OperationBoard } from "./operation-board.js";

/** What an agent runs with. */
export interface AgentOptions {
  readonly config: AgentSettings;
  readonly bus: AgentBus;
  /** One per kind this node serves; a command for another kind is answered `Unsupported`. */
  readonly drivers: readonly ResourceDriver[];
  readonly runner: HostRunner;
  readonly log: Logger;
  /** Reported in the registration; default 0.0.0-dev. */
  readonly agentVersion?: string;
  /** Skips the probe (tests); default: config's vm.accelerator, `auto` probes KVM. */
  readonly accelerator?: AcceleratorProbe;
  /** Called after every executed command (metrics). */
  readonly onResult?: (cmd: NodeCommand, result: CommandResult) => void;
  /** `HOST:PORT` of the node's download API, registered so the controller can point other nodes at it. */
  readonly downloadAPI?: string;
  /** Delay between a command's end and the inventory read it triggers; default 200 ms. */
  readonly inventoryDebounceMs?: number;
  /** Running updates of accepted operations without progress (protocol 1.3); default 5000 ms. */
  readonly operationHeartbeatMs?: number;
}

/** A running agent. */
export interface Agent {
  readonly node: string;
  readonly accelerator: AcceleratorProbe;
  readonly startedAt: Date;
  /** Commands being executed now. */
  inflight(): number;
  /** When the last command arrived from the controller; undefined before the first. */
  lastCommandAt(): Date | undefined;
  /** The newest controller epoch this agent obeyed (0: none yet); issue #15. */
  epoch(): number;
  /** The last command that failed. */
  lastError(): { readonly at: Date; readonly key: string; readonly message: string } | undefined;
  /** Reads the inventory now and publishes it when it changed; resolves with whether it published. */
  resync(): Promise<boolean>;
  /** Stops: no new commands, in-flight ones finish, the node leaves (not ready at once), the bus closes. */
  stop(): Promise<void>;
}

/**
 * Starts an agent. Resolves once it is registered and serving its command subject; throws when
 * the bus refuses the registration (e.g. permissions) so the process can exit non-zero.
 */
export async function startAgent(o: AgentOptions): Promise<Agent> {
  const env = o.config.node;
  const log = o.log.child({ node: env.nodeName });
  const abort = new AbortController();
  const ctx = (l: Logger): DriverContext => ({ runner: o.runner, log: l, signal: abort.signal, node: env });
  const { journal, results, state, epochs } = await openStores(o.config, log);
  const accelerator = o.accelerator ?? (await chooseAccelerator(o.config, o.runner));
  log.info({ accelerator: accelerator.accelerator, why: accelerator.reason }, "accelerator chosen");
  const inv = new InventoryLoop({ ...o, log, ctx: () => ctx(log), state });
  let lastCommandAt: Date | undefined;
  let lastError: { at: Date; key: string; message: string } | undefined;
  const publish = o.bus.publishOperation?.bind(o.bus);
  const board = new OperationBoard({ node: env.nodeName, publish, log, ...(o.operationHeartbeatMs !== undefined ? { heartbeatMs: o.operationHeartbeatMs } : {}) });
  const executor = new CommandExecutor({
    drivers: o.drivers, journal, results, state, epochs, context: ctx, parallelLimit: o.config.parallelLimit, log,
    onResult: (cmd, result) => {
      if (!result.ok) lastError = { at: new Date(), key: cmd.key, message: `${result.reason}: ${result.message}` };
      o.onResult?.(cmd, result);
      inv.soon(o.inventoryDebounceMs ?? 200);
    },
    onProgress: (cmd, p) => board.progress(cmd.commandId, p),
  });
  // Serve before registering: the node turns ready with its registration, and a controller that
  // sends the moment it sees it ready must find a subscriber (not "no agent serves node").
  await o.bus.serveCommands(env.nodeName, (cmd) => {
    lastCommandAt = new Date();
    return board.answer(cmd, executor.execute(cmd), (id) => executor.operationIdOf(id));
  });
  await o.bus.register(registration(o, accelerator, publish !== undefined));
  const beat = startHeartbeat(o.bus, env.nodeName, log, () => epochs.newest);
  inv.start(o.config.resyncIntervalMs);
  log.info({ drivers: o.drivers.map((d) => d.apiType) }, "agent started");
  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await beat.stop();
    inv.stop();
    // Leave first: the controller stops sending here while the commands in flight finish.
    await o.bus.leave(env.nodeName).catch((err: unknown) => log.warn({ err }, "could not mark the node not ready"));
    await executor.drain();
    board.stop();
    abort.abort(new Error("agent stopping"));
    await o.bus.close();
    log.info("agent stopped");
  };
  return {
    node: env.nodeName,
    accelerator,
    startedAt: new Date(),
    inflight: () => executor.inflight,
    lastCommandAt: () => lastCommandAt,
    lastError: () => lastError,
    epoch: () => epochs.newest,
    resync: () => inv.run(),
    stop: () => (stopping ??= stop()),
  };
}

/** The journal, the result cache seeded from it, and the state dir. */
async function openStores(config: AgentSettings, log: Logger): Promise<{ journal: Journal; results: ResultCache; state: StateStore; epochs: EpochGuard }> {
  const dataDir = config.node.dataDir;
  const journal = new Journal({ path: join(dataDir, "journal.jsonl"), maxBytes: config.journalMaxBytes, log });
  const results = new ResultCache();
  for (const r of await journal.results()) results.set(r);
  const epochs = new EpochGuard(join(dataDir, "epoch.json"));
  await epochs.load();
  return { journal, results, state: new StateStore(join(dataDir, "state"), log), epochs };
}

/** Heartbeats every HEARTBEAT_INTERVAL_MS; `stop` resolves once no heartbeat is in flight (so none lands after a leave). */
function startHeartbeat(bus: AgentBus, node: string, log: Logger, epoch: () => number): { stop(): Promise<void> } {
  let seq = 0;
  let last: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const e = epoch();
    last = bus.heartbeat({ node, seq: ++seq, ...(e > 0 ? { epoch: e } : {}) }).catch((err: unknown) => log.warn({ err }, "heartbeat failed"));
  }, HEARTBEAT_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await last;
    },
  };
}

function registration(o: AgentOptions, acc: AcceleratorProbe, isAsync: boolean): NodeRegistration {
  return {
    // 1.3 (asynchronous operations) only over a bus that can publish their completions.
    ...(isAsync ? { protocol: PROTOCOL_VERSION } : {}),
    name: o.config.node.nodeName,
    address: o.config.node.address,
    capacity: o.config.capacity,
    agentVersion: o.agentVersion ?? "0.0.0-dev",
    accelerator: acc.accelerator,
    ...(o.downloadAPI !== undefined ? { downloadAPI: o.downloadAPI } : {}),
  };
}

async function chooseAccelerator(config: AgentSettings, runner: HostRunner): Promise<AcceleratorProbe> {
  if (config.accelerator === "tcg") return { accelerator: "tcg", reason: "vm.accelerator: tcg in the agent config" };
  const probe = await probeAccelerator(runner);
  if (config.accelerator === "kvm" && probe.accelerator !== "kvm") {
    return { accelerator: "kvm", reason: `vm.accelerator: kvm in the agent config, although the probe says: ${probe.reason}` };
  }
  return probe;
}
