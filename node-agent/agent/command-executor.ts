/**
 * Executes the controller's commands on this node: de-duplicates by commandId (in flight,
 * in the LRU, in the resource's state file), runs each through the driver of its apiType,
 * one at a time per resource and a few resources at once, journals every step, and keeps the
 * last command per resource on disk (with its incarnation: a late delete of an earlier
 * incarnation is answered without acting, incarnation.ts). A command never throws out of here: failures are results.
 */
import type { Logger } from "pino";
import { linkedAbort } from "../../schemas/abort-link.js";
import type { ApiType } from "../../schemas/kinds.js";
import type { CommandResult, NodeCommand } from "../../schemas/protocol/messages.js";
import type { DriverContext, ObservedResource, ResourceDriver } from "../driver.js";
import { checkedObserved } from "./checked-observed.js";
import { isStaleDelete, withIncarnation } from "./incarnation.js";
import type { Journal } from "./journal.js";
import { KeyQueue } from "./key-queue.js";
import type { ResultCache } from "./result-cache.js";
import type { StateStore } from "./state-store.js";

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
  /** Called once per executed (not de-duplicated) command with its result. */
  readonly onResult?: (cmd: NodeCommand, result: CommandResult) => void;
}

/** Runs commands; see the file header. */
export class CommandExecutor {
  readonly #o: CommandExecutorOptions;
  readonly #drivers: Map<ApiType, ResourceDriver>;
  readonly #queue: KeyQueue;
  readonly #inflight = new Map<string, Promise<CommandResult>>();

  constructor(o: CommandExecutorOptions) {
    this.#o = o;
    this.#drivers = new Map(o.drivers.map((d) => [d.apiType, d]));
    this.#queue = new KeyQueue(o.parallelLimit);
  }

  /** Commands being executed right now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Answers `cmd`: the earlier result of the same commandId, or the result of running it now. */
  execute(cmd: NodeCommand): Promise<CommandResult> {
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "received", commandId, key, op, generation });
    // Registered synchronously, so a duplicate arriving while this one is looked up or runs joins it.
    const running = this.#inflight.get(commandId);
    if (running) return running;
    const p = this.#answer(cmd).finally(() => this.#inflight.delete(commandId));
    this.#inflight.set(commandId, p);
    return p;
  }

  async #answer(cmd: NodeCommand): Promise<CommandResult> {
    const known = this.#o.results.get(cmd.commandId) ?? (await this.#fromState(cmd));
    if (known) {
      const { commandId, key, op, generation } = cmd;
      void this.#o.journal.write({ event: "duplicate", commandId, key, op, generation, ok: known.ok });
      return known;
    }
    return this.#queue.run(cmd.key, () => this.#runCurrent(cmd));
  }

  /** Runs `cmd`, unless it is an earlier incarnation's delete (answered without acting). */
  async #runCurrent(cmd: NodeCommand): Promise<CommandResult> {
    const current = (await this.#o.state.get(cmd.key))?.command;
    if (!isStaleDelete(cmd, current)) return this.#run(cmd);
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "superseded", commandId, key, op, generation, ok: true });
    this.#o.log.info({ resource: key, commandId, incarnation: cmd.incarnation, current: current?.incarnation }, "delete of an earlier incarnation ignored");
    return { commandId, key, ok: true, durationMs: 0 };
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

  async #run(cmd: NodeCommand): Promise<CommandResult> {
    const log = this.#o.log.child({ resource: cmd.key, commandId: cmd.commandId });
    const { commandId, key, op, generation } = cmd;
    void this.#o.journal.write({ event: "started", commandId, key, op, generation });
    await this.#o.state.save({ command: cmd }).catch((err: unknown) => log.warn({ err }, "could not save the resource state"));
    const started = performance.now();
    const outcome = await this.#dispatch(cmd, log);
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

  async #dispatch(cmd: NodeCommand, log: Logger): Promise<Omit<CommandResult, "commandId" | "key" | "durationMs">> {
    const driver = this.#drivers.get(cmd.apiType);
    if (driver === undefined) {
      return { ok: false, reason: "Unsupported", message: `this agent has no driver for ${cmd.apiType}` };
    }
    const agentCtx = this.#o.context(log);
    // This command's own signal, linked to the agent-wide one by a listener removed when it
    // ends: listeners on the agent-wide signal do not pile up with commands (issue #11).
    const op = linkedAbort(agentCtx.signal);
    try {
      const ctx = { ...agentCtx, signal: op.signal };
      if (cmd.op === "delete") {
        await driver.remove(cmd, ctx);
        return { ok: true };
      }
      const observed = await driver.apply(cmd, ctx);
      return { ok: true, observed: checkedObserved(withIncarnation(withNode(observed, ctx.node.nodeName), cmd)) };
    } catch (err) {
      return { ok: false, ...describeError(err) };
    } finally {
      op.dispose();
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
