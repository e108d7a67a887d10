/**
 * The controller's live view of the protocol's KV buckets, and the BusEvents of
 * NatsControllerBus.watch(): registrations and inventories are held in memory by KvCaches
 * (list, then watch), so NatsControllerBus.nodes() and inventories() make no JetStream request;
 * liveness is a watcher plus a poll that reads each known node's liveness key, because
 * nats-server 2.9 tells no watcher when a key ages out of a TTL bucket (no delete markers for
 * max_age). An event is emitted after the cache took the change, so a listener that reads sees
 * it. Everything is re-synced after every reconnect, then `reconnected` is emitted so the loop
 * re-reads.
 */
import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { KvWatchInclude, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { BusEvent, NodeInventory } from "./controller-bus.js";
import type { NodeRegistration } from "../../schemas/protocol/messages.js";
import { isLive, type ProtocolBuckets } from "./nats-buckets.js";
import { KvCache } from "./nats-kv-cache.js";
import { parseNodeInventory, parseNodeRegistration } from "../../schemas/protocol-validators.js";
import { BusDisconnectedError } from "./errors.js";

type Iter = AsyncIterable<KvWatchEntry> & { stop(): void };

/** Live view of the buckets; emits BusEvents to its listeners. */
export class BusWatch {
  readonly #nc: NatsConnection;
  readonly #buckets: ProtocolBuckets;
  readonly #log: Logger;
  readonly #listeners = new Set<(e: BusEvent) => void>();
  /** Last known liveness per node (true while its liveness key exists). */
  readonly #ready = new Map<string, boolean>();
  readonly #registrations: KvCache<NodeRegistration>;
  readonly #inventories: KvCache<NodeInventory>;
  #liveness: Iter | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** From a `disconnect` until the `reconnect`: reads fail, as a round could send nothing anyway. */
  #disconnected = false;

  constructor(nc: NatsConnection, buckets: ProtocolBuckets, log: Logger) {
    this.#nc = nc;
    this.#buckets = buckets;
    this.#log = log;
    this.#registrations = new KvCache({ kv: buckets.nodes, parse: parseNodeRegistration, what: "registration", log, onChange: (node) => this.#emit({ type: "node", node, ready: this.#ready.get(node) ?? false }) });
    this.#inventories = new KvCache({ kv: buckets.inventory, parse: parseNodeInventory, what: "inventory", log, notifyUnchanged: false, onChange: (node) => this.#emit({ type: "inventory", node }) });
  }

  /** Every valid registration, by node name; rejects with BusDisconnectedError while NATS is unreachable. */
  registrations(): Map<string, NodeRegistration> {
    this.#checkConnected();
    return this.#registrations.values();
  }

  /** Every valid inventory, by node name; rejects with BusDisconnectedError while NATS is unreachable. */
  inventories(): Map<string, NodeInventory> {
    this.#checkConnected();
    return this.#inventories.values();
  }

  /** Whether the node's liveness key exists (as last seen by the watcher and the poll). */
  ready(node: string): boolean {
    return this.#ready.get(node) ?? false;
  }

  #checkConnected(): void {
    if (this.#disconnected) throw new BusDisconnectedError();
  }

  /** Reads the current liveness, starts the watchers, the poll and the reconnect handling. */
  async start(pollMs: number): Promise<void> {
    await this.#startWatchers();
    for (const node of await this.#readLiveness()) this.#ready.set(node, true);
    this.#timer = setInterval(() => void this.#poll(), pollMs);
    void this.#followStatus().catch((err: unknown) => this.#log.warn({ err }, "connection status stream ended"));
  }

  /** Adds a listener; returns its removal. */
  add(onEvent: (e: BusEvent) => void): () => void {
    this.#listeners.add(onEvent);
    return () => this.#listeners.delete(onEvent);
  }

  /** Stops watchers and the poll. */
  stop(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#stopWatchers();
    this.#listeners.clear();
  }

  #emit(e: BusEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(e);
      } catch (err) {
        this.#log.error({ err }, "bus event listener threw");
      }
    }
  }

  #setReady(node: string, ready: boolean): void {
    if ((this.#ready.get(node) ?? false) === ready) return;
    this.#ready.set(node, ready);
    this.#emit({ type: "node", node, ready });
  }

  async #startWatchers(): Promise<void> {
    this.#stopWatchers();
    this.#liveness = await this.#follow(this.#buckets.liveness, (e) => this.#setReady(e.key, e.operation === "PUT"));
    await Promise.all([this.#registrations.sync(), this.#inventories.sync()]);
  }

  #stopWatchers(): void {
    this.#liveness?.stop();
    this.#liveness = undefined;
    this.#registrations.stop();
    this.#inventories.stop();
  }

  async #follow(kv: KV, on: (e: KvWatchEntry) => void): Promise<Iter> {
    const it = (await kv.watch({ include: KvWatchInclude.UpdatesOnly })) as unknown as Iter;
    void (async () => {
      for await (const e of it) on(e);
    })().catch((err: unknown) => this.#log.warn({ err }, "kv watcher ended"));
    return it;
  }

  /** Sees expired heartbeats (no event for them in 2.9) and anything a watcher missed; a failed read keeps what was known. */
  async #poll(): Promise<void> {
    if (this.#closed || this.#nc.isClosed()) return;
    try {
      const live = await this.#readLiveness();
      for (const node of this.#ready.keys()) this.#setReady(node, live.has(node));
      for (const node of live) this.#setReady(node, true);
    } catch (err) {
      this.#log.debug({ err }, "liveness poll failed");
    }
  }

  /**
   * The nodes whose liveness key exists, among those registered or seen: one `get` per node,
   * never a key listing. A listing is a consumer that ends on the message with nothing pending
   * after it; when the bucket's last key ages out (max_age) between the consumer's creation and
   * that message, no such message comes and the listing waits for the consumer's 5 s idle
   * heartbeat (seen in CI as KvListTimeoutError, a round failed).
   */
  async #readLiveness(): Promise<Set<string>> {
    const names = new Set([...this.#registrations.keys(), ...this.#ready.keys()]);
    const live = new Set<string>();
    await Promise.all([...names].map(async (node) => {
      if (isLive(await this.#buckets.liveness.get(node))) live.add(node);
    }));
    return live;
  }

  async #followStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (this.#closed) return;
      if (s.type === "disconnect") {
        this.#disconnected = true;
        this.#log.warn({ server: s.server }, "nats disconnected");
      }
      if (s.type !== "reconnect") continue;
      // Connected again: the view is served (stale by the gap) while it re-syncs, which may take
      // seconds while a JetStream stream elects a new leader; commands flow meanwhile.
      this.#disconnected = false;
      this.#log.info({ server: s.server }, "nats reconnected");
      await this.#restartWatchers();
    }
  }

  async #restartWatchers(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      try {
        await this.#startWatchers();
        break;
      } catch (err) {
        // JetStream may need a moment after a server restart before its API answers.
        this.#log.warn({ err, attempt }, "re-creating kv watchers failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await this.#poll();
    this.#emit({ type: "reconnected" });
  }
}
