/**
 * Leader election over a compare-and-set lease (issue #15, CONTRACT.md §6.3), pure over a
 * LeaseStore port and an injected monotonic clock; the NATS KV adapter is
 * reconciler/bus/nats-lease-store.ts.
 *
 * nats-server 2.9 has no per-key TTL, so a lease never expires by itself. As in client-go's
 * leaderelection, expiry is judged by each observer on its own monotonic clock: a standby that
 * has seen the same lease revision for `leaseMs` takes the lease over with a compare-and-set on
 * that revision (so of several standbys exactly one wins, and a leader that renewed in time
 * makes the takeover fail). The leader renews every `renewMs` with a compare-and-set on its own
 * last revision; a renewal that loses the compare-and-set, or no successful renewal for
 * `leaseMs - marginMs` (a paused process wakes up to this; a store that keeps failing), ends
 * its leadership at once, before anything else is sent.
 *
 * The epoch of a term is the stream revision of the write that took the lease (the takeover
 * record says `epoch: 0`, "this write's revision"; its renewals repeat the number). Revisions
 * only grow, so epochs do, and two writes never share one.
 *
 * nats-server 2.9 does not make a clustered compare-and-set serializable: two concurrent
 * writes expecting the same revision may both be accepted (nats-server issue #4320). So a
 * write that succeeded is not yet leadership: the elector reads the key back through the
 * stream leader and leads only if the current revision is its own write. Of two accepted
 * takeovers the later one wins the read-back; the earlier one may read before the later is
 * applied; so a takeover only becomes leadership after one more renewal is accepted and read
 * back (renewMs later, when any concurrent write has long been applied and the loser's CAS
 * fails). Should both still lead for a moment, the earlier epoch is the smaller one, and agents
 * that have seen the newer epoch refuse it. Campaigns are jittered so standbys rarely write at
 * the same instant.
 */

/** What the lease key holds. */
export interface LeaseRecord {
  /** Who holds it; "" after a clean resignation (anyone may take it at once). */
  readonly holder: string;
  /** The term's epoch: 0 in the takeover write (its own revision is the epoch), then that revision. */
  readonly epoch: number;
  /** The holder's wall clock at the last renewal (for people; nobody decides on it). */
  readonly renewedAt: string;
  readonly leaseMs: number;
}

/** A read of the lease: the record (undefined when the key was never written) and its revision. */
export interface LeaseRead {
  readonly record: LeaseRecord;
  readonly revision: number;
}

/** The lease key, compare-and-set. "conflict" = someone else wrote first (or it exists). */
export interface LeaseStore {
  read(): Promise<LeaseRead | undefined>;
  create(r: LeaseRecord): Promise<number | "conflict">;
  update(r: LeaseRecord, revision: number): Promise<number | "conflict">;
}

/** Tunables; with the defaults a standby leads at most about 14 s after a leader's death (8 s lease, up to 2 s jitter, one 2 s renewal to settle, up to 2 s until its next step). */
export interface ElectionOptions {
  /** This process's identity (host:pid:random); must be unique per process. */
  readonly identity: string;
  /** How long a lease revision must stay unchanged before a standby takes over. Default 8 s. */
  readonly leaseMs?: number;
  /** Renewal and campaign period. Default 2 s. */
  readonly renewMs?: number;
  /** The leader stops this long before a standby could take over. Default 2 s. */
  readonly marginMs?: number;
  /** Monotonic milliseconds (performance.now in production, a fake clock in tests). */
  readonly now: () => number;
  readonly wallClock?: () => Date;
  /** A store error (the step is retried at the next period). */
  readonly onError?: (e: unknown) => void;
  /** 0..1, for the campaign jitter (Math.random by default). */
  readonly random?: () => number;
}

/** What the election currently says. */
export type LeaderState =
  | { readonly role: "leader"; readonly epoch: number }
  | { readonly role: "standby"; readonly leader: string | undefined; readonly epoch: number | undefined };

/** The view the controller and the HTTP endpoint use (ControllerOptions.leadership). */
export interface Leadership {
  /** True only while this process holds an unexpired lease. */
  isLeader(): boolean;
  /** The epoch of the current term when leader; undefined otherwise. */
  epoch(): number | undefined;
  state(): LeaderState;
}

/**
 * One elector. Call step() every renewMs (LeaderElector.run does); it returns the state after
 * the step. Transitions are reported to onChange.
 */
export class LeaderElector implements Leadership {
  private readonly leaseMs: number;
  readonly renewMs: number;
  private readonly marginMs: number;
  /** The lease this process wrote; `settled` once a renewal after the takeover was accepted and read back. */
  private mine: { revision: number; epoch: number; renewedAt: number; settled: boolean } | undefined;
  private seen: { revision: number; at: number; record: LeaseRecord; jitter?: number } | undefined;
  private readonly listeners: ((s: LeaderState) => void)[] = [];
  private last: LeaderState = { role: "standby", leader: undefined, epoch: undefined };

  private readonly store: LeaseStore;
  private readonly o: ElectionOptions;

  constructor(store: LeaseStore, o: ElectionOptions) {
    this.store = store;
    this.o = o;
    this.leaseMs = o.leaseMs ?? 8_000;
    this.renewMs = o.renewMs ?? 2_000;
    this.marginMs = o.marginMs ?? 2_000;
    if (this.renewMs >= this.leaseMs - this.marginMs) throw new RangeError(`renewMs (${this.renewMs}) must be well below leaseMs - marginMs (${this.leaseMs - this.marginMs})`);
  }

