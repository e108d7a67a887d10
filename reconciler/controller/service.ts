/**
 * Assembles the controller deployable from its adapters: isomorphic-git source and status
 * writer, the NATS bus, the ref watcher (local repositories), the HTTP endpoint (webhook,
 * health, metrics) and the loop. Used by `humops controller` and `humops up`.
 */
import { mkdirSync, readFileSync } from "node:fs";
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
  readonly log: Logger;
}

/** A running controller and how to stop it. */
export interface ControllerService {
  readonly controller: Controller;
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
  const bus = o.bus ?? (await NatsControllerBus.connect({ servers: o.nats?.url ?? "nats://127.0.0.1:4222", log: o.log, ...pick(o.nats) }));
  const metrics = makeControllerMetrics();
  const controller = new Controller(
    { source, bus, status, load: makeTreeLoader(), log: o.log, requests: resourceRequests, metrics: metrics.hooks },
    { pollIntervalMs: o.pollIntervalMs, downloadToken, ...(o.commandTimeoutMs !== undefined ? { commandTimeoutMs: o.commandTimeoutMs } : {}) },
  );
  let ready = false;
  controller.onRound(() => (ready = true));
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  if (o.listen !== undefined) {
    const secret = o.webhookSecretFile === undefined ? undefined : Buffer.from(readFileSync(o.webhookSecretFile, "utf8").trim());
    const started = await startControllerServer({ listen: o.listen, secret, branch: o.branch, onPush: (p) => controller.trigger(`webhook:${p}`), isReady: () => ready, registry: metrics.registry, log: o.log });
    stops.push(
      () =>
        new Promise((r) => {
          started.server.close(() => r());
          started.server.closeAllConnections();
        }),
    );
    url = started.url;
  }
  if (!isRemoteRepo(o.repo)) stops.push(await watchBranchRefs({ gitdir: source.gitdir, branch: o.branch, onChange: () => controller.trigger("watch") }));
  controller.start();
  return {
    controller,
    url,
    stop: async () => {
      await controller.stop();
      for (const s of stops) await s();
      if (o.bus === undefined) await bus.close();
    },
  };
}

function pick(n: ControllerServiceOptions["nats"]): { user?: string; password?: string; credsFile?: string } {
  return { ...(n?.user !== undefined ? { user: n.user } : {}), ...(n?.password !== undefined ? { password: n.password } : {}), ...(n?.credsFile !== undefined ? { credsFile: n.credsFile } : {}) };
}
