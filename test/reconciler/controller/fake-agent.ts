/**
 * A scripted agent for loop tests on a MemoryBus: applies commands to an in-memory host,
 * answers with what it observes, and republishes its inventory like a real agent.
 */
import type { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import type { CommandResult, NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import type { ObservedResource } from "../../../schemas/protocol-types.js";

/** An in-memory node. */
export class FakeAgent {
  readonly commands: NodeCommand[] = [];
  readonly host = new Map<string, ObservedResource>();
  /** Makes the next commands for keys matching this fail with the reason. */
  failing: { match: RegExp; reason: string } | undefined;
  private readonly seen = new Set<string>();

  readonly bus: MemoryBus;
  readonly node: string;
  readonly capacity: { vcpus: number; memoryBytes: number };

  constructor(bus: MemoryBus, node: string, capacity = { vcpus: 8, memoryBytes: 16 * 1024 ** 3 }) {
    this.bus = bus;
    this.node = node;
    this.capacity = capacity;
  }

  /** Registers the node and serves its commands. */
  start(): this {
    this.bus.setNode({ name: this.node, address: "198.18.0.1", capacity: this.capacity, agentVersion: "0.1.0", accelerator: "tcg", ready: true });
    this.bus.handle(this.node, async (cmd) => this.apply(cmd));
    this.publish();
    return this;
  }

  /** Stops answering (the agent died); the node stays registered until marked not ready. */
  kill(): void {
    this.bus.handle(this.node, undefined);
  }

  publish(): void {
    this.bus.setInventory({ node: this.node, resources: [...this.host.values()], orphans: [] });
  }

  private stateFor(cmd: NodeCommand): string {
    if (cmd.apiType === "systemv0/virtualmachine") return cmd.spec["actionState"] === "PowerOff" ? "Stopped" : "Running";
    if (cmd.apiType === "systemv0/blockstorage") return "Active";
    return "Active";
  }

  private async apply(cmd: NodeCommand): Promise<CommandResult> {
    if (!this.seen.has(cmd.commandId)) this.commands.push(cmd);
    this.seen.add(cmd.commandId);
    if (this.failing?.match.test(cmd.key)) {
      return { commandId: cmd.commandId, key: cmd.key, ok: false, reason: this.failing.reason, message: "scripted failure", durationMs: 1 };
    }
    if (cmd.op === "delete") this.host.delete(cmd.key);
    else {
      this.host.set(cmd.key, { key: cmd.key, apiType: cmd.apiType, state: this.stateFor(cmd), generation: cmd.generation, details: { bridge: String(cmd.context["bridgeName"] ?? "") }, node: this.node, spec: cmd.spec });
    }
    this.publish();
    const observed = this.host.get(cmd.key);
    return { commandId: cmd.commandId, key: cmd.key, ok: true, durationMs: 1, ...(observed ? { observed } : {}) };
  }
}
