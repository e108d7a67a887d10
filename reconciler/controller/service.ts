/**
 * Assembles the controller deployable from its adapters: isomorphic-git source and status
 * writer, the NATS bus, the ref watcher (local repositories), the HTTP endpoint (webhook,
 * health, metrics) and the loop. Used by `humops controller` and `humops up`.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import type { ControllerBus } from "../bus/controller-bus.js";
import { NatsControllerBus } from "../bus/nats-controller-bus.js";
import { loadGitAuth } from "../git/git-auth.js";
import { IsoGitSource } from "../git/iso-git-source.js";
import { IsoGitStatusWriter } from "../git/iso-git-status-writer.js";
import { isRemoteRepo } from "../git/repo-location.js";
import { startControllerServer } from "../http/controller-server.js";
import { makeControllerMetrics } from "../http/metrics.js";
import { watchBranchRefs } from "../watch/chokidar-watcher.js";
import { Controller } from "./controller.js";

/** What a loop reports after each round (the Controller's own type). */
type RoundReport = Parameters<Parameters<Controller["onRound"]>[0]>[0];
import { fencedBus, fencedStatus } from "./fenced-ports.js";
import { LeaderElector, soleLeader, type LeaderState, type Leadership } from "./leader-election.js";
import { loadDownloadToken } from "./download-token.js";
import { makeTreeLoader } from "./load-tree.js";
import { resourceRequests } from "./requests.js";

/** Options of startControllerService (the `humops controller` flags). */
export interface ControllerServiceOptions {
  readonly repo: string;
  readonly branch: string;
  readonly path: string;
  readonly statusBranch: string;
  readonly workDir: string;
  readonly nats?: { readonly url: string; readonly user?: string; readonly password?: string; readonly credsFile?: string };
  /** Use this bus instead of connecting to NATS (tests). */
  readonly bus?: ControllerBus;
  readonly pollIntervalMs: number;
  readonly listen?: string | undefined;
  readonly webhookSecretFile?: string | undefined;
  readonly gitCredentialsFile?: string | undefined;
  /** The cluster download token's file; default: generated once in `<workDir>/download-token` (issue #6). */
  readonly downloadTokenFile?: string | undefined;
  readonly commandTimeoutMs?: number;
  /** How long a node is NotReady before it counts as lost (`--node-lost-after`, issue #14); default 30 s. */
  readonly nodeLostAfterMs?: number;
  /** Replicas of the NATS buckets (`--nats-replicas`, issue #15); default 1. */
  readonly natsReplicas?: number;
  /**
   * Leader election on the NATS lease (issue #15); default on when connecting to NATS, off with
   * an injected bus. Only the leader sends commands (with its epoch) and writes status.
   */
  readonly leaderElection?: false | { readonly leaseMs?: number; readonly renewMs?: number; readonly marginMs?: number };
  readonly log: Logger;
}

/** A running controller and how to stop it. */
export interface ControllerService {
  /** The loop of the current term; undefined while this process is a standby. */
  readonly controller: Controller | undefined;
  /** Leader or standby, and the epoch. */
  readonly leadership: Leadership;
  /** Round reports of every term's loop. */
  onRound(fn: (r: RoundReport) => void): void;
  /** Asks the current loop (if leading) for a round now. */
  trigger(why: string): void;
  /** Base URL of the HTTP endpoint, when listening. */
  readonly url: string | undefined;
  stop(): Promise<void>;
}

