/**
 * Errors of the controller's bus (ControllerBus.send and the adapters). Each has a stable
 * `code` so the loop and tests never match on message text. All are transient for the loop
 * (retry with backoff) except ProtocolError, which says the controller or the agent speaks a
 * different protocol: a bug or a version skew, not something a retry fixes.
 */
import type { CommandAcceptance, CommandResult, NodeCommand } from "../../schemas/protocol/messages.js";

/** The agent did not answer within the timeout (it may still execute the command: re-send with the same commandId). */
export class BusTimeoutError extends Error {
  override readonly name = "BusTimeoutError";
  readonly code = "BusTimeout";
  readonly node: string;
  readonly commandId: string;
  readonly timeoutMs: number;
  constructor(node: string, commandId: string, timeoutMs: number, options?: ErrorOptions) {
    super(`node ${node} did not answer command ${commandId} within ${timeoutMs} ms`, options);
    this.node = node;
    this.commandId = commandId;
    this.timeoutMs = timeoutMs;
  }
}

/** No agent serves the node right now (NATS "no responders"): the node is down or not connected. */
export class NodeUnreachableError extends Error {
  override readonly name = "NodeUnreachableError";
  readonly code = "NodeUnreachable";
  readonly node: string;
  constructor(node: string, options?: ErrorOptions) {
    super(`no agent serves node ${node}`, options);
    this.node = node;
  }
}

/** A message did not validate against its schema, or the agent rejected the command as invalid. Never retried blindly. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code = "InvalidMessage";
  /** What was invalid: `command`, `reply`, `registration`, `inventory`, `heartbeat`. */
  readonly what: string;
  constructor(message: string, what: string, options?: ErrorOptions) {
    super(message, options);
    this.what = what;
  }
}

/**
 * The controller and a node speak protocol versions one of them does not understand (protocol
 * 1.3): the agent refused the command (reason UnsupportedProtocol), or the node advertised a
 * version of another major. Upgrading the older side fixes it; nothing was acted on.
 */
export class ProtocolVersionError extends Error {
  override readonly name = "ProtocolVersionError";
  readonly code = "UnsupportedProtocol";
  readonly node: string;
  readonly ours: string;
  readonly theirs: string | undefined;
  constructor(o: { node: string; ours: string; theirs: string | undefined; message?: string }, options?: ErrorOptions) {
    super(o.message ?? `node ${o.node} speaks protocol ${o.theirs ?? "older than 1.3"}, this controller speaks ${o.ours}`, options);
    this.node = o.node;
    this.ours = o.ours;
    this.theirs = o.theirs;
  }
}

/** The bus was closed. */
export class BusClosedError extends Error {
  override readonly name = "BusClosedError";
  readonly code = "BusClosed";
  constructor(options?: ErrorOptions) {
    super("bus closed", options);
  }
}

/** Listing a KV bucket's keys did not finish in time (a stalled JetStream consumer); the caller retries later. */
export class KvListTimeoutError extends Error {
  override readonly name = "KvListTimeoutError";
  readonly code = "KvListTimeout";
  readonly bucket: string;
  readonly timeoutMs: number;
  constructor(bucket: string, timeoutMs: number, options?: ErrorOptions) {
    super(`listing the keys of KV bucket ${bucket} did not finish within ${timeoutMs} ms`, options);
    this.bucket = bucket;
    this.timeoutMs = timeoutMs;
  }
}

/** A KV bucket exists with another configuration than this controller was told to use (replicas). Not transient. */
export class BucketConfigError extends Error {
  override readonly name = "BucketConfigError";
  readonly code = "BucketConfig";
  readonly bucket: string;
  constructor(bucket: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.bucket = bucket;
  }
}

/** The connection to nats-server is down (it reconnects by itself); the caller retries later. */
export class BusDisconnectedError extends Error {
  override readonly name = "BusDisconnectedError";
  readonly code = "BusDisconnected";
  constructor(options?: ErrorOptions) {
    super("not connected to nats-server (reconnecting)", options);
  }
}

/** `send`'s answer from `submit`'s: the result; an acceptance where a result was asked for is a ProtocolError (use submit). */
export function resultOnly(node: string, cmd: NodeCommand, reply: CommandResult | CommandAcceptance): CommandResult {
  if ("accepted" in reply) throw new ProtocolError(`node ${node} accepted command ${cmd.commandId} instead of answering it (use submit)`, "reply");
  return reply;
}
