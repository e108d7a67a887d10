/**
 * KvCache: one KV bucket kept in memory, decoded and validated, by list-then-watch (the
 * informer pattern of client-go): note the stream's last sequence, start a watcher from the
 * sequence after it, list and read every key, then merge both by revision (a key's revision is
 * its stream sequence, so the newer of the listing and the watcher wins, deletes included).
 * Reads (`values()`) make no JetStream request: a controller round costs nothing on the
 * cluster, and a round never waits on a JetStream stream that is electing a leader after a
 * server died. Part of the NATS adapter: only nats-bus-watch.ts imports it.
 */
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { KV, KvEntry, KvWatchEntry } from "@nats-io/kv";
import { decodeValue, isLive, listKeys } from "./nats-buckets.js";
import type { ParseResult } from "../../schemas/protocol-validators.js";

type Iter = AsyncIterable<KvWatchEntry> & { stop(): void };

/** One key: its revision and, when it holds a valid value, the value (undefined: deleted or invalid). */
interface Slot<T> {
  readonly revision: number;
  readonly value: T | undefined;
  /** A digest of the raw value (undefined: deleted), to tell a re-publish of the same value from a change. */
  readonly digest: string | undefined;
}

/** What a KvCache reads, and what it tells. */
export interface KvCacheOptions<T> {
  readonly kv: KV;
  /** The value's validator (schemas/protocol-validators.ts). */
  readonly parse: (v: unknown) => ParseResult<T>;
  /** What a value is, for errors and logs: `registration`, `inventory`. */
  readonly what: string;
  readonly log: Logger;
  /** Called after the cache took a watched change of `key` (not for the initial listing). */
  readonly onChange: (key: string) => void;
  /**
   * False: a new revision whose value is byte for byte the one the cache holds is taken without
   * calling `onChange`. Agents re-publish an unchanged inventory every resync; at 1,000 nodes
   * each such write started a full controller sync (bench/scale.bench.ts). Default true.
   */
  readonly notifyUnchanged?: boolean;
}

/** A bucket's current values, fed by a watcher; `sync()` (re)builds it. */
export class KvCache<T> {
  readonly #o: KvCacheOptions<T>;
  /** The map reads are served from; replaced whole when a (re)sync completes. */
  #slots = new Map<string, Slot<T>>();
  #iter: Iter | undefined;

  constructor(o: KvCacheOptions<T>) {
    this.#o = o;
  }

  /**
   * Lists the bucket and watches it from then on; until it completes, reads are served from
   * the previous map (stale, never empty after the first sync). Rejects when JetStream does not
   * answer (the caller retries); a previous watcher is stopped first.
   */
  async sync(): Promise<void> {
    this.stop();
    const { kv } = this.#o;
    const next = new Map<string, Slot<T>>();
    let listed = false;
    const lastSeq = (await kv.status()).streamInfo.state.last_seq;
    const it = (await kv.watch({ resumeFromRevision: lastSeq + 1 })) as unknown as Iter;
    this.#iter = it;
    void (async () => {
      for await (const e of it) {
        const before = next.get(e.key)?.digest;
        if (!this.#merge(next, e.key, e)) continue;
        if (listed && (this.#o.notifyUnchanged !== false || next.get(e.key)?.digest !== before)) this.#o.onChange(e.key);
      }
    })().catch((err: unknown) => this.#o.log.warn({ err, what: this.#o.what }, "kv watcher ended"));
    try {
      for (const key of await listKeys(kv)) this.#merge(next, key, await kv.get(key));
    } catch (e) {
      it.stop();
      throw e;
    }
    listed = true;
    this.#slots = next;
  }

  /** Every key holding a valid value, sorted by key. */
  values(): Map<string, T> {
    const out = new Map<string, T>();
    for (const key of [...this.#slots.keys()].sort()) {
      const v = this.#slots.get(key)?.value;
      if (v !== undefined) out.set(key, v);
    }
    return out;
  }

  /** Every key holding a valid value (unsorted, not decoded again). */
  keys(): string[] {
    return [...this.#slots].filter(([, slot]) => slot.value !== undefined).map(([key]) => key);
  }

  /** Stops the watcher; the last values stay readable. */
  stop(): void {
    this.#iter?.stop();
    this.#iter = undefined;
  }

  /** Takes `e` into `slots` unless `slots` already holds a newer revision of `key`; true when taken. */
  #merge(slots: Map<string, Slot<T>>, key: string, e: KvEntry | null): boolean {
    if (e === null) return false;
    const had = slots.get(key);
    if (had !== undefined && had.revision >= e.revision) return false;
    const live = isLive(e);
    const digest = live ? createHash("sha1").update(e.value).digest("base64") : undefined;
    // The same bytes decode to the same value: an unchanged re-publish is not parsed and validated again.
    const value = !live ? undefined : had !== undefined && had.digest === digest ? had.value : this.#decode(key, e);
    slots.set(key, { revision: e.revision, value, digest });
    return true;
  }

  #decode(key: string, e: KvEntry): T | undefined {
    try {
      return decodeValue(e.value, this.#o.parse, this.#o.what);
    } catch (err) {
      this.#o.log.error({ err, key }, `ignoring an invalid ${this.#o.what}`);
      return undefined;
    }
  }
}
