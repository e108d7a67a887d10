/**
 * Simulated nodes for the scale and in-flight benchmarks (issue #11): each is the real agent
 * runtime (node-agent/agent/agent.ts: registration, heartbeats, inventory loop, journal, state
 * files, CommandExecutor) on its own real NATS connection (NatsAgentBus), with FakeDrivers as the
 * host, each call held for a delay the benchmark chooses per command (a network in tens of ms, a
 * disk in seconds...). So a protocol change reaches the benchmark without touching it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { startAgent, type Agent } from "../../node-agent/agent/agent.js";
import { FakeDriver } from "../../node-agent/agent/fake-driver.js";
import type { AgentBus } from "../../node-agent/bus/agent-bus.js";
import { NatsAgentBus } from "../../node-agent/bus/nats-agent-bus.js";
import type { AgentSettings } from "../../node-agent/config/agent-settings.js";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../../node-agent/driver.js";
import { RecordingRunner } from "../../node-agent/host/recording-runner.js";
import type { ApiType } from "../../schemas/kinds.js";
import { simNode } from "./scale-manifests.js";

const KINDS: ApiType[] = ["systemv0/network", "systemv0/virtualrouter", "systemv0/blockstorage", "systemv0/imageentity", "systemv0/virtualmachine"];

/** How long the host takes for one driver call. */
export type HostDelay = (cmd: ResourceCommand, verb: "apply" | "remove") => number;

/** A command as an agent's bus handed it over (before the agent's own queue). */
export interface Receipt { readonly at: number; readonly node: string; readonly key: string; readonly op: string; readonly generation: number }

/** Pending host delays; `releaseAll` ends them (so a stop does not wait out a 90 s "download"). */
class Delays {
  readonly #pending = new Set<() => void>();
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.#pending.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#pending.add(done);
    });
  }
  releaseAll(): void {
    for (const d of [...this.#pending]) d();
  }
}

/** A FakeDriver whose every call first waits for the delay the benchmark gives it. */
class DelayedDriver implements ResourceDriver {
  readonly apiType: ApiType;
  readonly #inner: FakeDriver;
  readonly #delay: HostDelay;
  readonly #delays: Delays;
  constructor(apiType: ApiType, delay: HostDelay, delays: Delays) {
    this.apiType = apiType;
    this.#inner = new FakeDriver(apiType);
    this.#delay = delay;
    this.#delays = delays;
  }
  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    await this.#delays.sleep(this.#delay(cmd, "apply"));
    return this.#inner.apply(cmd, ctx);
  }
  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    await this.#delays.sleep(this.#delay(cmd, "remove"));
    return this.#inner.remove(cmd, ctx);
  }
  inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    return this.#inner.inventory(ctx, known);
  }
}

/** Options of startSimAgents. */
export interface SimAgentsOptions {
  readonly natsUrl: string;
  readonly count: number;
  /** Each agent's data dir (journal, state files) goes under it. */
  readonly dir: string;
  readonly delay: HostDelay;
  readonly capacity?: { readonly vcpus: number; readonly memoryBytes: number };
  /** Agents connecting at once; default 50. */
  readonly batch?: number;
}

/** Running simulated nodes. */
export interface SimAgents {
  readonly nodes: readonly string[];
  /** Every command received, in order. */
  readonly receipts: Receipt[];
  /** Results sent back (commands executed, not de-duplicated), with their time. */
  readonly answered: { at: number; key: string; ok: boolean }[];
  /** Host calls running now (the delay included). */
  inflight(): number;
  /** Ends the pending delays and stops every agent. */
  stop(): Promise<void>;
}

/** Wraps `bus` so each command is recorded when it arrives. */
function recording(bus: AgentBus, node: string, receipts: Receipt[]): AgentBus {
  return {
    register: (r) => bus.register(r),
    heartbeat: (h) => bus.heartbeat(h),
    publishInventory: (i) => bus.publishInventory(i),
    leave: (n) => bus.leave(n),
    close: () => bus.close(),
    serveCommands: (n, handler) =>
      bus.serveCommands(n, (cmd) => {
        receipts.push({ at: performance.now(), node, key: cmd.key, op: cmd.op, generation: cmd.generation });
        return handler(cmd);
      }),
  };
}

/** Starts `count` agents named sim-0.. (registered and serving when it resolves). */
export async function startSimAgents(o: SimAgentsOptions): Promise<SimAgents> {
  const log = pino({ level: "silent" });
  const delays = new Delays();
  const receipts: Receipt[] = [];
  const answered: { at: number; key: string; ok: boolean }[] = [];
  const agents: Agent[] = [];
  const boot = async (i: number): Promise<Agent> => {
    const node = simNode(i);
    const dataDir = join(o.dir, node);
    mkdirSync(dataDir, { recursive: true });
    const config: AgentSettings = {
      node: { nodeName: node, address: `198.18.${i >> 8}.${i & 255}`, dataDir, blockStorageDir: join(dataDir, "bs"), imageDir: join(dataDir, "img") },
      capacity: o.capacity ?? { vcpus: 64, memoryBytes: 256 * 1024 ** 3 }, nats: { servers: [o.natsUrl] }, parallelLimit: 4,
      resyncIntervalMs: 30_000, journalMaxBytes: 1 << 20, accelerator: "tcg", logLevel: "info", raw: {},
    };
    const bus = recording(await NatsAgentBus.connect({ servers: o.natsUrl, node, log }), node, receipts);
    const drivers = KINDS.map((k) => new DelayedDriver(k, o.delay, delays));
    const runner = new RecordingRunner({ fallback: { exitCode: 0 } });
    return startAgent({
      config, bus, drivers, runner, log, accelerator: { accelerator: "tcg", reason: "bench" },
      onResult: (cmd, r) => void answered.push({ at: performance.now(), key: cmd.key, ok: r.ok }),
    });
  };
  const batch = o.batch ?? 50;
  for (let i = 0; i < o.count; i += batch) {
    const ids = Array.from({ length: Math.min(batch, o.count - i) }, (_, k) => i + k);
    agents.push(...(await Promise.all(ids.map(boot))));
  }
  return {
    nodes: agents.map((a) => a.node),
    receipts,
    answered,
    inflight: () => agents.reduce((n, a) => n + a.inflight(), 0),
    async stop() {
      delays.releaseAll();
      for (let i = 0; i < agents.length; i += batch) await Promise.all(agents.slice(i, i + batch).map((a) => a.stop()));
    },
  };
}
