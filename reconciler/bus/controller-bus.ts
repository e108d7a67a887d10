/**
 * The controller's port to the nodes (its half of the NATS protocol, docs/protocol.md).
 * Real: NatsControllerBus (reconciler/bus/nats-controller-bus.ts). Fake: MemoryBus, for
 * unit tests of the loop.
 */

import type { NodeCommand, CommandAcceptance, CommandResult, NodeInfo, NodeInventory, OperationUpdate } from "../../schemas/protocol/messages.js";

/*
 * The message types live in schemas/protocol/messages.ts (the agent needs them too and never
 * imports reconciler/); re-exported here so the controller keeps importing them from its port.
 */
export type { NodeCommand, CommandAcceptance, CommandResult, NodeInfo, NodeInventory, OperationUpdate };

/** Something changed on the bus; the controller re-reads (level-triggered) rather than trusting the event's content. */
export type BusEvent =
  | { readonly type: "node"; readonly node: string; readonly ready: boolean }
  | { readonly type: "inventory"; readonly node: string }
  | { readonly type: "reconnected" }
  /** Protocol 1.3: an accepted operation's progress or completion. Not a hint: it carries the update (a lost one is recovered by re-sending). */
  | { readonly type: "operation"; readonly update: OperationUpdate };

/** The controller's view of the nodes. */
export interface ControllerBus {
  /**
   * Sends `cmd` to `node` and waits for its result. Rejects with BusTimeoutError when the agent
   * does not answer in time, NodeUnreachableError when no agent serves the node, ProtocolError
   * when the command or the reply does not validate (or the agent rejected the command), and
   * the signal's reason when aborted (reconciler/bus/errors.ts), ProtocolVersionError when the
   * agent does not understand the command's protocol. A failed command is not a rejection: it
   * resolves with `ok: false`. An acceptance (the command carried `acceptWithinMs`) is a
   * ProtocolError here: use `submit`.
   */
  send(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult>;
  /**
   * Like `send`, but a command with `acceptWithinMs` may resolve with an acceptance (protocol
   * 1.3): the operation runs on and its completion comes later as an `operation` event.
   */
  submit(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult | CommandAcceptance>;
  /** Every node that ever registered, with its liveness. */
  nodes(): Promise<NodeInfo[]>;
  /** The last inventory of every node (survives a controller restart: kept in a KV bucket). */
  inventories(): Promise<Map<string, NodeInventory>>;
  /** Calls `onEvent` on changes; returns an unsubscribe function. */
  watch(onEvent: (e: BusEvent) => void): () => void;
  close(): Promise<void>;
}
