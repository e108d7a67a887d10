/**
 * Runs async tasks one at a time, in call order. The network driver uses one per instance:
 * two applies planned from the same host read would both declare `HUMOPS-POSTROUTING` when it
 * is missing, and `iptables-restore --noflush` flushes a chain it is told to declare.
 */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every task queued before it has settled; resolves or rejects like `fn`. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#tail.then(fn, fn);
    this.#tail = p.catch(() => undefined);
    return p;
  }
}
