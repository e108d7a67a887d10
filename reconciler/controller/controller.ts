/**
 * The controller loop (issue #11): a sync reads the latest desired and observed state
 * (read-world.ts) whenever something may have changed it (the git poll with jitter, the
 * webhook, the file-system watcher, bus events: node up/down, inventory, reconnect) and
 * enqueues every (resource, node) key that needs work; a work queue (work-queue.ts) runs one
 * reconcile per key at a time on a bounded pool of workers (reconcile-key.ts). Syncs never wait
 * for work: a push is read and its first command sent while other keys' commands are in flight.
 * Syncs run one at a time; triggers during one coalesce into one more. A failed sync (git or NATS
 * unreachable) backs off and retries; the loop never exits on its own.
 *
 * Status: built from the latest facts when the work settles (nothing in flight or ready to run;
 * that moment is a "round" for `onRound`) and, while an operation has run for a while, every
 * 2 s; written through the debouncer (status-debouncer.ts): at most one commit per 2 s, none
 * when nothing changed.
 */
import type { Logger } from "pino";
import type { ResourceKey } from "../../schemas/kinds.js";
import type { LoadResult } from "../manifest/types.js";
import { renderStatusFiles } from "../status/render-status.js";
import type { ClusterStatus } from "../status/types.js";
import type { OperationUpdate } from "../bus/controller-bus.js";
import { RateLimiter } from "./backoff.js";
import { buildStatus } from "./build-status.js";
import { ControllerState } from "./controller-state.js";
import type { ItemOutcome } from "./execute-work.js";
import { PlacementClaims } from "./placement-claims.js";
import type { ControllerDeps, ControllerOptions } from "./ports.js";
import { poolUsageDetails } from "./pool-usage.js";
import { readWorld, type World } from "./read-world.js";
import { reconcileKey, type KeyContext } from "./reconcile-key.js";
import type { RoundContext, RoundReport } from "./reconcile-round.js";
import { StatusDebouncer, type StatusWriteResult } from "./status-debouncer.js";
import { WorkQueue } from "./work-queue.js";
import { DEFAULT_NODE_LOST_AFTER_MS, nextLossInMs } from "./node-loss.js";

const DEFAULTS = {
  pollIntervalMs: 30_000, commandTimeoutMs: 120_000, acceptWithinMs: 500, backoffBaseMs: 1_000, backoffMaxMs: 60_000, commandsPerSecond: 50, inventoryGraceMs: 60_000,
  workers: 128, statusIntervalMs: 2_000, progressAfterMs: 5_000, nodeLostAfterMs: DEFAULT_NODE_LOST_AFTER_MS,
};

/** Runs the loop; see the file header. */
export class Controller {
  readonly state: ControllerState;
  private readonly deps: ControllerDeps;
  private readonly opts: typeof DEFAULTS;
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private readonly loads = new Map<string, Promise<LoadResult>>();
  private readonly claims = new PlacementClaims();
  private readonly outcomes = new Map<string, ItemOutcome>();
  private readonly waiters = new Map<ResourceKey, Set<string>>();
  private readonly queue: WorkQueue<string>;
  private readonly debouncer: StatusDebouncer;
  private readonly roundCtx: RoundContext;
  private readonly keyCtx: KeyContext;
  private world: World | undefined;
  private syncing: Promise<void> | undefined;
  private syncDirty = false;
  /** True while a sync reads and plans: the work is not settled while a newer world may come. */
  private inSync = false;
  private syncFailures = 0;
  private syncs = 0;
  private sentSinceReport = 0;
  private settleQueued = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  /** Fires when the next NotReady node becomes lost, so its resources' status says so without waiting for a poll. */
  private lossTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private readonly listeners = new Set<(r: RoundReport) => void>();

  constructor(deps: ControllerDeps, opts: ControllerOptions = {}) {
    this.deps = deps;
    const { downloadToken, ...rest } = opts;
    this.opts = { ...DEFAULTS, ...rest };
    this.log = deps.log.child({ component: "controller" });
    this.state = new ControllerState({ backoffBaseMs: this.opts.backoffBaseMs, backoffMaxMs: this.opts.backoffMaxMs });
    const limiter = new RateLimiter({ perSecond: this.opts.commandsPerSecond, burst: this.opts.commandsPerSecond * 2 });
    this.roundCtx = {
      deps, state: this.state, limiter, commandTimeoutMs: this.opts.commandTimeoutMs, acceptWithinMs: this.opts.acceptWithinMs, inventoryGraceMs: this.opts.inventoryGraceMs,
      ...(downloadToken !== undefined ? { downloadToken } : {}), loadCached: (c) => this.loadCached(c), log: this.log,
    };
    this.keyCtx = {
      ctx: this.roundCtx, world: () => this.world, claims: this.claims, outcomes: this.outcomes, waiters: this.waiters,
      wake: (key) => this.wake(key), sent: () => void this.sentSinceReport++,
    };
    this.queue = new WorkQueue<string>({
      reconcile: (id, signal) => reconcileKey(this.keyCtx, id, signal),
      workers: this.opts.workers,
      backoff: { baseMs: this.opts.backoffBaseMs, maxMs: this.opts.backoffMaxMs },
      // Reconciles that send nothing are cheap: the command rate (RateLimiter) is the tighter bound.
      rate: { perSecond: this.opts.commandsPerSecond * 4, burst: this.opts.commandsPerSecond * 8 },
      onError: (id, err, retryInMs) => this.log.debug({ item: id, err, retryInMs }, "reconcile backs off"),
      onIdle: () => this.settleSoon(),
    });
    this.debouncer = new StatusDebouncer({
      write: (files, message) => deps.status.write(files, message),
      minIntervalMs: this.opts.statusIntervalMs,
      onError: (err, retryInMs) => this.log.warn({ err, retryInMs }, "status write failed"),
    });
  }

