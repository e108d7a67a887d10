/**
 * The controller's record of asynchronous operations in flight (protocol 1.3, issue #11): an
 * agent that accepted a command finishes it on its own and publishes progress and completion.
 * One record per work item (`key@node`): commandId, op, generation, when it started, when the
 * agent was last heard of it, its progress, and its result once it came. A worker never waits
 * for it: the reconcile returns at once and the completion wakes the key. While a record
 * stands for the item's op and generation no other command is sent for it, unless the agent
 * went silent about it for `commandTimeoutMs` (then the SAME command is re-sent, which the
 * agent de-duplicates: it joins the running operation or answers its result). A lost
 * completion is therefore recovered by that re-send, or earlier by the inventory showing the
 * work done (the reconcile then drops the record).
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { CommandResult, NodeCommand, OperationProgress, OperationUpdate } from "../../schemas/protocol/messages.js";

/** One operation the controller waits for without waiting. */
export interface InFlightOperation {
  readonly itemId: string;
  readonly node: string;
  readonly cmd: NodeCommand;
  readonly operationId: string;
  readonly startedMs: number;
  /** When the agent last said something about it (acceptance, progress, heartbeat). */
  lastSeenMs: number;
  progress: OperationProgress | undefined;
  /** Set when the completion arrived; the reconcile consumes it. */
  result: CommandResult | undefined;
}

/** What a status shows of an operation in flight. */
export interface OperationView {
  readonly op: "apply" | "delete";
  readonly generation: number;
  readonly node: string;
  readonly startedAt: string;
  readonly progress?: OperationProgress;
}

/** How long a completion that came before its acceptance was recorded is kept. */
const EARLY_KEEP_MS = 60_000;

/** See the file header. */
export class InFlightOperations {
  readonly #byItem = new Map<string, InFlightOperation>();
  /** node \0 commandId -> item id. */
  readonly #byCommand = new Map<string, string>();
  /** Completions with no record yet (the update overtook the reply): node \0 commandId -> result. */
  readonly #early = new Map<string, { result: CommandResult; atMs: number }>();

  get size(): number {
    return this.#byItem.size;
  }

  /** The item ids with a record. */
  ids(): string[] {
    return [...this.#byItem.keys()];
  }

  get(itemId: string): InFlightOperation | undefined {
    return this.#byItem.get(itemId);
  }

  /** Records an accepted command; takes a completion that already came for it. */
  record(o: { itemId: string; node: string; cmd: NodeCommand; operationId: string; nowMs: number }): InFlightOperation {
    this.delete(o.itemId);
    const id = `${o.node}\0${o.cmd.commandId}`;
    const early = this.#early.get(id);
    this.#early.delete(id);
    const rec: InFlightOperation = { itemId: o.itemId, node: o.node, cmd: o.cmd, operationId: o.operationId, startedMs: o.nowMs, lastSeenMs: o.nowMs, progress: undefined, result: early?.result };
    this.#byItem.set(o.itemId, rec);
    this.#byCommand.set(id, o.itemId);
    return rec;
  }

  /** Drops the record of `itemId` (consumed, superseded by a newer command, or done per the inventory). */
  delete(itemId: string): void {
    const rec = this.#byItem.get(itemId);
    if (rec === undefined) return;
    this.#byItem.delete(itemId);
    this.#byCommand.delete(`${rec.node}\0${rec.cmd.commandId}`);
  }

  /**
   * Takes an agent's update; returns the item id to wake when it completed an operation the
   * controller waits for (undefined otherwise). Updates of commands it does not know (another
   * controller's, an earlier run's) are kept a while in case the acceptance is still on its way.
   */
  update(u: OperationUpdate, nowMs: number): string | undefined {
    const id = `${u.node}\0${u.commandId}`;
    const itemId = this.#byCommand.get(id);
    const rec = itemId === undefined ? undefined : this.#byItem.get(itemId);
    if (rec === undefined) {
      if (u.state === "Done" && u.result !== undefined) this.#keepEarly(id, u.result, nowMs);
      return undefined;
    }
    rec.lastSeenMs = nowMs;
    if (u.progress !== undefined) rec.progress = u.progress;
    if (u.state !== "Done" || u.result === undefined) return undefined;
    rec.result = u.result;
    return rec.itemId;
  }

  /** When the oldest operation in flight started, or undefined. */
  oldestStartedMs(): number | undefined {
    let min: number | undefined;
    for (const r of this.#byItem.values()) if (r.result === undefined) min = Math.min(min ?? r.startedMs, r.startedMs);
    return min;
  }

  /** The operations still running, per resource key, for the status. */
  views(): Map<ResourceKey, OperationView> {
    const out = new Map<ResourceKey, OperationView>();
    for (const r of this.#byItem.values()) {
      if (r.result !== undefined) continue;
      out.set(r.cmd.key, { op: r.cmd.op, generation: r.cmd.generation, node: r.node, startedAt: new Date(r.startedMs).toISOString(), ...(r.progress !== undefined ? { progress: r.progress } : {}) });
    }
    return out;
  }

  #keepEarly(id: string, result: CommandResult, nowMs: number): void {
    for (const [k, v] of this.#early) if (nowMs - v.atMs > EARLY_KEEP_MS) this.#early.delete(k);
    this.#early.set(id, { result, atMs: nowMs });
  }
}
