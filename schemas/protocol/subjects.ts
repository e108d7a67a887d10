/**
 * The names on the wire: subjects and KV buckets of protocol v1 (docs/protocol.md). Both
 * sides and the nats-server authorization generator build them here, so they cannot drift.
 */

/** Every subject of this protocol starts with it. */
export const SUBJECT_PREFIX = "humops.v1";

/** The protocol version both sides of this code speak (docs/protocol.md): MAJOR.MINOR. */
export const PROTOCOL_VERSION = "1.3";

/**
 * Whether a peer speaking `theirs` can be understood by one speaking `ours`: same major, and a
 * minor no newer than ours (minor versions add optional fields only, and our closed schemas
 * would refuse fields we do not know). Absent: a peer older than 1.3, understood.
 */
export function understandsProtocol(ours: string, theirs: string | undefined): boolean {
  if (theirs === undefined) return true;
  const [om, on] = ours.split(".").map(Number);
  const [tm, tn] = theirs.split(".").map(Number);
  return om === tm && (tn ?? 0) <= (on ?? 0);
}

/** Whether a peer that advertised `theirs` speaks asynchronous operations (1.3 and later of major 1). */
export function speaksAsyncOperations(theirs: string | undefined): boolean {
  if (theirs === undefined) return false;
  const [m, n] = theirs.split(".").map(Number);
  return m === 1 && (n ?? 0) >= 3;
}

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

/** Where a node's agent publishes its operations' progress and completions (protocol 1.3). */
export function operationSubject(node: string): string {
  return `${SUBJECT_PREFIX}.node.${node}.op`;
}

/** What the controller subscribes to for every node's operation updates. */
export const ALL_OPERATIONS_SUBJECT = `${SUBJECT_PREFIX}.node.*.op`;

/** The subject a KV put of `key` in `bucket` publishes to (what permissions must allow). */
export function kvSubject(bucket: string, key: string): string {
  return `$KV.${bucket}.${key}`;
}
