/**
 * Asynchronous operations on the agent (protocol 1.3, issue #11). A command that carries
 * `acceptWithinMs` and is not finished within that window is answered with an acceptance
 * (`{accepted, commandId, key, operationId}`); the board then publishes the operation's
 * progress (state Running: on each driver report, at most one per `progressEveryMs`, and every
 * `heartbeatMs` even without one, so the controller sees it alive) and its completion (state
 * Done, with the result) on `humops.v1.node.<node>.op`. Publishing is fire-and-forget: a lost
 * update is recovered by the inventory and by the controller re-sending the same commandId,
 * which the executor answers from its result cache.
 */
import type { Logger } from "pino";
import type { CommandReply, CommandResult, NodeCommand, OperationProgress, OperationUpdate } from "../../schemas/protocol/messages.js";

/** What the board is built from. */
export interface OperationBoardOptions {
  readonly node: string;
  /** Publishes one update; absent: the bus cannot, and every command is answered synchronously. */
  readonly publish: ((u: OperationUpdate) => Promise<void>) | undefined;
  readonly log: Logger;
  /** Running updates without progress; default 5000 ms. */
  readonly heartbeatMs?: number;
  /** At most one progress update per operation this often; default 1000 ms. */
  readonly progressEveryMs?: number;
}

interface Tracked {
  readonly cmd: NodeCommand;
  readonly operationId: string;
  readonly startedAt: string;
  progress: OperationProgress | undefined;
  lastSentMs: number;
}

/** See the file header. */
export class OperationBoard {
  readonly #o: OperationBoardOptions;
  /** By the accepted command's commandId. */
  readonly #tracked = new Map<string, Tracked>();
  readonly #progress = new Map<string, OperationProgress>();
  #timer: NodeJS.Timeout | undefined;

  constructor(o: OperationBoardOptions) {
    this.#o = o;
  }

  /** Accepted operations still running. */
  get size(): number {
    return this.#tracked.size;
  }

  /** Operations whose last progress is kept (only while they run). */
  get progressKept(): number {
    return this.#progress.size;
  }

  /**
   * The reply to `cmd` whose result is `result`: the result itself when it comes within
   * `cmd.acceptWithinMs` (or the command has none, or the bus cannot publish), else an
   * acceptance naming `operationIdOf(commandId)`, with the completion published later.
   */
  async answer(cmd: NodeCommand, result: Promise<CommandResult>, operationIdOf: (commandId: string) => string): Promise<CommandReply> {
    // Progress is reported under the running command's id; it goes when that command settles,
    // however it was answered (a quick or synchronous one reports progress too).
    void result.then(() => this.#progress.delete(cmd.commandId));
    if (cmd.acceptWithinMs === undefined || this.#o.publish === undefined) return result;
    let timer: NodeJS.Timeout | undefined;
    const window = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), cmd.acceptWithinMs)));
    const quick = await Promise.race([result, window]).finally(() => clearTimeout(timer));
    if (quick !== undefined) return quick;
    const operationId = operationIdOf(cmd.commandId);
    const t: Tracked = { cmd, operationId, startedAt: new Date().toISOString(), progress: this.#progress.get(operationId), lastSentMs: 0 };
    this.#tracked.set(cmd.commandId, t);
    this.#tick();
    // What the driver reported before the acceptance goes out at once (the controller may not have recorded the acceptance yet; the heartbeat repeats it).
    if (t.progress !== undefined) queueMicrotask(() => this.#tracked.has(cmd.commandId) && this.#send(t, "Running"));
    void result.then((r) => this.#complete(t, r));
    return { accepted: true, commandId: cmd.commandId, key: cmd.key, operationId };
  }

  /** A running operation's progress (from its driver): kept, and published when due. */
  progress(operationId: string, p: OperationProgress): void {
    this.#progress.set(operationId, p);
    const now = Date.now();
    for (const t of this.#tracked.values()) {
      if (t.operationId !== operationId) continue;
      t.progress = p;
      if (now - t.lastSentMs >= (this.#o.progressEveryMs ?? 1000)) this.#send(t, "Running");
    }
  }

  /** Stops the heartbeat (the agent stops). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #complete(t: Tracked, result: CommandResult): void {
    this.#tracked.delete(t.cmd.commandId);
    this.#send(t, "Done", { ...result, commandId: t.cmd.commandId });
    if (this.#tracked.size === 0) this.stop();
  }

  #tick(): void {
    if (this.#timer !== undefined) return;
    const every = this.#o.heartbeatMs ?? 5000;
    this.#timer = setInterval(() => {
      const now = Date.now();
      for (const t of this.#tracked.values()) if (now - t.lastSentMs >= every) this.#send(t, "Running");
    }, Math.max(100, Math.floor(every / 2)));
    this.#timer.unref?.();
  }

  #send(t: Tracked, state: "Running" | "Done", result?: CommandResult): void {
    t.lastSentMs = Date.now();
    const { cmd } = t;
    const u: OperationUpdate = {
      node: this.#o.node, operationId: t.operationId, commandId: cmd.commandId, key: cmd.key, op: cmd.op, generation: cmd.generation,
      ...(cmd.incarnation !== undefined ? { incarnation: cmd.incarnation } : {}), state, startedAt: t.startedAt,
      ...(t.progress !== undefined && state === "Running" ? { progress: t.progress } : {}), ...(result !== undefined ? { result } : {}),
    };
    this.#o.publish?.(u).catch((err: unknown) => this.#o.log.warn({ err, commandId: cmd.commandId, state }, "could not publish an operation update"));
  }
}
