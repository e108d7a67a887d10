/**
 * The agent's Prometheus metrics (prom-client, its own registry): commands by result and
 * their durations. The only module of the agent that imports prom-client.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CommandResult, NodeCommand } from "../../schemas/protocol/messages.js";

/** The metrics and the registry that serves them. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly #commands: Counter<"op" | "api_type" | "result">;
  readonly #durations: Histogram<"op" | "api_type">;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.#commands = new Counter({
      name: "humops_agent_commands_total",
      help: "Commands executed by the agent, by op, apiType and result (ok or the failure reason).",
      labelNames: ["op", "api_type", "result"],
      registers: [this.registry],
    });
    this.#durations = new Histogram({
      name: "humops_agent_command_duration_seconds",
      help: "Duration of executed commands.",
      labelNames: ["op", "api_type"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [this.registry],
    });
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Records one executed command (pass as the agent's `onResult`). */
  observe(cmd: NodeCommand, result: CommandResult): void {
    this.#commands.inc({ op: cmd.op, api_type: cmd.apiType, result: result.ok ? "ok" : (result.reason ?? "Error") });
    this.#durations.observe({ op: cmd.op, api_type: cmd.apiType }, result.durationMs / 1000);
  }

  /** The text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
