/** Per-item exponential backoff, capped, and a token-bucket rate limit for commands. Time is injected. */

/**
 * Exponential backoff per id: base * 2^(failures-1), capped at maxMs. A failure is recorded
 * with the desired state's generation it was for: a new generation (the user pushed a change,
 * maybe the fix) is tried at once and counts its failures afresh, as Argo CD and Flux retry on
 * a new commit instead of waiting out the old spec's backoff.
 */
export class Backoff {
  private readonly entries = new Map<string, { failures: number; notBefore: number; generation: number }>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(opts: { baseMs: number; maxMs: number }) {
    this.baseMs = opts.baseMs;
    this.maxMs = opts.maxMs;
  }

  /** Records a failure of `generation` at `nowMs`; returns the delay before the next try. */
  fail(id: string, nowMs: number, generation: number): number {
    const e = this.entries.get(id);
    const failures = (e !== undefined && e.generation === generation ? e.failures : 0) + 1;
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** (failures - 1));
    this.entries.set(id, { failures, notBefore: nowMs + delay, generation });
    return delay;
  }

  /** Forgets `id` after a success. */
  succeed(id: string): void {
    this.entries.delete(id);
  }

  /** How long `id` at `generation` must still wait at `nowMs` (0: may run; always 0 for another generation than the failure's). */
  remainingMs(id: string, nowMs: number, generation: number): number {
    const e = this.entries.get(id);
    return e === undefined || e.generation !== generation ? 0 : Math.max(0, e.notBefore - nowMs);
  }

  /** How many failures in a row `id` has. */
  failures(id: string): number {
    return this.entries.get(id)?.failures ?? 0;
  }
}

/** A token bucket: at most `perSecond` commands per second on average, bursts of `burst`. */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private readonly perSecond: number;
  private readonly burst: number;

  constructor(opts: { perSecond: number; burst: number }) {
    this.perSecond = opts.perSecond;
    this.burst = opts.burst;
    this.tokens = opts.burst;
  }

  /** Resolves when a token is available (or rejects when `signal` aborts). */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
    }
  }
}
