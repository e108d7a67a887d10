/**
 * Executes the controller's commands on this node: de-duplicates by commandId (in flight,
 * in the LRU, in the resource's state file), runs each through the driver of its apiType,
 * one at a time per resource and a few resources at once, journals every step, and keeps the
 * last command per resource on disk (with its incarnation: a late delete of an earlier
 * incarnation is answered without acting, incarnation.ts). A command never throws out of here: failures are results.
 */
import type { Logger } from "pino";
import { linkedAbort, type LinkedAbort } from "../../schemas/abort-link.js";
import type { ApiType } from "../../schemas/kinds.js";
import type { CommandResult, NodeCommand, OperationProgress } from "../../schemas/protocol/messages.js";
import type { DriverContext, ObservedResource, ResourceDriver } from "../driver.js";
import { checkedObserved } from "./checked-observed.js";
import type { EpochGuard } from "./epoch-guard.js";
import { isStaleDelete, withIncarnation } from "./incarnation.js";
import type { Journal } from "./journal.js";
import { KeyQueue } from "./key-queue.js";
import type { ResultCache } from "./result-cache.js";
import type { StateStore } from "./state-store.js";
import { isSameOperation, SUPERSEDED, SupersededError, supersedes } from "./supersede.js";

/** What the executor is built from. */
export interface CommandExecutorOptions {
  readonly drivers: readonly ResourceDriver[];
  readonly journal: Journal;
  readonly results: ResultCache;
  readonly state: StateStore;
  /** A driver context for one command (the agent's runner, node, stop signal). */
  readonly context: (log: Logger) => DriverContext;
  readonly parallelLimit: number;
  readonly log: Logger;
  /** Refuses commands from an older leadership epoch (issue #15); absent: every epoch is obeyed. */
  readonly epochs?: EpochGuard;
  /** Called once per executed (not de-duplicated) command with its result. */
  readonly onResult?: (cmd: NodeCommand, result: CommandResult) => void;
  /** Called with a running command's progress, as its driver reports it (protocol 1.3). */
  readonly onProgress?: (cmd: NodeCommand, progress: OperationProgress) => void;
}

/** The operation running for one resource (at most one: KeyQueue). */
interface Running {
  readonly cmd: NodeCommand;
  readonly abort: LinkedAbort;
}

/** Runs commands; see the file header. */
export class CommandExecutor {
  readonly #o: CommandExecutorOptions;
  readonly #drivers: Map<ApiType, ResourceDriver>;
  readonly #queue: KeyQueue;
  readonly #inflight = new Map<string, Promise<CommandResult>>();
  /** The operation running now per resource key (issue #11: supersede, join). */
  readonly #running = new Map<string, Running>();
  /** commandId -> the operation it joined (another commandId), while it runs. */
  readonly #joined = new Map<string, string>();
  /** The last command admitted per resource key: a queued apply it supersedes is not run at all. */
  readonly #latest = new Map<string, NodeCommand>();
  /** Per resource, the last command still being admitted: admission runs in arrival order (#arrive). */
  readonly #arrivals = new Map<string, Promise<void>>();

  constructor(o: CommandExecutorOptions) {
    this.#o = o;
    this.#drivers = new Map(o.drivers.map((d) => [d.apiType, d]));
    this.#queue = new KeyQueue(o.parallelLimit);
  }

  /** Commands being executed right now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** The operation that answers `commandId`: the running one it joined, else its own. */
  operationIdOf(commandId: string): string {
    return this.#joined.get(commandId) ?? commandId;
  }

