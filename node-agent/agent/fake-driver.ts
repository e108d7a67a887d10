/**
 * FakeDriver: a ResourceDriver for any kind that keeps its "host state" in memory and runs
 * one recognisable host command per call through the context's runner (a RecordingRunner in
 * tests), so tests of the agent runtime, the buses and the controller can see what ran and
 * inject failures and delays. Never registered by the production agent.
 */
import type { ApiType } from "../../schemas/kinds.js";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../driver.js";
import { runChecked } from "../host/host-runner.js";
import { abortable } from "../../schemas/abort-link.js";
import type { OperationProgress } from "../../schemas/protocol/messages.js";

/** humstack's state word for a kind once applied. */
function appliedState(cmd: ResourceCommand): string {
  switch (cmd.apiType) {
    case "systemv0/virtualmachine":
      return cmd.spec["actionState"] === "PowerOff" ? "Stopped" : "Running";
    case "systemv0/imageentity":
    case "systemv0/image":
      return "Available";
    default:
      return "Active";
  }
}

/** In-memory driver for one kind; see the file header. */
export class FakeDriver implements ResourceDriver {
  readonly apiType: ApiType;
  /** The "host": the last applied command per resource key. */
  readonly host = new Map<string, ResourceCommand>();
  /** Host objects no command explains (reported as orphans). */
  readonly strays = new Set<string>();
  /** Every command remove was called with, in order. */
  readonly removeCommands: ResourceCommand[] = [];
  /** How many times apply/remove ran, per key. */
  readonly calls = new Map<string, number>();
  /** Delay of every apply/remove, to hold commands in flight. */
  delayMs = 0;
  /** While set, every apply/remove waits for it (after its delay): a test holds commands in flight, then resolves it. */
  gate: Promise<void> | undefined;
  /** When set, every apply/remove reports it through the context's progress callback as it starts (protocol 1.3). */
  progress: OperationProgress | undefined;
  /** Host calls in flight now, and the most ever in flight at once: per key, and in all. */
  readonly inFlight = new Map<string, number>();
  readonly maxInFlight = new Map<string, number>();
  maxInFlightTotal = 0;
  readonly #failures = new Map<string, Error>();
  #inventoryError: Error | undefined;

  constructor(apiType: ApiType) {
    this.apiType = apiType;
  }

  /** Makes every apply/remove of `key` throw `err` until cleared with `undefined`. */
  failOn(key: string, err: Error | undefined): void {
    if (err === undefined) this.#failures.delete(key);
    else this.#failures.set(key, err);
  }

  /** Makes inventory throw `err` until cleared with `undefined`. */
  failInventory(err: Error | undefined): void {
    this.#inventoryError = err;
  }

  async apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource> {
    await this.#hostCall("apply", cmd, ctx);
    this.host.set(cmd.key, cmd);
    return this.#observed(cmd);
  }

  async remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    this.removeCommands.push(cmd);
    await this.#hostCall("remove", cmd, ctx);
    this.host.delete(cmd.key);
  }

  async inventory(_ctx: DriverContext, _known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    if (this.#inventoryError) throw this.#inventoryError;
    return { resources: [...this.host.values()].map((c) => this.#observed(c)), orphans: [...this.strays] };
  }

  async #hostCall(verb: string, cmd: ResourceCommand, ctx: DriverContext): Promise<void> {
    this.calls.set(cmd.key, (this.calls.get(cmd.key) ?? 0) + 1);
    const now = (this.inFlight.get(cmd.key) ?? 0) + 1;
    this.inFlight.set(cmd.key, now);
    this.maxInFlight.set(cmd.key, Math.max(now, this.maxInFlight.get(cmd.key) ?? 0));
    this.maxInFlightTotal = Math.max(this.maxInFlightTotal, [...this.inFlight.values()].reduce((a, b) => a + b, 0));
    try {
      if (this.progress !== undefined) ctx.progress?.(this.progress);
      // Abortable like a real host call: a superseded command stops waiting (issue #11).
      if (this.delayMs > 0) await abortable(new Promise((r) => setTimeout(r, this.delayMs)), ctx.signal);
      if (this.gate !== undefined) await abortable(this.gate, ctx.signal);
      const failure = this.#failures.get(cmd.key);
      if (failure) throw failure;
      await runChecked(ctx.runner, { argv: ["fake", verb, cmd.key, String(cmd.generation)] }, { signal: ctx.signal });
    } finally {
      this.inFlight.set(cmd.key, (this.inFlight.get(cmd.key) ?? 1) - 1);
    }
  }

  #observed(cmd: ResourceCommand): ObservedResource {
    return { key: cmd.key, apiType: cmd.apiType, state: appliedState(cmd), generation: cmd.generation, details: { fake: true }, spec: cmd.spec };
  }
}
