/** What the controller loop is built from (injected by cmd/): ports and options. */
import type { Logger } from "pino";
import type { ControllerBus } from "../bus/controller-bus.js";
import type { GitSource, TreeFiles } from "../git/git-source.js";
import type { LoadResult } from "../manifest/types.js";
import type { StatusWriter } from "../status/status-writer.js";
import type { DesiredResource } from "../manifest/types.js";
import type { Requests } from "./placement.js";

/** Turns a manifests tree into a LoadResult (H3's loadManifests behind a small adapter). */
export type LoadManifests = (files: TreeFiles, commit: string) => LoadResult | Promise<LoadResult>;

/** Observers for metrics (prom-client in reconciler/http/metrics.ts); every hook optional. */
export interface ControllerMetrics {
  roundDone?(seconds: number, result: "ok" | "error"): void;
  queueDepth?(items: number): void;
  command?(result: "ok" | "failed" | "error"): void;
  gitFetch?(seconds: number): void;
  appliedCommit?(commit: string): void;
}

/** Everything a Controller needs. */
export interface ControllerDeps {
  readonly source: GitSource;
  readonly bus: ControllerBus;
  readonly status: StatusWriter;
  readonly load: LoadManifests;
  readonly log: Logger;
  readonly requests: (r: DesiredResource) => Requests;
  readonly metrics?: ControllerMetrics;
  readonly now?: () => Date;
}

/** Tunables, all with defaults. */
export interface ControllerOptions {
  /** Poll interval of the git source (jittered +-10%); 0 disables polling. Default 30 s. */
  readonly pollIntervalMs?: number;
  /**
   * How long an agent has to answer one command, and how long an accepted operation may stay
   * silent (no progress, no heartbeat) before the same command is re-sent. Default 120 s.
   */
  readonly commandTimeoutMs?: number;
  /**
   * Protocol 1.3 (issue #11): an agent that speaks it answers with the final result when a
   * command finishes within this window, else with an acceptance, and the worker moves on; the
   * completion wakes the key. Default 500 ms. Agents of 1.2 and older are awaited as before.
   */
  readonly acceptWithinMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Global command rate. Default 50/s, burst 100. */
  readonly commandsPerSecond?: number;
  /** How long a command result outranks an inventory that does not show it yet (agents publish after answering). Default 60 s. */
  readonly inventoryGraceMs?: number;
  /**
   * The cluster download token (issue #6): sent in the context of imageentity commands (the
   * holder's download API accepts it) and BaseImage blockstorage commands (the fetching agent
   * presents it). Without one, a BaseImage disk on another node than its entity cannot be built.
   */
  readonly downloadToken?: string;
  /** Reconciles in flight at most (issue #11). A worker waits for an acceptance (protocol 1.3), not for the operation: operations in flight are not bounded by it. Default 128. */
  readonly workers?: number;
  /** How long a node is NotReady before it counts as lost: its resources then say NodeLost, with the node and time (issue #14). Default 30 s. */
  readonly nodeLostAfterMs?: number;
  /** Least time between two status commits while things change. Default 2 s. */
  readonly statusIntervalMs?: number;
  /** While work runs, the status is refreshed (every statusIntervalMs) once a reconcile has been in flight this long. Default 5 s. */
  readonly progressAfterMs?: number;
}
