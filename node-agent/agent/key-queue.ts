/**
 * Runs tasks one at a time per resource key, and at most `limit` at once across keys: two
 * commands for one resource never overlap (a delete waits for the apply before it), while
 * different resources proceed in parallel.
 */

/** Per-key serial, globally bounded task queue. */
export class KeyQueue {
  readonly #limit: number;
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #waiting: Array<() => void> = [];
  #running = 0;

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  /** Runs `task` after every earlier task of `key`, within the global limit; resolves with its result. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const p = before.catch(() => undefined).then(() => this.#bounded(task));
    const tail = p.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return p;
  }

  async #bounded<T>(task: () => Promise<T>): Promise<T> {
    while (this.#running >= this.#limit) await new Promise<void>((r) => this.#waiting.push(r));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
