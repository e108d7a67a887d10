/**
 * Coalesces status writes (issue #11, CONTRACT §6.1): while things change, at most one write per
 * `minIntervalMs` (2 s), always of the latest content offered; nothing is written when the
 * rendered files equal what was last written (an idle cluster makes no commits). A failed
 * write is retried with the latest content after a growing pause. `stop` writes what is still
 * pending, then accepts nothing more.
 */
import { systemClock, type Clock } from "./clock.js";

/** What a write did (the StatusWriter's answer). */
export interface StatusWriteResult {
  readonly changed: boolean;
  readonly commit: string | undefined;
}

/** Options of a StatusDebouncer. */
export interface StatusDebouncerOptions {
  readonly write: (files: ReadonlyMap<string, string>, message: string) => Promise<StatusWriteResult>;
  readonly minIntervalMs?: number;
  /** Longest pause between retries of a failing write. Default 30 s. */
  readonly maxRetryMs?: number;
  readonly clock?: Clock;
  /** Called with every failed write (it is retried). */
  readonly onError?: (err: unknown, retryInMs: number) => void;
}

interface Pending {
  files: ReadonlyMap<string, string>;
  message: string;
  waiters: Array<(r: StatusWriteResult) => void>;
}

/** The debouncer; see the file header. */
export class StatusDebouncer {
  private readonly o: StatusDebouncerOptions;
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private last: { files: ReadonlyMap<string, string>; commit: string | undefined } | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private pending: Pending | undefined;
  private writing: Promise<void> | undefined;
  private timer: unknown;
  private failures = 0;
  private stopped = false;

  constructor(o: StatusDebouncerOptions) {
    this.o = o;
    this.clock = o.clock ?? systemClock;
    this.minIntervalMs = o.minIntervalMs ?? 2000;
  }

  /**
   * Offers the latest status. Resolves once it (or newer content) is written, with that write's
   * result; at once with `changed: false` when it equals what was last written.
   */
  offer(files: ReadonlyMap<string, string>, message: string): Promise<StatusWriteResult> {
    if (this.stopped) return Promise.resolve({ changed: false, commit: this.last?.commit });
    if (this.writing === undefined && this.last !== undefined && sameFiles(this.last.files, files)) {
      // Back to what is written (A -> B -> A within the interval): nothing to write, B's offers end too.
      const res = { changed: false, commit: this.last.commit };
      const dropped = this.pending;
      this.pending = undefined;
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      for (const w of dropped?.waiters ?? []) w(res);
      return Promise.resolve(res);
    }
    return new Promise((resolve) => {
      const waiters = this.pending?.waiters ?? [];
      waiters.push(resolve);
      this.pending = { files, message, waiters };
      this.schedule();
    });
  }

  /** True while content waits to be written or is being written. */
  get isBusy(): boolean {
    return this.pending !== undefined || this.writing !== undefined;
  }

  /** Writes what is pending now (ignoring the interval), waits for it, and accepts nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    if (this.pending !== undefined) await this.writeNow();
  }

  private schedule(): void {
    if (this.writing !== undefined || this.timer !== undefined || this.pending === undefined) return;
    const pause = this.failures > 0 ? Math.min(this.o.maxRetryMs ?? 30_000, this.minIntervalMs * 2 ** (this.failures - 1)) : this.minIntervalMs;
    const wait = Math.max(0, this.lastWriteAt + pause - this.clock.now());
    if (wait === 0) {
      void this.writeNow();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.writeNow();
    }, wait);
  }

  private writeNow(): Promise<void> {
    const p = this.pending;
    if (p === undefined) return Promise.resolve();
    this.pending = undefined;
    this.writing = (async () => {
      try {
        const res = await this.o.write(p.files, p.message);
        this.failures = 0;
        this.last = { files: p.files, commit: res.commit };
        for (const w of p.waiters) w(res);
      } catch (err: unknown) {
        this.failures++;
        // The failed content goes back unless newer content came meanwhile; its waiters wait on.
        this.pending = this.pending === undefined ? p : { ...this.pending, waiters: [...p.waiters, ...this.pending.waiters] };
        this.o.onError?.(err, Math.min(this.o.maxRetryMs ?? 30_000, this.minIntervalMs * 2 ** (this.failures - 1)));
        if (this.stopped) for (const w of this.pending.waiters) w({ changed: false, commit: this.last?.commit });
      } finally {
        this.lastWriteAt = this.clock.now();
        this.writing = undefined;
      }
      if (this.pending !== undefined && this.last !== undefined && sameFiles(this.last.files, this.pending.files)) {
        const same = this.pending;
        this.pending = undefined;
        for (const w of same.waiters) w({ changed: false, commit: this.last.commit });
      }
      if (!this.stopped) this.schedule();
    })();
    return this.writing;
  }
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
