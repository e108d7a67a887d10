/**
 * A keyed work queue in the manner of client-go's workqueue (rate-limiting, delaying) and
 * controller-runtime's controller: a key waits at most once (de-duplicated), at most one
 * reconcile per key is in flight, a key added while it is being reconciled runs once more after
 * (dirty-while-processing), failures back off per key (exponential, capped, forgotten on
 * success), reconciles start no faster than a global token bucket allows, and at most `workers`
 * run at once. Issue #11: nothing one key does delays another.
 *
 * Unlike client-go, an `add` of a key that is backing off waits out the backoff: agents
 * republish their inventory after every command and each one re-enqueues what still needs
 * work, which would otherwise retry a failing key at once, again and again. `forget` ends a
 * backoff (the caller does so when the key's desired state changed).
 */
import { systemClock, type Clock } from "./clock.js";

/**
 * What a reconcile tells the queue (controller-runtime's Result). `{}`: done, forget the key's
 * failures. `requeueAfterMs`: done for now, come back then (a dependency or node not ready; later,
 * an agent operation still running). A rejection means: back off and retry.
 */
export interface QueueResult {
  readonly requeueAfterMs?: number;
}

/** Reconciles one key; `signal` aborts when the queue shuts down or the key is cancelled. */
export type ReconcileKey<K extends string> = (key: K, signal: AbortSignal) => Promise<QueueResult>;

/** Options of a WorkQueue. */
export interface WorkQueueOptions<K extends string> {
  readonly reconcile: ReconcileKey<K>;
  /** Reconciles in flight at most. */
  readonly workers: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** Global start rate: `perSecond` on average, bursts of `burst`. */
  readonly rate: { readonly perSecond: number; readonly burst: number };
  readonly clock?: Clock;
  /** Called with every rejection (after the key was scheduled for its retry). */
  readonly onError?: (key: K, err: unknown, retryInMs: number) => void;
  /** Called when the queue becomes idle: nothing in flight, nothing ready to run. */
  readonly onIdle?: () => void;
}

/** Queue sizes, for metrics. */
export interface QueueStats {
  readonly ready: number;
  readonly active: number;
  readonly delayed: number;
}

/** The queue; see the file header. */
export class WorkQueue<K extends string> {
  private readonly o: WorkQueueOptions<K>;
  private readonly clock: Clock;
  private readonly ready: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly active = new Map<K, { controller: AbortController; startedAt: number }>();
  private readonly delayed = new Map<K, { at: number; handle: unknown }>();
  private readonly failures = new Map<K, { count: number; notBefore: number }>();
  private readonly running = new Set<Promise<void>>();
  private tokens: number;
  private tokensAt: number;
  private pumpTimer: unknown;
  private stopping = false;

  constructor(o: WorkQueueOptions<K>) {
    this.o = o;
    this.clock = o.clock ?? systemClock;
    this.tokens = o.rate.burst;
    this.tokensAt = this.clock.now();
  }

