/**
 * NatsAgentBus: the agent's half of the node protocol over NATS (docs/protocol.md). The only
 * module of node-agent/ that talks to nats-server. It serves `humops.v1.node.<node>.cmd`
 * (request/reply), writes the node's keys of the KV buckets, validates what it receives and
 * what it sends, and reconnects forever (re-writing its registration and last inventory after
 * a reconnect, in case the server lost its store).
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import {
  AuthorizationError,
  connect,
  credsAuthenticator,
  type ConnectionOptions,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
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
  CommandRejection,
  CommandReply,
  NodeHeartbeat,
  NodeInventory,
  NodeRegistration,
  OperationUpdate,
} from "../../schemas/protocol/messages.js";
import { BUCKETS, LIVENESS_TTL_MS, PROTOCOL_VERSION, commandSubject, operationSubject, understandsProtocol } from "../../schemas/protocol/subjects.js";
import { agentInboxPrefix } from "../../schemas/protocol/nats-auth.js";
import type { AgentBus, BusConnectionStatus, CommandHandler } from "./agent-bus.js";
import { InvalidOutgoingMessageError } from "./errors.js";

/** How to reach nats-server, and as whom. */
export interface NatsAgentBusOptions {
  readonly servers: string | string[];
  /** This agent's node: names its inbox prefix (`_INBOX_<node>`), which its permissions allow. */
  readonly node: string;
  readonly user?: string;
  readonly password?: string;
  /** A NATS authentication token (instead of user/password). */
  readonly token?: string;
  readonly credsFile?: string;
  readonly log: Logger;
}

/** How long close() waits for replies in flight. */
const CLOSE_GRACE_MS = 5000;

type Buckets = { readonly nodes: KV; readonly liveness: KV; readonly inventory: KV };

/** The queue group agents subscribe in, so two agents started for one node never both execute a command. */
const QUEUE = "humops-agent";

/** AgentBus over NATS; build it with `NatsAgentBus.connect()`. */
export class NatsAgentBus implements AgentBus {
  readonly #nc: NatsConnection;
  readonly #kv: Buckets;
  readonly #log: Logger;
  readonly #subs: Subscription[] = [];
  readonly #inflight = new Set<Promise<void>>();
  #registration: NodeRegistration | undefined;
  #inventory: NodeInventory | undefined;
  #connected = true;
  #reconnects = 0;
  #lastMessageAt: Date | undefined;
  #controllerClockAt: { controller: string; local: string } | undefined;

  private constructor(nc: NatsConnection, kv: Buckets, log: Logger) {
    this.#nc = nc;
    this.#kv = kv;
    this.#log = log;
    void this.#followStatus().catch((err: unknown) => log.warn({ err }, "connection status stream ended"));
  }