  onChange(f: (s: LeaderState) => void): void {
    this.listeners.push(f);
  }

  isLeader(): boolean {
    return this.mine !== undefined && this.mine.settled && this.o.now() - this.mine.renewedAt < this.leaseMs - this.marginMs;
  }

  epoch(): number | undefined {
    return this.isLeader() ? this.mine!.epoch : undefined;
  }

  state(): LeaderState {
    if (this.isLeader()) return { role: "leader", epoch: this.mine!.epoch };
    return { role: "standby", leader: this.seen?.record.holder || undefined, epoch: this.seen === undefined ? undefined : epochOf(this.seen) };
  }

  /** One renewal or campaign attempt. Store errors end leadership (leader) or are retried (standby). */
  async step(): Promise<LeaderState> {
    try {
      if (this.mine !== undefined) await this.renew();
      else await this.campaign();
    } catch (e: unknown) {
      // A store error (a NATS server gone, a timeout) is not a lost compare-and-set: nobody can
      // take the lease before it expires, so a settled leader keeps leading until its own
      // validity runs out (isLeader checks the clock) and retries at the next step. A takeover
      // not yet settled is dropped.
      if (this.mine !== undefined && !this.mine.settled) this.mine = undefined;
      this.o.onError?.(e);
    }
    return this.publish();
  }

  /**
   * Steps every renewMs until the signal aborts, then resigns. Resolves after resigning.
   * Timers come from the caller (setTimeout in production) so tests can drive a fake clock.
   */
  async run(signal: AbortSignal, sleep: (ms: number, signal: AbortSignal) => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      await this.step();
      await sleep(this.renewMs, signal).catch(() => undefined);
    }
    await this.resign();
  }

  /** Gives the lease up cleanly so a standby takes over at its next step. */
  async resign(): Promise<void> {
    const m = this.mine;
    this.mine = undefined;
    if (m !== undefined) {
      try {
        await this.store.update(this.record("", m.epoch), m.revision);
      } catch {
        // The standbys take over after leaseMs anyway.
      }
    }
    this.publish();
  }

  private async renew(): Promise<void> {
    const m = this.mine!;
    const started = this.o.now();
    // A leader that has not renewed in time (a paused process waking up) must not renew: a
    // standby may already lead with a newer epoch. It drops out and campaigns again.
    if (started - m.renewedAt >= this.leaseMs - this.marginMs) {
      this.mine = undefined;
      return;
    }
    // The settling renewal comes a full period after the takeover, not at once.
    if (!m.settled && started - m.renewedAt < this.renewMs) return;
    const rev = await this.store.update(this.record(this.o.identity, m.epoch), m.revision);
    if (rev === "conflict" || !(await this.confirmed(rev)) || this.o.now() - m.renewedAt >= this.leaseMs - this.marginMs) {
      this.mine = undefined;
      return;
    }
    this.mine = { revision: rev, epoch: m.epoch, renewedAt: started, settled: true };
  }

  /** The write is leadership only when a read through the stream leader shows it as the current value. */
  private async confirmed(rev: number): Promise<boolean> {
    const back = await this.store.read();
    if (back !== undefined && back.revision !== rev) this.seen = { revision: back.revision, at: this.o.now(), record: back.record };
    return back?.revision === rev;
  }

  private async campaign(): Promise<void> {
    const started = this.o.now();
    const cur = await this.store.read();
    if (cur === undefined) {
      await this.take(started, () => this.store.create(this.record(this.o.identity, 0)));
      return;
    }
    // The revision is known current only from the moment the read returned (a slow read that
    // started before the leader's last renewal may still return it): count from then, never
    // from before the read, or a standby could take over while the leader still trusts its lease.
    const readAt = this.o.now();
    if (this.seen === undefined || this.seen.revision !== cur.revision) this.seen = { revision: cur.revision, at: readAt, record: cur.record, jitter: (this.o.random ?? Math.random)() * this.renewMs };
    const free = cur.record.holder === "";
    const expired = readAt - this.seen.at >= this.leaseMs + (this.seen.jitter ?? 0);
    if (!free && !expired) return;
    await this.take(started, () => this.store.update(this.record(this.o.identity, 0), cur.revision));
  }

  private async take(started: number, write: () => Promise<number | "conflict">): Promise<void> {
    const rev = await write();
    if (rev !== "conflict" && (await this.confirmed(rev))) this.mine = { revision: rev, epoch: rev, renewedAt: started, settled: false };
  }

  private record(holder: string, epoch: number): LeaseRecord {
    return { holder, epoch, renewedAt: (this.o.wallClock?.() ?? new Date()).toISOString(), leaseMs: this.leaseMs };
  }

  private publish(): LeaderState {
    const s = this.state();
    if (s.role !== this.last.role || (s.role === "leader" && this.last.role === "leader" && s.epoch !== this.last.epoch)) {
      this.last = s;
      for (const f of this.listeners) f(s);
    } else this.last = s;
    return s;
  }
}

/** The epoch a lease read names: the record's, or for a takeover record its own revision. */
export function epochOf(r: LeaseRead): number {
  return r.record.epoch === 0 ? r.revision : r.record.epoch;
}

/** The single-controller case (`humops up`, or election off): always leader, epoch fixed. */
export function soleLeader(epoch: number): Leadership {
  return { isLeader: () => true, epoch: () => epoch, state: () => ({ role: "leader", epoch }) };
}
