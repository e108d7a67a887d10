/**
 * The controller loop: runs reconcile rounds one at a time, triggered by the git poll
 * (jittered), the webhook, the file-system watcher, bus events (node up/down, inventory,
 * reconnect) and its own requeues (backoff, waiting). Triggers that arrive during a round are
 * coalesced into one more round. A failed round (git or NATS unreachable) backs off and
 * retries; the loop never exits on its own.
 */
import type { Logger } from "pino";
import type { LoadResult } from "../manifest/types.js";
import { RateLimiter } from "./backoff.js";
import { ControllerState } from "./controller-state.js";
import type { ControllerDeps, ControllerOptions } from "./ports.js";
import { reconcileRound, type RoundReport } from "./reconcile-round.js";

const DEFAULTS = { pollIntervalMs: 30_000, commandTimeoutMs: 120_000, backoffBaseMs: 1_000, backoffMaxMs: 60_000, commandsPerSecond: 50, inventoryGraceMs: 60_000 };

/** Runs the reconcile loop; see the file header. */
export class Controller {
  readonly state: ControllerState;
  private readonly deps: ControllerDeps;
  private readonly opts: typeof DEFAULTS;
  private readonly downloadToken: string | undefined;
  private readonly log: Logger;
  private readonly limiter: RateLimiter;
  private readonly abort = new AbortController();
  private readonly loads = new Map<string, Promise<LoadResult>>();
  private running: Promise<void> | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private roundFailures = 0;
  private rounds = 0;
  private readonly listeners = new Set<(r: RoundReport) => void>();

  constructor(deps: ControllerDeps, opts: ControllerOptions = {}) {
    this.deps = deps;
    const { downloadToken, ...rest } = opts;
    this.opts = { ...DEFAULTS, ...rest };
    this.downloadToken = downloadToken;
    this.log = deps.log.child({ component: "controller" });
    this.state = new ControllerState({ backoffBaseMs: this.opts.backoffBaseMs, backoffMaxMs: this.opts.backoffMaxMs });
    this.limiter = new RateLimiter({ perSecond: this.opts.commandsPerSecond, burst: this.opts.commandsPerSecond * 2 });
  }

  /** Starts watching the bus and polling; runs a first round at once. */
  start(): void {
    this.unwatch = this.deps.bus.watch((e) => this.trigger(`bus:${e.type}`));
    this.schedulePoll();
    this.trigger("start");
  }

  /** Calls `fn` after every round (tests, `humops up` progress); returns an unsubscribe function. */
  onRound(fn: (r: RoundReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Asks for a round as soon as possible (coalesced with one already asked for). */
  trigger(why: string): void {
    if (this.abort.signal.aborted) return;
    this.log.debug({ why }, "round requested");
    this.dirty = true;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  /** Stops the loop, aborting a round in progress, and waits for it. */
  async stop(): Promise<void> {
    this.abort.abort(new Error("controller stopping"));
    clearTimeout(this.timer);
    clearTimeout(this.pollTimer);
    this.unwatch?.();
    await this.running?.catch(() => undefined);
  }

  private schedulePoll(): void {
    if (this.opts.pollIntervalMs <= 0) return;
    const jitter = this.opts.pollIntervalMs * (0.9 + Math.random() * 0.2);
    this.pollTimer = setTimeout(() => {
      this.trigger("poll");
      this.schedulePoll();
    }, jitter);
    this.pollTimer.unref?.();
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.abort.signal.aborted) {
      this.dirty = false;
      clearTimeout(this.timer);
      const after = await this.runRound();
      if (after !== undefined && !this.abort.signal.aborted) {
        this.timer = setTimeout(() => this.trigger("requeue"), after);
      }
    }
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

  /** Runs one round; returns when to come back on its own. */
  private async runRound(): Promise<number | undefined> {
    const t0 = performance.now();
    const log = this.log.child({ reconcileId: ++this.rounds });
    const ctx = {
      deps: this.deps,
      state: this.state,
      limiter: this.limiter,
      commandTimeoutMs: this.opts.commandTimeoutMs,
      inventoryGraceMs: this.opts.inventoryGraceMs,
      ...(this.downloadToken !== undefined ? { downloadToken: this.downloadToken } : {}),
      loadCached: (c: string) => this.loadCached(c),
      log,
    };
    try {
      const report = await reconcileRound(ctx, this.abort.signal);
      this.roundFailures = 0;
      this.deps.metrics?.roundDone?.((performance.now() - t0) / 1000, "ok");
      log.info({ revision: report.commit, commandsSent: report.commandsSent, notReady: report.notReady, statusChanged: report.statusChanged }, "round done");
      for (const l of this.listeners) l(report);
      return report.requeueAfterMs;
    } catch (e: unknown) {
      this.deps.metrics?.roundDone?.((performance.now() - t0) / 1000, "error");
      if (this.abort.signal.aborted) return undefined;
      this.roundFailures++;
      const delay = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** (this.roundFailures - 1));
      log.warn({ err: e, retryInMs: delay }, "round failed");
      return delay;
    }
  }
}
