/**
 * What the controller remembers between rounds: the last status of every resource (restored
 * from the status branch at start, so generations, placements and transition times survive a
 * restart), what it applied itself (cluster-level kinds), terminal failures and backoffs.
 */
import { randomUUID } from "node:crypto";
import type { ResourceKey } from "../../schemas/kinds.js";
import type { NodeStatus, ResourceStatus } from "../status/types.js";
import { parseStatusFiles } from "../status/parse-status.js";
import type { RenderCache } from "../status/render-status.js";
import { CLUSTER_APPLIED } from "./dependencies.js";
import { Backoff } from "./backoff.js";
import { RecentResults } from "./recent-results.js";
import { InFlightOperations } from "./operations.js";

/** The controller's memory. */
export class ControllerState {
  statuses = new Map<ResourceKey, ResourceStatus>();
  nodes = new Map<string, NodeStatus>();
  /** Cluster-level kinds applied by the controller: key -> generation. */
  readonly clusterApplied = new Map<ResourceKey, number>();
  /** Terminal failures: key -> generation that failed. */
  readonly stalled = new Map<ResourceKey, number>();
  /** Send attempts per item id and generation, part of the command id (a retry is a new command). */
  readonly attempts = new Map<string, number>();
  /** Random per controller process, part of the command id: attempts restart at 0 after a restart (incarnations.ts). */
  readonly runId = randomUUID();
  readonly backoff: Backoff;
  restored = false;
  /** The files last written to the status branch and that commit: an identical render is not written again. */
  lastWritten: { files: ReadonlyMap<string, string>; commit: string | undefined } | undefined;
  readonly renderCache: RenderCache = new Map();
  /** Command results laid over inventories until they catch up (recent-results.ts). */
  readonly recent = new RecentResults();
  /** Accepted operations the agents finish on their own (protocol 1.3, operations.ts). */
  readonly operations = new InFlightOperations();

  constructor(opts: { backoffBaseMs: number; backoffMaxMs: number }) {
    this.backoff = new Backoff({ baseMs: opts.backoffBaseMs, maxMs: opts.backoffMaxMs });
  }

  /** Loads the status branch's files (once, at start). */
  restore(files: ReadonlyMap<string, string>): void {
    const parsed = parseStatusFiles(files);
    this.statuses = parsed.resources;
    this.nodes = parsed.nodes;
    for (const s of parsed.resources.values()) {
      if (CLUSTER_APPLIED.has(s.apiType) && s.state === "Active") this.clusterApplied.set(s.key, s.generation);
      const stalled = s.conditions.find((c) => c.type === "Stalled" && c.status === "True");
      if (stalled !== undefined && stalled.reason !== "InvalidManifest") this.stalled.set(s.key, s.generation);
    }
    this.restored = true;
  }

  /**
   * A resource declared again after its deletion (a new incarnation) starts afresh: no
   * terminal failure and no backoff of its earlier life holds its create back (issue #11).
   */
  forgetEarlierLives(keys: ReadonlySet<ResourceKey>, placement: ReadonlyMap<ResourceKey, readonly string[]>): void {
    for (const key of keys) {
      this.stalled.delete(key);
      this.backoff.succeed(`${key}@`);
      for (const node of placement.get(key) ?? []) this.backoff.succeed(`${key}@${node}`);
    }
  }

  /** Previous placements (single-node kinds) for sticky placement. */
  previousPlacement(): Map<ResourceKey, string> {
    const out = new Map<ResourceKey, string>();
    for (const s of this.statuses.values()) if (s.node !== undefined && s.apiType !== "systemv0/network") out.set(s.key, s.node);
    return out;
  }
}