  /** Starts watching the bus and polling; syncs at once. */
  start(): void {
    this.unwatch = this.deps.bus.watch((e) => (e.type === "operation" ? this.onOperation(e.update) : this.trigger(`bus:${e.type}`)));
    this.schedulePoll();
    this.trigger("start");
  }

  /** Calls `fn` each time the work settles (tests, `humops up` progress); returns an unsubscribe function. */
  onRound(fn: (r: RoundReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Asks for a sync as soon as possible (coalesced with one already asked for). */
  trigger(why: string): void {
    if (this.abort.signal.aborted) return;
    this.log.debug({ why }, "sync requested");
    this.syncDirty = true;
    this.syncing ??= this.syncLoop().finally(() => (this.syncing = undefined));
  }

  /** Stops: aborts the reconciles in flight, waits for them and the sync, writes the latest status. */
  async stop(): Promise<void> {
    this.abort.abort(new Error("controller stopping"));
    clearTimeout(this.retryTimer);
    clearTimeout(this.pollTimer);
    clearTimeout(this.progressTimer);
    clearTimeout(this.lossTimer);
    this.unwatch?.();
    await this.queue.shutdown(this.abort.signal.reason);
    await this.syncing?.catch(() => undefined);
    if (this.world !== undefined) void this.publishStatus(this.world);
    await this.debouncer.stop();
  }

  private schedulePoll(): void {
    if (this.opts.pollIntervalMs <= 0) return;
    // The periodic full resync, jittered +-10% so controllers and nodes do not beat together.
    const jitter = this.opts.pollIntervalMs * (0.9 + Math.random() * 0.2);
    this.pollTimer = setTimeout(() => {
      this.trigger("poll");
      this.schedulePoll();
    }, jitter);
    this.pollTimer.unref?.();
  }

  private loadCached(commit: string): Promise<LoadResult> {
    let p = this.loads.get(commit);
    if (p === undefined) {
      p = (async () => this.deps.load(await this.deps.source.readTree(commit), commit))();
      p.catch(() => this.loads.delete(commit));
      this.loads.clear();
      this.loads.set(commit, p);
    }
    return p;
  }

  private async syncLoop(): Promise<void> {
    while (this.syncDirty && !this.abort.signal.aborted) {
      this.syncDirty = false;
      clearTimeout(this.retryTimer);
      await this.sync();
    }
  }

  private async sync(): Promise<void> {
    this.inSync = true;
    const t0 = performance.now();
    const log = this.log.child({ reconcileId: ++this.syncs });
    try {
      const world = await readWorld({ deps: this.deps, state: this.state, claims: this.claims, inventoryGraceMs: this.opts.inventoryGraceMs, loadCached: (c) => this.loadCached(c) });
      if (this.abort.signal.aborted) return;
      this.install(world);
      this.syncFailures = 0;
      this.deps.metrics?.roundDone?.((performance.now() - t0) / 1000, "ok");
      log.debug({ revision: world.commit, items: world.items.size }, "synced");
    } catch (e: unknown) {
      this.deps.metrics?.roundDone?.((performance.now() - t0) / 1000, "error");
      if (this.abort.signal.aborted) return;
      this.syncFailures++;
      const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** (this.syncFailures - 1));
      log.warn({ err: e, retryInMs: delay }, "round failed");
      this.retryTimer = setTimeout(() => this.trigger("retry"), delay);
    } finally {
      this.inSync = false;
      // Each sync may settle the work, even when triggers keep coming (a webhook storm must not starve the rounds).
      this.settleSoon();
    }
  }

  /** Makes `world` the latest and enqueues every key that needs work (a new desired state ends its backoff). */
  private install(world: World): void {
    const before = this.world;
    this.world = world;
    this.waiters.clear();
    // The statuses follow every sync (generations, incarnations and placements read them); they are written when the work settles.
    this.buildLatestStatus(world);
    for (const [id, item] of world.items) {
      const was = before?.items.get(id);
      if (world.minted.has(item.key) || (was !== undefined && (was.generation !== item.generation || was.op !== item.op))) this.queue.forget(id);
      this.queue.add(id);
    }
    // An operation in flight for an item no longer wanted (its resource deleted mid-create) is cancelled (apply-on-node.ts).
    for (const id of this.state.operations.ids()) if (!world.items.has(id)) this.queue.add(id);
    const s = this.queue.stats();
    this.deps.metrics?.queueDepth?.(s.ready + s.active + s.delayed);
    this.tickProgress();
  }

  /** An agent's operation update (protocol 1.3): a completion wakes its key, which takes the result. */
  private onOperation(u: OperationUpdate): void {
    const id = this.state.operations.update(u, Date.now());
    if (id !== undefined) this.queue.add(id);
    else if (u.state === "Running") this.tickProgress();
  }

  private wake(key: ResourceKey): void {
    const ids = this.waiters.get(key);
    if (ids === undefined) return;
    this.waiters.delete(key);
    for (const id of ids) this.queue.add(id);
  }

  /** While work runs, refreshes the status every interval once an operation has run for `progressAfterMs`. */
  private tickProgress(): void {
    if (this.progressTimer !== undefined || (this.queue.isIdle() && this.state.operations.size === 0) || this.abort.signal.aborted) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      const since = Math.min(this.queue.oldestActiveSince() ?? Infinity, this.state.operations.oldestStartedMs() ?? Infinity);
      if (this.world !== undefined && Date.now() - since >= this.opts.progressAfterMs) void this.publishStatus(this.world);
      this.tickProgress();
    }, this.opts.statusIntervalMs);
    this.progressTimer.unref?.();
  }

  private settleSoon(): void {
    if (this.settleQueued) return;
    this.settleQueued = true;
    queueMicrotask(() => {
      this.settleQueued = false;
      const w = this.world;
      if (w === undefined || this.inSync || !this.queue.isIdle() || this.abort.signal.aborted) return;
      this.report(w);
    });
  }

  /** The work settled: status from the latest facts, then a RoundReport once it is written. */
  private report(w: World): void {
    const commandsSent = this.sentSinceReport;
    this.sentSinceReport = 0;
    const requeueAfterMs = this.queue.nextDelayedInMs();
    const { notReady, written } = this.publishStatus(w);
    void written.then((res) => {
      this.log.info({ revision: w.commit, commandsSent, notReady, statusChanged: res.changed }, "round done");
      const r: RoundReport = { commit: w.commit, commandsSent, statusCommit: res.commit, statusChanged: res.changed, notReady, requeueAfterMs };
      for (const l of this.listeners) l(r);
    });
  }

  /** Builds the status of everything from the latest facts; the controller's statuses become it. */
  private buildLatestStatus(w: World): ClusterStatus {
    const { state, deps } = this;
    const status = buildStatus({
      commit: w.commit, now: deps.now?.() ?? new Date(), load: w.load, generations: w.generations, specHashes: w.hashes, incarnations: w.incarnations, placement: w.placement,
      observed: w.observed, outcomes: this.outcomes, operations: state.operations.views(), clusterApplied: state.clusterApplied, stalled: state.stalled, heldDeletes: w.gate.heldDeletes, previous: state.statuses,
      nodes: w.nodes, previousNodes: state.nodes, poolUsage: poolUsageDetails(w.load.resources), nodeLostAfterMs: this.opts.nodeLostAfterMs,
    });
    state.statuses = new Map(status.resources);
    state.nodes = new Map(status.nodes);
    this.scheduleLossCheck(status);
    return status;
  }

  /** Syncs again when the next NotReady node of `status` crosses the node-lost delay. */
  private scheduleLossCheck(status: ClusterStatus): void {
    clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
    if (this.abort.signal.aborted) return;
    const inMs = nextLossInMs(status.nodes.values(), this.opts.nodeLostAfterMs, this.deps.now?.() ?? new Date());
    if (inMs === undefined) return;
    this.lossTimer = setTimeout(() => this.trigger("node-lost"), inMs + 50);
    this.lossTimer.unref?.();
  }

  /** Builds the status and offers it to the debouncer. */
  private publishStatus(w: World): { notReady: number; written: Promise<StatusWriteResult> } {
    const { state, deps } = this;
    const status = this.buildLatestStatus(w);
    // An outcome is shown once; the status keeps its condition afterwards (build-status.ts reads `previous`).
    for (const id of [...this.outcomes.keys()]) if (!w.items.has(id) && !this.queue.isActive(id)) this.outcomes.delete(id);
    const notReady = [...status.resources.values()].filter((r) => !r.ready).length;
    const message = `humops status: ${status.resources.size - notReady} ready, ${notReady} not ready\n\nManifests-Commit: ${w.commit}\n`;
    deps.metrics?.appliedCommit?.(w.commit);
    const written = this.debouncer.offer(renderStatusFiles(status, state.renderCache), message);
    void written.then((res) => res.changed && this.log.info({ statusCommit: res.commit, notReady }, "status committed"));
    return { notReady, written };
  }
}