/** Connects everything and starts the loop; rejects when NATS or the HTTP port is unavailable at start. */
export async function startControllerService(o: ControllerServiceOptions): Promise<ControllerService> {
  mkdirSync(o.workDir, { recursive: true });
  const auth = loadGitAuth({ file: o.gitCredentialsFile });
  const downloadToken = await loadDownloadToken({ file: o.downloadTokenFile, workDir: o.workDir });
  const source = new IsoGitSource({ repo: o.repo, branch: o.branch, path: o.path, workDir: o.workDir, auth });
  const status = new IsoGitStatusWriter({ repo: o.repo, branch: o.statusBranch, workDir: o.workDir, auth });
  const natsBus = o.bus === undefined ? await NatsControllerBus.connect({ servers: splitUrls(o.nats?.url ?? "nats://127.0.0.1:4222"), log: o.log, replicas: o.natsReplicas ?? 1, ...pick(o.nats) }) : undefined;
  const bus: ControllerBus = o.bus ?? natsBus!;
  const metrics = makeControllerMetrics();
  const electing = natsBus !== undefined && o.leaderElection !== false;
  const elector = electing
    ? new LeaderElector(await natsBus.openLease(), {
        identity: `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`,
        now: () => performance.now(),
        onError: (err) => o.log.warn({ err }, "leader lease: NATS error (a leader steps down at once)"),
        ...(typeof o.leaderElection === "object" ? o.leaderElection : {}),
      })
    : undefined;
  const leadership: Leadership = elector ?? soleLeader(1);
  let controller: Controller | undefined;
  let ready = false;
  const roundListeners: ((r: RoundReport) => void)[] = [];
  const newController = (): Controller => {
    const deps = { source, load: makeTreeLoader(), log: o.log, requests: resourceRequests, metrics: metrics.hooks };
    const c = elector
      ? new Controller({ ...deps, bus: fencedBus(bus, elector), status: fencedStatus(status, elector) }, opts)
      : new Controller({ ...deps, bus, status }, opts);
    c.onRound((r) => {
      ready = true;
      for (const f of roundListeners) f(r);
    });
    return c;
  };
  const opts = { pollIntervalMs: o.pollIntervalMs, downloadToken, ...(o.commandTimeoutMs !== undefined ? { commandTimeoutMs: o.commandTimeoutMs } : {}), ...(o.nodeLostAfterMs !== undefined ? { nodeLostAfterMs: o.nodeLostAfterMs } : {}) };
  // Terms start and end in order; a loop that is stopping finishes before the next one starts.
  let transitions: Promise<void> = Promise.resolve();
  let stopping = false;
  const onLeadership = (s: LeaderState): void => {
    metrics.leadership(s.role === "leader", s.role === "leader" ? s.epoch : undefined);
    transitions = transitions.then(async () => {
      if (s.role === "leader" && controller === undefined) {
        o.log.info({ epoch: s.epoch }, "elected leader: starting the loop");
        controller = newController();
        controller.start();
      } else if (s.role !== "leader" && controller !== undefined) {
        // Stopping gives the lease up on purpose: that is no loss worth a warning on the user's console.
        if (stopping) o.log.info("stepping down: the controller is stopping");
        else o.log.warn({ leader: s.leader }, "lost the leader lease: stopping the loop (nothing more is sent or written)");
        const c = controller;
        controller = undefined;
        ready = false;
        await c.stop();
      }
    });
  };
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  if (o.listen !== undefined) {
    const secret = o.webhookSecretFile === undefined ? undefined : Buffer.from(readFileSync(o.webhookSecretFile, "utf8").trim());
    const started = await startControllerServer({
      listen: o.listen,
      secret,
      branch: o.branch,
      onPush: (p) => controller?.trigger(`webhook:${p}`),
      // A standby is ready too (it is what takes over); the body says which.
      isReady: () => (leadership.isLeader() ? ready : elector !== undefined),
      readiness: () => describe(leadership.state()),
      registry: metrics.registry,
      log: o.log,
    });
    stops.push(
      () =>
        new Promise((r) => {
          started.server.close(() => r());
          started.server.closeAllConnections();
        }),
    );
    url = started.url;
  }
  if (!isRemoteRepo(o.repo)) stops.push(await watchBranchRefs({ gitdir: source.gitdir, branch: o.branch, onChange: () => controller?.trigger("watch") }));
  const campaign = new AbortController();
  let electing$: Promise<void> = Promise.resolve();
  if (elector) {
    elector.onChange(onLeadership);
    metrics.leadership(false, undefined);
    electing$ = elector.run(campaign.signal, sleep);
  } else onLeadership(leadership.state());
  return {
    get controller() {
      return controller;
    },
    leadership,
    url,
    onRound: (fn) => void roundListeners.push(fn),
    trigger: (why) => controller?.trigger(why),
    stop: async () => {
      stopping = true;
      campaign.abort();
      await electing$;
      await transitions;
      const c = controller;
      controller = undefined;
      await c?.stop();
      for (const s of stops) await s();
      if (o.bus === undefined) await bus.close();
    },
  };
}

/** `--nats a,b,c`: the servers of a cluster. */
export function splitUrls(url: string): string[] {
  return url.split(",").map((u) => u.trim()).filter((u) => u.length > 0);
}

function describe(s: LeaderState): string {
  return s.role === "leader" ? `leader epoch ${s.epoch}` : `standby${s.leader ? ` (leader: ${s.leader}${s.epoch !== undefined ? `, epoch ${s.epoch}` : ""})` : ""}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function pick(n: ControllerServiceOptions["nats"]): { user?: string; password?: string; credsFile?: string } {
  return { ...(n?.user !== undefined ? { user: n.user } : {}), ...(n?.password !== undefined ? { password: n.password } : {}), ...(n?.credsFile !== undefined ? { credsFile: n.credsFile } : {}) };
}
