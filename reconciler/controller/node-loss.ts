/**
 * When a node counts as lost (issue #14, CONTRACT.md §6.2): NotReady for longer than the
 * node-lost delay (`--node-lost-after`, default 30 s). A flap shorter than that is only
 * `NodeNotReady`. Pure: the NotReady time comes from the node's status (`since`, kept on the
 * status branch, so a restarted controller counts from when the node really went away).
 */

/** The default node-lost delay. */
export const DEFAULT_NODE_LOST_AFTER_MS = 30_000;

/** What loss detection reads of a node: its readiness and since when it holds. */
export interface NodeReadiness {
  readonly ready: boolean;
  /** ISO time `ready` last changed. */
  readonly since: string;
}

/** The time `n` was lost (ISO), or undefined while it is ready or not yet NotReady for `afterMs`. */
export function lostAt(n: NodeReadiness, afterMs: number, now: Date): string | undefined {
  if (n.ready) return undefined;
  const since = Date.parse(n.since);
  if (Number.isNaN(since)) return undefined;
  const at = since + afterMs;
  return now.getTime() >= at ? new Date(at).toISOString() : undefined;
}

/** In how many ms the next NotReady node of `nodes` becomes lost; undefined when none will. */
export function nextLossInMs(nodes: Iterable<NodeReadiness>, afterMs: number, now: Date): number | undefined {
  let next: number | undefined;
  for (const n of nodes) {
    if (n.ready) continue;
    const since = Date.parse(n.since);
    if (Number.isNaN(since)) continue;
    const inMs = since + afterMs - now.getTime();
    if (inMs > 0 && (next === undefined || inMs < next)) next = inMs;
  }
  return next;
}
