/**
 * Abort listeners on long-lived signals without accumulation. The agent hands one agent-wide
 * signal to every driver and the controller one loop-wide signal to every send; each
 * operation listening on it directly adds a listener per operation in flight, and past 10
 * Node prints `MaxListenersExceededWarning` (issue #11, seen on `humops up`'s console). Here
 * every signal gets at most ONE listener of ours, however many operations wait on it: a fan-out
 * set behind it, each entry removed when its operation ends.
 *
 * Lives in schemas/ because both sides need it and neither may import the other; it has no
 * dependency.
 */

interface Fanout {
  readonly subscribers: Set<(reason: unknown) => void>;
  readonly onAbort: () => void;
}

const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Calls `fn(reason)` once when `signal` aborts (at once, synchronously, when it already has).
 * Returns the unsubscribe function: call it when the operation ends (in `finally`); after the
 * last subscriber leaves, the signal has no listener of ours left.
 */
export function onAbort(signal: AbortSignal, fn: (reason: unknown) => void): () => void {
  if (signal.aborted) {
    fn(signal.reason);
    return () => undefined;
  }
  let f = fanouts.get(signal);
  if (f === undefined) {
    const subscribers = new Set<(reason: unknown) => void>();
    const entry: Fanout = {
      subscribers,
      onAbort: () => {
        fanouts.delete(signal);
        for (const s of [...subscribers]) s(signal.reason);
        subscribers.clear();
      },
    };
    signal.addEventListener("abort", entry.onAbort, { once: true });
    fanouts.set(signal, entry);
    f = entry;
  }
  const fanout = f;
  // A fresh function per subscription: subscribing the same `fn` twice needs two removals.
  const sub = (reason: unknown): void => fn(reason);
  fanout.subscribers.add(sub);
  return () => {
    fanout.subscribers.delete(sub);
    if (fanout.subscribers.size === 0 && fanouts.get(signal) === fanout) {
      signal.removeEventListener("abort", fanout.onAbort);
      fanouts.delete(signal);
    }
  };
}

/** An operation's own abort controller, aborted with its parent; `dispose()` (in `finally`) unlinks it. */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  /** Aborts this operation only (the parent is untouched). */
  abort(reason?: unknown): void;
  /** Unlinks from the parent; idempotent. */
  dispose(): void;
}

/** A per-operation controller linked to `parent` (none: a plain controller) through onAbort. */
export function linkedAbort(parent: AbortSignal | undefined): LinkedAbort {
  const ac = new AbortController();
  const unlink = parent === undefined ? () => undefined : onAbort(parent, (reason) => ac.abort(reason));
  return { signal: ac.signal, abort: (reason?: unknown) => ac.abort(reason), dispose: unlink };
}

/** `p`, or the signal's reason if it aborts first; no listener is left behind either way. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, reject);
    p.then(
      (v) => (off(), resolve(v)),
      (e: unknown) => (off(), reject(e)),
    );
  });
}
