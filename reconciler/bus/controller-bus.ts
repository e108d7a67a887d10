/**
 * The controller's port to the nodes (its half of the NATS protocol, docs/protocol.md).
 * Real: NatsControllerBus (reconciler/bus/nats-controller-bus.ts). Fake: MemoryBus, for
 * unit tests of the loop.
 */

import type { NodeCommand, CommandResult, NodeInfo, NodeInventory } from "../../schemas/protocol/messages.js";

/*
 * The message types live in schemas/protocol/messages.ts (the agent needs them too and never
 * imports reconciler/); re-exported here so the controller keeps importing them from its port.
 */
export type { NodeCommand, CommandResult, NodeInfo, NodeInventory };

/** Something changed on the bus; the controller re-reads (level-triggered) rather than trusting the event's content. */
export type BusEvent =
  | { readonly type: "node"; readonly node: string; readonly ready: boolean }
  | { readonly type: "inventory"; readonly node: string }
  | { readonly type: "reconnected" };

/** The controller's view of the nodes. */
export interface ControllerBus {
  /**
   * Sends `cmd` to `node` and waits for its result. Rejects with BusTimeoutError when the agent
   * does not answer in time, NodeUnreachableError when no agent serves the node, ProtocolError
   * when the command or the reply does not validate (or the agent rejected the command), and
   * the signal's reason when aborted (reconciler/bus/errors.ts). A failed command is not a
   * rejection: it resolves with `ok: false`.
   */
  send(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult>;
  /** Every node that ever registered, with its liveness. */
  nodes(): Promise<NodeInfo[]>;
  /** The last inventory of every node (survives a controller restart: kept in a KV bucket). */
  inventories(): Promise<Map<string, NodeInventory>>;
  /** Calls `onEvent` on changes; returns an unsubscribe function. */
  watch(onEvent: (e: BusEvent) => void): () => void;
  close(): Promise<void>;
}
