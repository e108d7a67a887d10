/**
 * A scripted agent for loop tests: applies commands to an in-memory host, answers with what
 * it observes, and republishes its inventory like a real agent. Runs on any AgentBus-shaped
 * connection: MemoryBus.connectAgent() or a real NatsAgentBus.
 */
import type { CommandResult, NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import type { AgentBus } from "../../../node-agent/bus/agent-bus.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";

/** An in-memory node. */
export class FakeAgent {
  /** Commands applied (a re-delivered commandId is answered but not applied twice). */
  readonly commands: NodeCommand[] = [];
  /** Every command received, duplicates included. */
  readonly received: NodeCommand[] = [];
  readonly host: Map<string, ObservedResource>;
  /** Makes the next commands for keys matching this fail with the reason. */
  failing: { match: RegExp; reason: string } | undefined;
  /** Delay before answering (to kill a controller mid-round). */
  delayMs = 0;
  /** Delays only the commands for keys matching this (a slow download, a slow power-off). */
  slow: { match: RegExp; op?: "apply" | "delete"; ms: number } | undefined;
  /** False: answer commands without republishing the inventory (a real agent publishes a little later). */
  publishOnCommand = true;
  private readonly seen = new Map<string, CommandResult>();
  private readonly conn: AgentBus;
  readonly node: string;
  private readonly capacity: { vcpus: number; memoryBytes: number };
  private beat: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(conn: AgentBus, node: string, opts: { capacity?: { vcpus: number; memoryBytes: number }; host?: Map<string, ObservedResource> } = {}) {
    this.conn = conn;
    this.node = node;
    this.capacity = opts.capacity ?? { vcpus: 8, memoryBytes: 16 * 1024 ** 3 };
    this.host = opts.host ?? new Map();
  }

  /** Registers the node, serves its commands, publishes its inventory and heartbeats (when `heartbeatMs`). */
  async start(heartbeatMs?: number): Promise<this> {
    await this.conn.register({ name: this.node, address: "198.18.0.1", capacity: this.capacity, agentVersion: "0.1.0", accelerator: "tcg" });
    await this.conn.serveCommands(this.node, async (cmd) => this.apply(cmd));
    await this.publish();
    if (heartbeatMs !== undefined) this.beat = setInterval(() => void this.conn.heartbeat({ node: this.node, seq: ++this.seq }).catch(() => undefined), heartbeatMs);
    return this;
  }

  /** Stops answering and disconnects (the agent died). */
  async kill(): Promise<void> {
    clearInterval(this.beat);
    await this.conn.close();
  }

  async publish(): Promise<void> {
    await this.conn.publishInventory({ node: this.node, resources: [...this.host.values()], orphans: [] });
  }

  private stateFor(cmd: NodeCommand): string {
    if (cmd.apiType === "systemv0/virtualmachine") return cmd.spec["actionState"] === "PowerOff" ? "Stopped" : "Running";
    if (cmd.apiType === "systemv0/imageentity") return "Available";
    return "Active";
  }

  private async apply(cmd: NodeCommand): Promise<CommandResult> {
    this.received.push(cmd);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const slow = this.slow;
    // unref: a test that stops while a slow command is pending need not wait for it.
    if (slow !== undefined && slow.match.test(cmd.key) && (slow.op === undefined || slow.op === cmd.op)) await new Promise((r) => setTimeout(r, slow.ms).unref());
    const again = this.seen.get(cmd.commandId);
    if (again !== undefined) return again;
    this.commands.push(cmd);
    let res: CommandResult;
    if (this.failing?.match.test(cmd.key)) {
      res = { commandId: cmd.commandId, key: cmd.key, ok: false, reason: this.failing.reason, message: "scripted failure", durationMs: 1 };
    } else {
      if (cmd.op === "delete") this.host.delete(cmd.key);
      else this.host.set(cmd.key, { key: cmd.key, apiType: cmd.apiType, state: this.stateFor(cmd), generation: cmd.generation, details: {}, node: this.node, spec: cmd.spec });
      if (this.publishOnCommand) await this.publish();
      const observed = this.host.get(cmd.key);
      res = { commandId: cmd.commandId, key: cmd.key, ok: true, durationMs: 1, ...(observed ? { observed } : {}) };
    }
    this.seen.set(cmd.commandId, res);
    return res;
  }
}