  /** Asks for a reconcile of `key` as soon as possible (after its backoff, if it is backing off). */
  add(key: K): void {
    if (this.stopping) return;
    const wait = this.backoffRemainingMs(key);
    if (wait > 0) return this.addAfter(key, wait);
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.active.has(key)) return;
    this.ready.push(key);
    this.pump();
  }

  /** Adds `key` after `ms`; of several pending delays for one key, the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const cur = this.delayed.get(key);
    if (cur !== undefined && cur.at <= at) return;
    if (cur !== undefined) this.clock.clearTimeout(cur.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Ends `key`'s backoff and forgets its failures. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  /** Failures in a row of `key` (0 after a success or `forget`). */
  failuresOf(key: K): number {
    return this.failures.get(key)?.count ?? 0;
  }

  /** Aborts `key`'s reconcile in flight, if any (a newer desired state supersedes it). */
  cancel(key: K, reason: unknown): void {
    this.active.get(key)?.controller.abort(reason);
  }

  /** True while `key` is being reconciled. */
  isActive(key: K): boolean {
    return this.active.has(key);
  }

  /** When the oldest reconcile in flight started (clock ms), or undefined. */
  oldestActiveSince(): number | undefined {
    let min: number | undefined;
    for (const a of this.active.values()) min = Math.min(min ?? a.startedAt, a.startedAt);
    return min;
  }

  /** Milliseconds until the next delayed key falls due, or undefined when none waits. */
  nextDelayedInMs(): number | undefined {
    let min: number | undefined;
    for (const d of this.delayed.values()) min = Math.min(min ?? d.at, d.at);
    return min === undefined ? undefined : Math.max(0, min - this.clock.now());
  }

  stats(): QueueStats {
    return { ready: this.ready.length, active: this.active.size, delayed: this.delayed.size };
  }

  /** Nothing in flight and nothing ready to run (delayed keys may still wait). */
  isIdle(): boolean {
    return this.active.size === 0 && this.ready.length === 0;
  }

  /** Stops: drops waiting and delayed keys, aborts every reconcile in flight, resolves when they have returned. */
  async shutdown(reason: unknown = new Error("work queue shut down")): Promise<void> {
    this.stopping = true;
    this.clock.clearTimeout(this.pumpTimer);
    for (const d of this.delayed.values()) this.clock.clearTimeout(d.handle);
    this.delayed.clear();
    this.ready.length = 0;
    this.dirty.clear();
    for (const a of this.active.values()) a.controller.abort(reason);
    await Promise.allSettled([...this.running]);
  }

  private backoffRemainingMs(key: K): number {
    const f = this.failures.get(key);
    return f === undefined ? 0 : Math.max(0, f.notBefore - this.clock.now());
  }

  /** Takes a token; returns 0, or how long until one is available. */
  private takeToken(): number {
    const now = this.clock.now();
    const { perSecond, burst } = this.o.rate;
    this.tokens = Math.min(burst, this.tokens + ((now - this.tokensAt) / 1000) * perSecond);
    this.tokensAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / perSecond) * 1000);
  }

  private pump(): void {
    while (!this.stopping && this.ready.length > 0 && this.active.size < this.o.workers) {
      if (this.pumpTimer !== undefined) return;
      const wait = this.takeToken();
      if (wait > 0) {
        this.pumpTimer = this.clock.setTimeout(() => {
          this.pumpTimer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const key = this.ready.shift()!;
      this.dirty.delete(key);
      this.start(key);
    }
  }

  private start(key: K): void {
    // A run reads the latest state, so it supersedes a delayed add of its key (a parked key
    // woken early must not run again when its fallback delay ends); it returns its own requeue.
    const d = this.delayed.get(key);
    if (d !== undefined) {
      this.clock.clearTimeout(d.handle);
      this.delayed.delete(key);
    }
    const controller = new AbortController();
    this.active.set(key, { controller, startedAt: this.clock.now() });
    const p = this.run(key, controller.signal).finally(() => {
      this.running.delete(p);
      this.active.delete(key);
      if (this.dirty.has(key) && !this.stopping) this.ready.push(key);
      this.pump();
      this.checkIdle();
    });
    this.running.add(p);
  }

  private async run(key: K, signal: AbortSignal): Promise<void> {
    let result: QueueResult;
    try {
      result = await this.o.reconcile(key, signal);
    } catch (err: unknown) {
      if (this.stopping) return;
      // The retry below replaces an add that came in meanwhile: it must not skip the backoff.
      this.dirty.delete(key);
      const count = (this.failures.get(key)?.count ?? 0) + 1;
      const delay = Math.min(this.o.backoff.maxMs, this.o.backoff.baseMs * 2 ** (count - 1));
      this.failures.set(key, { count, notBefore: this.clock.now() + delay });
      this.addAfter(key, delay);
      this.o.onError?.(key, err, delay);
      return;
    }
    this.failures.delete(key);
    if (result.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
  }

  private checkIdle(): void {
    if (!this.stopping && this.isIdle()) this.o.onIdle?.();
  }
}
