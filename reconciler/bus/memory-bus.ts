/**
 * MemoryBus: an in-process ControllerBus with a matching agent side, for unit tests of the
 * controller loop (and of the agent runtime) without NATS. It behaves like the NATS adapters
 * where the loop can tell: messages are validated against the protocol schemas on both ends
 * and copied through JSON, a node nobody serves is unreachable, timeouts and aborts reject.
 *
 * Agent side: `connectAgent()` returns an object with the AgentBus shape
 * (node-agent/bus/agent-bus.ts), so `startAgent({ bus: memoryBus.connectAgent(), ... })` works.
 * Test control: `setNode`, `setReady`, `setInventory`, `handle` script the nodes directly.
 */
import {
  formatIssues,
  parseCommandReply,
  parseNodeCommand,
  parseNodeHeartbeat,
  parseNodeInventory,
  parseNodeRegistration,
  parseOperationUpdate,
  type ParseResult,
} from "../../schemas/protocol-validators.js";
import type {
  CommandAcceptance,
  CommandReply,
  CommandResult,
  NodeCommand,
  NodeHeartbeat,
  NodeInfo,
  NodeInventory,
  NodeRegistration,
  OperationUpdate,
} from "../../schemas/protocol/messages.js";
import { abortable } from "../../schemas/abort-link.js";
import type { BusEvent, ControllerBus } from "./controller-bus.js";
import { BusClosedError, BusTimeoutError, NodeUnreachableError, ProtocolError, resultOnly } from "./errors.js";

/** Answers one node's commands (what an agent does). */
export type MemoryCommandHandler = (cmd: NodeCommand) => Promise<CommandReply>;

/** The agent side of a MemoryBus: structurally an AgentBus. */
export interface MemoryAgentConnection {
  register(reg: NodeRegistration): Promise<void>;
  heartbeat(hb: NodeHeartbeat): Promise<void>;
  publishInventory(inv: NodeInventory): Promise<void>;
  serveCommands(node: string, handler: MemoryCommandHandler): Promise<void>;
  publishOperation(u: OperationUpdate): Promise<void>;
  leave(node: string): Promise<void>;
  close(): Promise<void>;
}

/** One `send` as the bus saw it. */
export interface SentCommand {
  readonly node: string;
  readonly cmd: NodeCommand;
}

/** In-memory ControllerBus plus agent side; see the file header. */
export class MemoryBus implements ControllerBus {
  /** Every valid command sent, in order. */
  readonly sent: SentCommand[] = [];
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #inventories = new Map<string, NodeInventory>();
  readonly #handlers = new Map<string, MemoryCommandHandler>();
  readonly #listeners = new Set<(e: BusEvent) => void>();
  #closed = false;
  /** Every operation update the agents published, in order (including dropped ones). */
  readonly operations: OperationUpdate[] = [];
  /** Test control: an update for which this returns true is lost on the way (never reaches the controller). */
  dropOperation: ((u: OperationUpdate) => boolean) | undefined;

