/**
 * The agent's inventory loop: reads the node's inventory every resync period and shortly
 * after commands, and publishes it when it changed, and unchanged once per resync period
 * (level-triggered: the controller gets the whole inventory, never a delta, and never depends
 * on having seen one particular publish). A failed publish is retried by the next read.
 */
import type { Logger } from "pino";
import type { AgentBus } from "../bus/agent-bus.js";
import type { DriverContext, ResourceDriver } from "../driver.js";
import { readInventory } from "./read-inventory.js";
import type { StateStore } from "./state-store.js";

/** What the loop reads with and publishes to. */
export interface InventoryLoopOptions {
  readonly bus: AgentBus;
  readonly drivers: readonly ResourceDriver[];
  readonly log: Logger;
  readonly ctx: () => DriverContext;
  /** The last commands: the `known` of each driver's inventory. */
  readonly state: StateStore;
}

/** The periodic and command-triggered inventory read; publishes only what changed. */
export class InventoryLoop {
  readonly #o: InventoryLoopOptions;
  #last = "";
  #lastAt = 0;
  #periodMs = Infinity;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #running: Promise<boolean> | undefined;
  #again = false;
  #stopped = false;

  constructor(o: InventoryLoopOptions) {
    this.#o = o;
  }

  /** Reads now, then every `periodMs`. */
  start(periodMs: number): void {
    this.#periodMs = periodMs;
    void this.run();
    this.#timer = setInterval(() => void this.run(), periodMs);
  }

  /** Stops the timers (a read in progress finishes). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
  }

  /** Schedules a read after `delayMs` (several requests fold into one). */
  soon(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.run(), delayMs);
  }

  /** One read (queued behind a running one). */
  run(): Promise<boolean> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#once().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.run();
      }
    });
    return this.#running;
  }

  async #once(): Promise<boolean> {
    // A resource whose delete has not succeeded (running, or failed: an image entity still
    // backing disks) is still there: dropping it would tell the controller it is gone.
    const known = (await this.#o.state.all()).filter((s) => s.command.op === "apply" || s.result?.ok !== true).map((s) => s.command);
    const read = await readInventory(this.#o.drivers, this.#o.ctx(), known);
    if (!read.ok) {
      for (const f of read.failures) this.#o.log.error({ err: f.error, apiType: f.apiType }, "inventory read failed; not publishing");
      return false;
    }
    const text = JSON.stringify(read.inventory);
    const changed = text !== this.#last;
    // 0.9: a timer tick that lands a little early still counts as the period's resync.
    if (!changed && Date.now() - this.#lastAt < this.#periodMs * 0.9) return false;
    try {
      await this.#o.bus.publishInventory(read.inventory);
      this.#last = text;
      this.#lastAt = Date.now();
      const fields = { resources: read.inventory.resources.length, orphans: read.inventory.orphans.length };
      if (changed) this.#o.log.info(fields, "inventory published");
      else this.#o.log.debug(fields, "inventory re-published (resync)");
      return true;
    } catch (err) {
      this.#o.log.warn({ err }, "inventory publish failed; will retry");
      return false;
    }
  }
}
