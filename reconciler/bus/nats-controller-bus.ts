/**
 * NatsControllerBus: the controller's half of the node protocol over NATS (docs/protocol.md).
 * The only module of reconciler/ that talks to nats-server. Commands are core NATS
 * request/reply on `humops.v1.node.<node>.cmd`; nodes, liveness and inventories come from
 * JetStream KV buckets, held in memory by watchers (nats-bus-watch.ts). Every message is
 * validated before it is sent and after it is received. The connection reconnects forever; watchers are re-created after a reconnect.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import {
  connect,
  credsAuthenticator,
  RequestError,
  TimeoutError,
  type ConnectionOptions,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { formatIssues, parseCommandReply, parseNodeCommand, parseOperationUpdate } from "../../schemas/protocol-validators.js";
import { abortable } from "../../schemas/abort-link.js";
import { ALL_OPERATIONS_SUBJECT, commandSubject, PROTOCOL_VERSION } from "../../schemas/protocol/subjects.js";
import type { BusEvent, CommandAcceptance, CommandResult, ControllerBus, NodeCommand, NodeInfo, NodeInventory } from "./controller-bus.js";
import { BusClosedError, BusTimeoutError, NodeUnreachableError, ProtocolError, ProtocolVersionError, resultOnly } from "./errors.js";
import { decodeValue, openBuckets } from "./nats-buckets.js";
import { BusWatch } from "./nats-bus-watch.js";
import { openLeaseStore } from "./nats-lease-store.js";
import type { LeaseStore } from "../controller/leader-election.js";

/** How to reach nats-server, and as whom. */
export interface NatsControllerBusOptions {
  /** `nats://host:port`, or several. */
  readonly servers: string | string[];
  readonly user?: string;
  readonly password?: string;
  /** A NATS authentication token (instead of user/password). */
  readonly token?: string;
  /** A NATS `.creds` file (JWT + nkey seed); instead of user/password. */
  readonly credsFile?: string;
  readonly log: Logger;
  /** How often the liveness bucket is listed to see expired heartbeats; default 2000 ms. */
  readonly livenessPollMs?: number;
  /** Replicas of the buckets it creates, and what existing ones must have (`--nats-replicas`); default 1. */
  readonly replicas?: number;
}

/** ControllerBus over NATS; build it with `NatsControllerBus.connect()`. */
export class NatsControllerBus implements ControllerBus {
  readonly #nc: NatsConnection;
  readonly #watch: BusWatch;
  #closed = false;

  readonly #replicas: number;
  readonly #opListeners = new Set<(e: BusEvent) => void>();
  readonly #opSub: Subscription;

  private constructor(nc: NatsConnection, watch: BusWatch, replicas: number, log: Logger) {
    this.#replicas = replicas;
    this.#nc = nc;
    this.#watch = watch;
    this.#opSub = this.#followOperations(log);
  }

