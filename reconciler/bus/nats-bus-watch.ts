/**
 * Turns the protocol's KV buckets into BusEvents for NatsControllerBus.watch(): KV watchers on
 * the three buckets, plus a poll of the liveness bucket's keys, because nats-server 2.9 tells
 * no watcher when a key ages out of a TTL bucket (no delete markers for max_age). Watchers are
 * re-created after every reconnect, then `reconnected` is emitted so the loop re-reads.
 */
import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { KvWatchInclude, type KV, type KvWatchEntry } from "@nats-io/kv";
import type { BusEvent } from "./controller-bus.js";
import { listKeys, type ProtocolBuckets } from "./nats-buckets.js";

type Iter = AsyncIterable<KvWatchEntry> & { stop(): void };

/** Live view of the buckets; emits BusEvents to its listeners. */
export class BusWatch {
  readonly #nc: NatsConnection;
  readonly #buckets: ProtocolBuckets;
  readonly #log: Logger;
  readonly #listeners = new Set<(e: BusEvent) => void>();
  /** Last known liveness per node (true while its liveness key exists). */
  readonly #ready = new Map<string, boolean>();
  #iters: Iter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(nc: NatsConnection, buckets: ProtocolBuckets, log: Logger) {
    this.#nc = nc;
    this.#buckets = buckets;
    this.#log = log;
  }

  /** Reads the current liveness, starts the watchers, the poll and the reconnect handling. */
  async start(pollMs: number): Promise<void> {
    for (const k of await listKeys(this.#buckets.liveness)) this.#ready.set(k, true);
    await this.#startWatchers();
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
    const b = this.#buckets;
    this.#iters = await Promise.all([
      this.#follow(b.nodes, (e) => this.#emit({ type: "node", node: e.key, ready: this.#ready.get(e.key) ?? false })),
      this.#follow(b.liveness, (e) => this.#setReady(e.key, e.operation === "PUT")),
      this.#follow(b.inventory, (e) => this.#emit({ type: "inventory", node: e.key })),
    ]);
  }

  #stopWatchers(): void {
    for (const it of this.#iters) it.stop();
    this.#iters = [];
  }

  async #follow(kv: KV, on: (e: KvWatchEntry) => void): Promise<Iter> {
    const it = (await kv.watch({ include: KvWatchInclude.UpdatesOnly })) as unknown as Iter;
    void (async () => {
      for await (const e of it) on(e);
    })().catch((err: unknown) => this.#log.warn({ err }, "kv watcher ended"));
    return it;
  }

  /** Sees expired heartbeats (no event for them in 2.9) and anything a watcher missed. */
  async #poll(): Promise<void> {
    if (this.#closed || this.#nc.isClosed()) return;
    try {
      const live = new Set(await listKeys(this.#buckets.liveness));
      for (const node of new Set([...this.#ready.keys(), ...live])) this.#setReady(node, live.has(node));
    } catch (err) {
      this.#log.debug({ err }, "liveness poll failed");
    }
  }

  async #followStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (this.#closed) return;
      if (s.type === "disconnect") this.#log.warn({ server: s.server }, "nats disconnected");
      if (s.type !== "reconnect") continue;
      this.#log.info({ server: s.server }, "nats reconnected");
      await this.#restartWatchers();
    }
  }

  async #restartWatchers(): Promise<void> {
    this.#stopWatchers();
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
