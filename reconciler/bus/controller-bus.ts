/**
 * The controller's port to the nodes (its half of the NATS protocol, docs/protocol.md).
 * Real: NatsControllerBus (reconciler/bus/nats-controller-bus.ts). Fake: MemoryBus, for
 * unit tests of the loop.
 */
import type { ObservedResource, ResourceCommand } from "../../schemas/protocol-types.js";

/** What the controller asks a node to do: apply or delete one resource. */
export interface NodeCommand extends ResourceCommand {
  /** Unique per send; agents de-duplicate re-deliveries by it. */
  readonly commandId: string;
  readonly op: "apply" | "delete";
}

/** An agent's answer to one command. */
export interface CommandResult {
  readonly commandId: string;
  readonly key: ResourceCommand["key"];
  readonly ok: boolean;
  /** PascalCase reason on failure, e.g. `CommandFailed`, `InvalidSpec`, `Unsupported`. */
  readonly reason?: string;
  readonly message?: string;
  readonly durationMs: number;
  /** What the node observes about the resource after the command. */
  readonly observed?: ObservedResource;
}

/** A registered node, as the liveness bucket has it. */
export interface NodeInfo {
  readonly name: string;
  readonly address: string;
  readonly capacity: { readonly vcpus: number; readonly memoryBytes: number };
  readonly agentVersion: string;
  readonly accelerator: "kvm" | "tcg" | "none";
  /** False once its heartbeat key expired. */
  readonly ready: boolean;
}

/** The last full inventory a node published. */
export interface NodeInventory {
  readonly node: string;
  readonly resources: readonly ObservedResource[];
  /** humops-named host objects no command explains. */
  readonly orphans: readonly string[];
}

/** Something changed on the bus; the controller re-reads (level-triggered) rather than trusting the event's content. */
export type BusEvent =
  | { readonly type: "node"; readonly node: string; readonly ready: boolean }
  | { readonly type: "inventory"; readonly node: string }
  | { readonly type: "reconnected" };

/** The controller's view of the nodes. */
export interface ControllerBus {
  /** Sends `cmd` to `node` and waits for its result; rejects with a timeout error when the agent does not answer in time. */
  send(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult>;
  /** Every node that ever registered, with its liveness. */
  nodes(): Promise<NodeInfo[]>;
  /** The last inventory of every node (survives a controller restart: kept in a KV bucket). */
  inventories(): Promise<Map<string, NodeInventory>>;
  /** Calls `onEvent` on changes; returns an unsubscribe function. */
  watch(onEvent: (e: BusEvent) => void): () => void;
  close(): Promise<void>;
}
