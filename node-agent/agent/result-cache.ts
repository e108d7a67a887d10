/**
 * The agent's memory of answered commands: a bounded LRU of commandId -> CommandResult, so a
 * re-delivered command (the controller re-sends after a timeout, NATS redelivers) is answered
 * with the first result instead of being run twice. Seeded from the journal at start.
 */
import type { CommandResult } from "../../schemas/protocol/messages.js";

/** Bounded LRU of command results. */
export class ResultCache {
  readonly #max: number;
  readonly #map = new Map<string, CommandResult>();

  /** `max`: entries kept (oldest evicted first); default 4096. */
  constructor(max = 4096) {
    this.#max = max;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The result of `commandId`, refreshing its recency; undefined when unknown. */
  get(commandId: string): CommandResult | undefined {
    const r = this.#map.get(commandId);
    if (r === undefined) return undefined;
    this.#map.delete(commandId);
    this.#map.set(commandId, r);
    return r;
  }

  /** Remembers a result, evicting the least recently used beyond the bound. */
  set(result: CommandResult): void {
    this.#map.delete(result.commandId);
    this.#map.set(result.commandId, result);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }
}