  async send(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult> {
    return resultOnly(node, cmd, await this.submit(node, cmd, opts));
  }

  async submit(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult | CommandAcceptance> {
    if (this.#closed) throw new BusClosedError();
    const wire = checked(parseNodeCommand(copy(cmd)), "command");
    opts.signal?.throwIfAborted();
    const handler = this.#handlers.get(node);
    if (handler === undefined) throw new NodeUnreachableError(node);
    this.sent.push({ node, cmd: wire });
    const answer = handler(copy(wire)).catch((e: unknown) => agentError(wire, e));
    const reply = await withDeadline(answer, { node, cmd: wire, ...opts });
    const parsed = checked(parseCommandReply(copy(reply)), "reply");
    if ("rejected" in parsed) throw new ProtocolError(`node ${node} rejected the command: ${parsed.message}`, "command");
    return parsed;
  }

  async nodes(): Promise<NodeInfo[]> {
    return [...this.#nodes.values()].map(copy);
  }

  async inventories(): Promise<Map<string, NodeInventory>> {
    return new Map([...this.#inventories].map(([k, v]) => [k, copy(v)]));
  }

  watch(onEvent: (e: BusEvent) => void): () => void {
    this.#listeners.add(onEvent);
    return () => this.#listeners.delete(onEvent);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }

  /** Registers (or replaces) a node directly; emits a node event. */
  setNode(info: NodeInfo): void {
    checked(parseNodeRegistration(registrationOf(info)), "registration");
    const before = this.#nodes.get(info.name);
    this.#nodes.set(info.name, copy(info));
    if (before?.ready !== info.ready) this.#emit({ type: "node", node: info.name, ready: info.ready });
  }

  /** Flips a registered node's liveness (as a heartbeat or an expired TTL would); emits on change. */
  setReady(node: string, ready: boolean): void {
    const info = this.#nodes.get(node);
    if (info === undefined || info.ready === ready) return;
    this.#nodes.set(node, { ...info, ready });
    this.#emit({ type: "node", node, ready });
  }

  /** Stores a node's inventory directly; emits an inventory event. */
  setInventory(inv: NodeInventory): void {
    this.#inventories.set(inv.node, checked(parseNodeInventory(copy(inv)), "inventory"));
    this.#emit({ type: "inventory", node: inv.node });
  }

  /** Serves `node`'s commands with `handler` (a scripted agent); `undefined` makes the node unreachable. */
  handle(node: string, handler: MemoryCommandHandler | undefined): void {
    if (handler === undefined) this.#handlers.delete(node);
    else this.#handlers.set(node, handler);
  }

  /** Publishes an operation update to the controller (what an agent does, protocol 1.3), unless `dropOperation` loses it. */
  publishOperation(u: OperationUpdate): void {
    const value = checked(parseOperationUpdate(copy(u)), "operation update");
    this.operations.push(value);
    if (this.dropOperation?.(value) === true) return;
    this.#emit({ type: "operation", update: value });
  }

  /** Simulates a reconnect of the controller's connection (emits `reconnected`). */
  simulateReconnect(): void {
    this.#emit({ type: "reconnected" });
  }

  /** An agent-side connection (AgentBus shape). */
  connectAgent(): MemoryAgentConnection {
    const served = new Set<string>();
    return {
      register: async (reg) => {
        const value = checked(parseNodeRegistration(copy(reg)), "registration");
        this.setNode({ ...value, ready: true });
      },
      heartbeat: async (hb) => this.setReady(checked(parseNodeHeartbeat(copy(hb)), "heartbeat").node, true),
      publishInventory: async (inv) => this.setInventory(inv),
      serveCommands: async (node, handler) => {
        served.add(node);
        this.handle(node, handler);
      },
      publishOperation: async (u) => this.publishOperation(u),
      leave: async (node) => this.setReady(node, false),
      close: async () => {
        for (const node of served) this.handle(node, undefined);
      },
    };
  }

  #emit(e: BusEvent): void {
    for (const l of [...this.#listeners]) l(e);
  }
}

/** What the NATS agent adapter answers when its handler throws. */
function agentError(cmd: NodeCommand, e: unknown): CommandResult {
  const message = e instanceof Error ? e.message : String(e);
  return { commandId: cmd.commandId, key: cmd.key, ok: false, reason: "AgentError", message, durationMs: 0 };
}

function registrationOf(info: NodeInfo): NodeRegistration {
  const { ready: _ready, ...reg } = info;
  return reg;
}

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function checked<T>(r: ParseResult<T>, what: string): T {
  if (!r.ok) throw new ProtocolError(`invalid ${what}: ${formatIssues(r.errors)}`, what);
  return r.value;
}

async function withDeadline<T>(
  p: Promise<T>,
  o: { node: string; cmd: NodeCommand; timeoutMs: number; signal?: AbortSignal },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BusTimeoutError(o.node, o.cmd.commandId, o.timeoutMs)), o.timeoutMs);
  });
  try {
    return await abortable(Promise.race([p, deadline]), o.signal);
  } finally {
    clearTimeout(timer);
  }
}