  /** Answers `cmd`: the earlier result of the same commandId, or the result of running it now. */
  execute(cmd: NodeCommand): Promise<CommandResult> {
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "received", commandId, key, op, generation, ...(cmd.epoch !== undefined ? { epoch: cmd.epoch } : {}) });
    // Registered synchronously, so a duplicate arriving while this one is looked up or runs joins it.
    const running = this.#inflight.get(commandId);
    if (running) return running;
    const p = this.#answer(cmd).finally(() => this.#inflight.delete(commandId));
    this.#inflight.set(commandId, p);
    return p;
  }

  async #answer(cmd: NodeCommand): Promise<CommandResult> {
    const release = await this.#arrive(cmd.key);
    let answer: { readonly result: Promise<CommandResult> };
    try {
      answer = await this.#admit(cmd);
    } finally {
      release();
    }
    return answer.result;
  }

  /**
   * Waits until every earlier command of resource `key` is admitted (queued, joined or answered);
   * resolves with the function that lets the next one in. Admission awaits the epoch guard and
   * the state file, so without this two commands arriving together (an apply, then a delete)
   * could be queued in the other order: the delete first, then the apply it should have
   * superseded, run after it.
   */
  #arrive(key: string): Promise<() => void> {
    const before = this.#arrivals.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    this.#arrivals.set(key, mine);
    return before.then(() => () => {
      release();
      if (this.#arrivals.get(key) === mine) this.#arrivals.delete(key);
    });
  }

  /** Decides what answers `cmd` (a refusal, an earlier result, the running operation, or its own run) and starts it; the result is wrapped so admission does not wait for it. */
  async #admit(cmd: NodeCommand): Promise<{ readonly result: Promise<CommandResult> }> {
    const verdict = (await this.#o.epochs?.admit(cmd.epoch)) ?? { ok: true as const };
    if (!verdict.ok) {
      const { commandId, key, op, generation } = cmd;
      void this.#o.journal.write({ event: "stale-epoch", commandId, key, op, generation, ...(cmd.epoch !== undefined ? { epoch: cmd.epoch } : {}), ok: false });
      this.#o.log.warn({ resource: key, commandId, epoch: cmd.epoch, newest: verdict.newest }, "command from an older epoch refused");
      return { result: Promise.resolve({ commandId, key, ok: false, reason: "StaleEpoch", message: verdict.message, durationMs: 0 }) };
    }
    const known = this.#o.results.get(cmd.commandId) ?? (await this.#fromState(cmd));
    if (known) {
      const { commandId, key, op, generation } = cmd;
      void this.#o.journal.write({ event: "duplicate", commandId, key, op, generation, ok: known.ok });
      return { result: Promise.resolve(known) };
    }
    const running = this.#running.get(cmd.key);
    const joinable = running !== undefined && isSameOperation(cmd, running.cmd) ? this.#inflight.get(running.cmd.commandId) : undefined;
    if (joinable !== undefined) return { result: this.#join(cmd, running!.cmd, joinable) };
    if (running !== undefined && supersedes(cmd, running.cmd)) {
      const { commandId, key, op, generation } = running.cmd;
      void this.#o.journal.write({ event: "superseded", commandId, key, op, generation, supersededBy: cmd.commandId });
      this.#o.log.info({ resource: key, commandId, by: cmd.commandId, op: cmd.op, generation: cmd.generation }, "running operation superseded");
      running.abort.abort(new SupersededError(cmd));
    }
    this.#latest.set(cmd.key, cmd);
    const result = this.#queue.run(cmd.key, () => this.#runCurrent(cmd)).finally(() => {
      if (this.#latest.get(cmd.key) === cmd) this.#latest.delete(cmd.key);
    });
    return { result };
  }

  /**
   * Another send of the operation running (a restarted controller's new commandId for the same
   * op, generation and incarnation): it waits for that operation instead of running it twice,
   * and its own commandId is answered with that result from then on.
   */
  async #join(cmd: NodeCommand, running: NodeCommand, result: Promise<CommandResult>): Promise<CommandResult> {
    const { commandId, key, op, generation } = cmd;
    this.#joined.set(commandId, running.commandId);
    void this.#o.journal.write({ event: "duplicate", commandId, key, op, generation, joined: running.commandId });
    try {
      const mine = { ...(await result), commandId };
      this.#o.results.set(mine);
      return mine;
    } finally {
      this.#joined.delete(commandId);
    }
  }

  /** Runs `cmd`, unless it is an earlier incarnation's delete (answered without acting). */
  async #runCurrent(cmd: NodeCommand): Promise<CommandResult> {
    const latest = this.#latest.get(cmd.key);
    if (latest !== undefined && supersedes(latest, cmd)) return this.#skipSuperseded(cmd, latest);
    const current = (await this.#o.state.get(cmd.key))?.command;
    if (!isStaleDelete(cmd, current)) return this.#run(cmd);
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "superseded", commandId, key, op, generation, ok: true });
    this.#o.log.info({ resource: key, commandId, incarnation: cmd.incarnation, current: current?.incarnation }, "delete of an earlier incarnation ignored");
    return { commandId, key, ok: true, durationMs: 0 };
  }

  /** A queued apply that a later command superseded before it started: answered Superseded, never run (issue #11). */
  #skipSuperseded(cmd: NodeCommand, by: NodeCommand): CommandResult {
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "superseded", commandId, key, op, generation, supersededBy: by.commandId, ok: false });
    const result: CommandResult = { commandId, key, ok: false, reason: SUPERSEDED, message: new SupersededError(by).message, durationMs: 0 };
    this.#o.results.set(result);
    return result;
  }

  /** Waits for every command in flight. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inflight.values()]);
    await this.#o.journal.flush();
  }

  async #fromState(cmd: NodeCommand): Promise<CommandResult | undefined> {
    const s = await this.#o.state.get(cmd.key);
    return s?.result?.commandId === cmd.commandId ? s.result : undefined;
  }

  /**
   * A delete of a resource whose manifest is gone names only the resource: the controller has no
   * annotations for it and at most the observed spec. The driver still needs what was applied
   * (a Ceph disk's `blockstoragev0/type`, else the Local backend looks for a file and the RBD
   * image stays: issue #13), so they come from this node's last command of the resource. Saved
   * as such before it runs, so a retry or a restarted agent still has them.
   */
  async #withLastApplied(cmd: NodeCommand): Promise<NodeCommand> {
    if (cmd.op !== "delete") return cmd;
    const last = (await this.#o.state.get(cmd.key).catch(() => undefined))?.command;
    if (last === undefined) return cmd;
    const annotations = Object.keys(cmd.annotations).length === 0 ? last.annotations : cmd.annotations;
    const spec = Object.keys(cmd.spec).length === 0 ? last.spec : cmd.spec;
    return { ...cmd, annotations, spec };
  }

  async #run(received: NodeCommand): Promise<CommandResult> {
    const cmd = await this.#withLastApplied(received);
    const log = this.#o.log.child({ resource: cmd.key, commandId: cmd.commandId });
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "started", commandId, key, op, generation });
    await this.#o.state.save({ command: cmd }).catch((err: unknown) => log.warn({ err }, "could not save the resource state"));
    const started = performance.now();
    const agentCtx = this.#o.context(log);
    // This command's own signal, linked to the agent-wide one by a listener removed when it
    // ends (listeners on the agent-wide signal do not pile up), and aborted alone when a newer
    // command supersedes it (issue #11).
    const abort = linkedAbort(agentCtx.signal);
    this.#running.set(key, { cmd, abort });
    // A superseding command admitted while this one was being prepared (state file reads and writes) aborts it now.
    const newer = this.#latest.get(key);
    if (newer !== undefined && supersedes(newer, cmd)) abort.abort(new SupersededError(newer));
    let outcome;
    try {
      outcome = await this.#dispatch(cmd, { ...agentCtx, signal: abort.signal, progress: (p) => this.#o.onProgress?.(cmd, p) }, log);
    } finally {
      abort.dispose();
      if (this.#running.get(key)?.cmd === cmd) this.#running.delete(key);
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const result: CommandResult = { commandId, key, durationMs, ...outcome };
    this.#o.results.set(result);
    await this.#persist(cmd, result, log);
    const error = result.ok ? {} : { error: { reason: result.reason ?? "Error", message: result.message ?? "" } };
    void this.#o.journal.write({ event: "result", commandId, key, op, generation, ok: result.ok, durationMs, ...error, result });
    if (result.ok) log.info({ op, durationMs }, "command applied");
    else log.warn({ op, durationMs, reason: result.reason, message: result.message }, "command failed");
    this.#o.onResult?.(cmd, result);
    return result;
  }

  async #persist(cmd: NodeCommand, result: CommandResult, log: Logger): Promise<void> {
    try {
      if (cmd.op === "delete" && result.ok) await this.#o.state.remove(cmd.key);
      else await this.#o.state.save({ command: cmd, result });
    } catch (err) {
      log.warn({ err }, "could not save the resource state");
    }
  }

  async #dispatch(cmd: NodeCommand, ctx: DriverContext, log: Logger): Promise<Omit<CommandResult, "commandId" | "key" | "durationMs">> {
    const driver = this.#drivers.get(cmd.apiType);
    if (driver === undefined) {
      return { ok: false, reason: "Unsupported", message: `this agent has no driver for ${cmd.apiType}` };
    }
    try {
      if (cmd.op === "delete") {
        await driver.remove(cmd, ctx);
        return { ok: true };
      }
      const observed = await driver.apply(cmd, ctx);
      return { ok: true, observed: checkedObserved(withIncarnation(withNode(observed, ctx.node.nodeName), cmd)) };
    } catch (err) {
      const why = ctx.signal.aborted ? (ctx.signal.reason as unknown) : undefined;
      if (why instanceof SupersededError) {
        log.info({ err }, "operation stopped: superseded");
        return { ok: false, reason: SUPERSEDED, message: why.message };
      }
      return { ok: false, ...describeError(err) };
    }
  }
}

function withNode(o: ObservedResource, node: string): ObservedResource {
  return o.node === undefined ? { ...o, node } : o;
}

const REASON = /^[A-Z][A-Za-z0-9]{0,63}$/;

/** `COMMAND_FAILED` -> `CommandFailed`; a PascalCase word stays; anything else is undefined. */
function asReason(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(v) || /^[A-Z]{2,}$/.test(v)) {
    return v.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase());
  }
  return REASON.test(v) ? v : undefined;
}

/** A driver error as reason + message: its `reason`, else its `code` (PascalCased), else DriverError. */
export function describeError(err: unknown): { reason: string; message: string } {
  const e = (typeof err === "object" && err !== null ? err : {}) as { reason?: unknown; code?: unknown; message?: unknown };
  const named = asReason(e.reason) ?? asReason(e.code);
  const message = typeof e.message === "string" && e.message !== "" ? e.message : String(err);
  return { reason: named ?? "DriverError", message };
}