  /** Operation updates (protocol 1.3): core NATS, validated, handed to the listeners. */
  #followOperations(log: Logger): Subscription {
    const sub = this.#nc.subscribe(ALL_OPERATIONS_SUBJECT);
    void (async () => {
      for await (const msg of sub) {
        let data: unknown;
        try {
          data = msg.json();
        } catch {
          log.warn({ subject: msg.subject }, "operation update is not JSON");
          continue;
        }
        const u = parseOperationUpdate(data);
        if (!u.ok) {
          log.warn({ subject: msg.subject, issues: formatIssues(u.errors) }, "invalid operation update ignored");
          continue;
        }
        for (const l of [...this.#opListeners]) l({ type: "operation", update: u.value });
      }
    })().catch((err: unknown) => log.error({ err }, "operation subscription ended"));
    return sub;
  }

  /**
   * Connects, opens (creating when missing) the KV buckets and starts watching them.
   * Throws when nats-server cannot be reached at first or JetStream is not enabled.
   */
  static async connect(opts: NatsControllerBusOptions): Promise<NatsControllerBus> {
    const nc = await connect(connectionOptions(opts));
    try {
      const buckets = await openBuckets(nc, opts.replicas ?? 1);
      const watch = new BusWatch(nc, buckets, opts.log);
      await watch.start(opts.livenessPollMs ?? 2000);
      const bus = new NatsControllerBus(nc, watch, opts.replicas ?? 1, opts.log);
      await nc.flush();
      return bus;
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /** The leader lease over this connection (bucket humops-leader, same replicas). */
  openLease(): Promise<LeaseStore> {
    return openLeaseStore(this.#nc, { replicas: this.#replicas });
  }

  async send(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult> {
    return resultOnly(node, cmd, await this.submit(node, cmd, opts));
  }

  async submit(node: string, cmd: NodeCommand, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult | CommandAcceptance> {
    if (this.#closed) throw new BusClosedError();
    const checked = parseNodeCommand(cmd);
    if (!checked.ok) throw new ProtocolError(`invalid command: ${formatIssues(checked.errors)}`, "command");
    opts.signal?.throwIfAborted();
    const sent: NodeCommand = { ...cmd, sentAt: new Date().toISOString() };
    const request = this.#nc.request(commandSubject(node), JSON.stringify(sent), { timeout: opts.timeoutMs });
    let msg: Msg;
    try {
      msg = await abortable(request, opts.signal);
    } catch (e) {
      throw mapRequestError(e, { node, cmd, timeoutMs: opts.timeoutMs, signal: opts.signal });
    }
    const reply = decodeValue(msg.data, parseCommandReply, "reply");
    if ("rejected" in reply && reply.reason === "UnsupportedProtocol") {
      throw new ProtocolVersionError({ node, ours: cmd.protocol ?? PROTOCOL_VERSION, theirs: undefined, message: `node ${node} refused command ${cmd.commandId}: ${reply.message}` });
    }
    if ("rejected" in reply) {
      throw new ProtocolError(`node ${node} rejected command ${cmd.commandId} (${reply.reason}): ${reply.message}`, "command");
    }
    if (reply.commandId !== cmd.commandId) {
      throw new ProtocolError(`node ${node} answered ${reply.commandId} to command ${cmd.commandId}`, "reply");
    }
    return reply;
  }

  /** From the in-memory view (nats-bus-watch.ts): no JetStream request. */
  async nodes(): Promise<NodeInfo[]> {
    if (this.#closed) throw new BusClosedError();
    return [...this.#watch.registrations().values()].map((reg) => ({ ...reg, ready: this.#watch.ready(reg.name) }));
  }

  /** From the in-memory view (nats-bus-watch.ts): no JetStream request. */
  async inventories(): Promise<Map<string, NodeInventory>> {
    if (this.#closed) throw new BusClosedError();
    return this.#watch.inventories();
  }

  watch(onEvent: (e: BusEvent) => void): () => void {
    const off = this.#watch.add(onEvent);
    this.#opListeners.add(onEvent);
    return () => {
      off();
      this.#opListeners.delete(onEvent);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.stop();
    this.#opListeners.clear();
    this.#opSub.unsubscribe();
    await this.#nc.drain().catch(() => this.#nc.close());
  }
}

function connectionOptions(opts: NatsControllerBusOptions): ConnectionOptions {
  const co: ConnectionOptions = {
    servers: opts.servers,
    name: "humops-controller",
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (opts.credsFile !== undefined) co.authenticator = credsAuthenticator(readFileSync(opts.credsFile));
  if (opts.user !== undefined) co.user = opts.user;
  if (opts.password !== undefined) co.pass = opts.password;
  if (opts.token !== undefined) co.token = opts.token;
  return co;
}

function mapRequestError(
  e: unknown,
  o: { node: string; cmd: NodeCommand; timeoutMs: number; signal: AbortSignal | undefined },
): unknown {
  if (o.signal?.aborted && e === o.signal.reason) return e;
  if (e instanceof RequestError && e.isNoResponders()) return new NodeUnreachableError(o.node, { cause: e });
  if (e instanceof TimeoutError || (e instanceof RequestError && e.cause instanceof TimeoutError)) {
    return new BusTimeoutError(o.node, o.cmd.commandId, o.timeoutMs, { cause: e });
  }
  return e;
}
