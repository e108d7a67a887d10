/**
 * The agent's port to the controller (its half of the node protocol, docs/protocol.md).
 * Real: NatsAgentBus (node-agent/bus/nats-agent-bus.ts). Fake: the agent side of MemoryBus
 * (reconciler/bus/memory-bus.ts, `connectAgent`), structurally the same interface.
 */
import type {
  CommandReply,
  NodeCommand,
  NodeHeartbeat,
  NodeInventory,
  NodeRegistration,
  OperationUpdate,
} from "../../schemas/protocol/messages.js";

/**
 * Executes one validated command and resolves with its result, or (protocol 1.3) with an
 * acceptance when it runs on. It should not throw (a failure is a result with `ok: false`);
 * if it does, the adapter answers `AgentError`.
 */
export type CommandHandler = (cmd: NodeCommand) => Promise<CommandReply>;

/** The agent's connection to the bus, as `nodectl status` shows it. */
export interface BusConnectionStatus {
  readonly connected: boolean;
  /** The server it is connected to (no credentials). */
  readonly server?: string;
  /** ISO time of the last message received from the server (a command or an acknowledged write). */
  readonly lastMessageAt?: string;
  /** Reconnects since the agent started. */
  readonly reconnects: number;
  /** The controller's clock in its last command (`sentAt`) and this node's clock on receipt. */
  readonly controllerClockAt?: { readonly controller: string; readonly local: string };
}

/** What an agent does on the bus. Every method validates what it sends; receiving validates too. */
export interface AgentBus {
  /** Writes the node's registration and marks it alive. */
  register(reg: NodeRegistration): Promise<void>;
  /** Refreshes the node's liveness (call every HEARTBEAT_INTERVAL_MS). */
  heartbeat(hb: NodeHeartbeat): Promise<void>;
  /** Publishes the node's full inventory (kept as the node's last value). */
  publishInventory(inv: NodeInventory): Promise<void>;
  /**
   * Serves `node`'s command subject: each valid command goes to `handler`, its result is the
   * reply; an invalid command is logged and answered with a rejection, never handed over.
   * Resolves once subscribed.
   */
  serveCommands(node: string, handler: CommandHandler): Promise<void>;
  /**
   * Publishes an accepted operation's progress or completion (protocol 1.3), fire-and-forget:
   * a lost update is recovered by the inventory and a re-sent command. Absent: the adapter
   * cannot, and the agent answers every command synchronously (and does not advertise 1.3).
   */
  publishOperation?(u: OperationUpdate): Promise<void>;
  /** Marks the node not ready at once (graceful stop), instead of waiting for the TTL. */
  leave(node: string): Promise<void>;
  /** Stops serving and disconnects (draining replies in flight). */
  close(): Promise<void>;
  /** The connection's state now; adapters without a connection (fakes) leave it out. */
  connection?(): BusConnectionStatus;
}