  /** Connects and opens the KV buckets (creating them when missing). Throws when nats-server cannot be reached at first. */
  static async connect(opts: NatsAgentBusOptions): Promise<NatsAgentBus> {
    const nc = await connect(connectionOptions(opts));
    try {
      const kvm = new Kvm(nc);
      const [nodes, liveness, inventory] = await Promise.all([
        kvm.create(BUCKETS.nodes, { history: 1 }),
        kvm.create(BUCKETS.liveness, { history: 1, ttl: LIVENESS_TTL_MS }),
        kvm.create(BUCKETS.inventory, { history: 1 }),
      ]);
      return new NatsAgentBus(nc, { nodes, liveness, inventory }, opts.log);
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  async register(reg: NodeRegistration): Promise<void> {
    const value = outgoing(parseNodeRegistration(reg), "registration");
    this.#registration = value;
    await this.#kv.nodes.put(value.name, JSON.stringify(value));
    await this.heartbeat({ node: value.name, seq: 0 });
  }

  async heartbeat(hb: NodeHeartbeat): Promise<void> {
    const value = outgoing(parseNodeHeartbeat(hb), "heartbeat");
    await this.#kv.liveness.put(value.node, JSON.stringify(value));
    this.#lastMessageAt = new Date();
  }

  connection(): BusConnectionStatus {
    const server = this.#nc.getServer();
    return {
      connected: this.#connected && !this.#nc.isClosed(),
      ...(server ? { server } : {}),
      ...(this.#lastMessageAt ? { lastMessageAt: this.#lastMessageAt.toISOString() } : {}),
      reconnects: this.#reconnects,
      ...(this.#controllerClockAt ? { controllerClockAt: this.#controllerClockAt } : {}),
    };
  }

  async publishInventory(inv: NodeInventory): Promise<void> {
    const value = outgoing(parseNodeInventory(inv), "inventory");
    this.#inventory = value;
    await this.#kv.inventory.put(value.node, JSON.stringify(value));
  }

  async serveCommands(node: string, handler: CommandHandler): Promise<void> {
    const sub = this.#nc.subscribe(commandSubject(node), { queue: QUEUE });
    this.#subs.push(sub);
    void (async () => {
      for await (const msg of sub) {
        this.#lastMessageAt = new Date();
        const p = this.#answer(msg, handler).finally(() => this.#inflight.delete(p));
        this.#inflight.add(p);
      }
    })().catch((err: unknown) => this.#log.error({ err, node }, "command subscription ended"));
    // The subscription is registered once the server has seen it.
    await this.#nc.flush();
  }

  /** A core NATS publish (no JetStream): progress is ephemeral, a lost completion is recovered (docs/protocol.md). */
  async publishOperation(u: OperationUpdate): Promise<void> {
    const value = outgoing(parseOperationUpdate(u), "operation update");
    this.#nc.publish(operationSubject(value.node), JSON.stringify(value));
  }

  async leave(node: string): Promise<void> {
    await this.#kv.liveness.delete(node);
  }

  async close(): Promise<void> {
    await Promise.all(this.#subs.map((s) => s.drain().catch(() => undefined)));
    // Replies in flight get a bounded grace period: a stuck handler must not block shutdown.
    const grace = new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref());
    await Promise.race([Promise.allSettled([...this.#inflight]), grace]);
    await this.#nc.drain().catch(() => this.#nc.close());
  }

  async #answer(msg: Msg, handler: CommandHandler): Promise<void> {
    const reply = await this.#replyTo(msg, handler);
    try {
      msg.respond(JSON.stringify(reply));
    } catch (err) {
      this.#log.warn({ err }, "could not send a command reply");
    }
  }

  async #replyTo(msg: Msg, handler: CommandHandler): Promise<CommandReply> {
    let data: unknown;
    try {
      data = msg.json();
    } catch {
      return this.#reject("InvalidMessage", "command is not JSON");
    }
    // Before the schema: a newer controller's command may carry fields this agent's closed schema
    // does not know, and the refusal must say which versions disagree, not which field.
    const theirs = (data as { protocol?: unknown } | null)?.protocol;
    if (typeof theirs === "string" && !understandsProtocol(PROTOCOL_VERSION, theirs)) {
      return this.#reject("UnsupportedProtocol", `the controller speaks protocol ${theirs}, this agent speaks ${PROTOCOL_VERSION}: upgrade the agent`);
    }
    const cmd = parseNodeCommand(data);
    if (!cmd.ok) return this.#reject("InvalidMessage", `invalid command: ${formatIssues(cmd.errors)}`);
    const { commandId, key } = cmd.value;
    if (cmd.value.sentAt !== undefined) this.#controllerClockAt = { controller: cmd.value.sentAt, local: new Date().toISOString() };
    try {
      const result = await handler(cmd.value);
      const checked = parseCommandReply(result);
      if (checked.ok) return checked.value;
      this.#log.error({ commandId, issues: formatIssues(checked.errors) }, "agent produced an invalid result");
      return { commandId, key, ok: false, reason: "AgentError", message: `agent produced an invalid result: ${formatIssues(checked.errors)}`, durationMs: 0 };
    } catch (err) {
      this.#log.error({ err, commandId }, "command handler threw");
      return { commandId, key, ok: false, reason: "AgentError", message: String((err as Error)?.message ?? err), durationMs: 0 };
    }
  }

  #reject(reason: string, message: string): CommandRejection {
    this.#log.error({ reason, message }, "rejected an invalid command");
    return { rejected: true, reason, message };
  }

  async #followStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === "disconnect") {
        this.#connected = false;
        this.#log.warn({ server: s.server }, "nats disconnected");
      }
      if (s.type !== "reconnect") continue;
      this.#connected = true;
      this.#reconnects += 1;
      this.#log.info({ server: s.server }, "nats reconnected");
      await this.#republish().catch((err: unknown) => this.#log.warn({ err }, "re-registering after reconnect failed"));
    }
  }

  async #republish(): Promise<void> {
    if (this.#registration) await this.register(this.#registration);
    if (this.#inventory) await this.publishInventory(this.#inventory);
  }
}

/** True when nats-server refused the credentials (retrying will not help). */
export function isAuthorizationError(err: unknown): boolean {
  return err instanceof AuthorizationError || (err instanceof Error && err.cause instanceof AuthorizationError);
}

function connectionOptions(opts: NatsAgentBusOptions): ConnectionOptions {
  const co: ConnectionOptions = {
    servers: opts.servers,
    name: `humops-agent-${opts.node}`,
    inboxPrefix: agentInboxPrefix(opts.node),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (opts.credsFile !== undefined) co.authenticator = credsAuthenticator(readFileSync(opts.credsFile));
  if (opts.user !== undefined) co.user = opts.user;
  if (opts.password !== undefined) co.pass = opts.password;
  if (opts.token !== undefined) co.token = opts.token;
  return co;
}

function outgoing<T>(r: ParseResult<T>, what: string): T {
  if (!r.ok) throw new InvalidOutgoingMessageError(what, formatIssues(r.errors));
  return r.value;
}
