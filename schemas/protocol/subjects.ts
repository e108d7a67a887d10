/**
 * The names on the wire: subjects and KV buckets of protocol v1 (docs/protocol.md). Both
 * sides and the nats-server authorization generator build them here, so they cannot drift.
 */

/** Every subject of this protocol starts with it. */
export const SUBJECT_PREFIX = "humops.v1";

/** KV buckets (JetStream streams `KV_<bucket>`, subjects `$KV.<bucket>.<node>`). */
export const BUCKETS = {
  /** NodeRegistration per node; no TTL: "every node that ever registered". */
  nodes: "humops-nodes",
  /** NodeHeartbeat per node; bucket TTL LIVENESS_TTL_MS: the node is ready while its key exists. */
  liveness: "humops-liveness",
  /** NodeInventory per node, last value only. */
  inventory: "humops-inventory",
  /** The controllers' leader lease (issue #15): key `controller`, a LeaseRecord; controllers only. */
  leader: "humops-leader",
} as const;

/** Liveness bucket TTL: a silent node is not ready after this (plus the controller's poll). */
export const LIVENESS_TTL_MS = 10_000;
/** How often agents refresh their liveness key. */
export const HEARTBEAT_INTERVAL_MS = 3_000;

/** The request subject of one node's commands. */
export function commandSubject(node: string): string {
  return `${SUBJECT_PREFIX}.node.${node}.cmd`;
}

/** The subject a KV put of `key` in `bucket` publishes to (what permissions must allow). */
export function kvSubject(bucket: string, key: string): string {
  return `$KV.${bucket}.${key}`;
}
