/**
 * What a reconcile pass reports and how one work item is applied: the command sent to its
 * node (or, for a cluster-level kind, the controller's own record). The loop around it is
 * controller.ts (syncs, the work queue); the per-key reconcile is reconcile-key.ts.
 */
import type { Logger } from "pino";
import type { ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";
import { PROTOCOL_VERSION, speaksAsyncOperations } from "../../schemas/protocol/subjects.js";
import type { CommandAcceptance, CommandResult, NodeCommand, NodeInfo } from "../bus/controller-bus.js";
import { ProtocolVersionError } from "../bus/errors.js";
import type { LoadResult } from "../manifest/types.js";
import type { RateLimiter } from "./backoff.js";
import { buildContext } from "./build-context.js";
import type { ControllerState } from "./controller-state.js";
import { CommandFailedError, TerminalError, WaitingError } from "./errors.js";
import type { Placement } from "./placement.js";
import type { WorkItem } from "./plan-work.js";
import { commandIdOf } from "./incarnations.js";
import type { ControllerDeps } from "./ports.js";

/** What the work did up to a moment it settled (nothing in flight or ready to run): a "round". */
export interface RoundReport {
  readonly commit: string;
  readonly commandsSent: number;
  readonly statusCommit: string | undefined;
  readonly statusChanged: boolean;
  readonly notReady: number;
  /** When the loop should come back on its own (backoff, waiting); undefined: only on events. */
  readonly requeueAfterMs: number | undefined;
}

/** Per-round inputs the Controller passes. */
export interface RoundContext {
  readonly deps: ControllerDeps;
  readonly state: ControllerState;
  readonly limiter: RateLimiter;
  readonly commandTimeoutMs: number;
  /** The acceptance window put in commands to agents of protocol 1.3 (ControllerOptions.acceptWithinMs). */
  readonly acceptWithinMs: number;
  /** How long a command result outranks an inventory that does not show it yet. */
  readonly inventoryGraceMs: number;
  /** The cluster download token put in storage commands' context (ControllerOptions.downloadToken). */
  readonly downloadToken?: string;
  readonly loadCached: (commit: string) => Promise<LoadResult>;
  readonly log: Logger;
}

const TERMINAL_REASONS = new Set(["InvalidSpec", "Unsupported"]);
const NODE_WAIT_MS = 10_000;

/** `node`'s info when it is ready; else WaitingError (NodeNotReady: look again in a while). */
export function readyNode(nodes: readonly NodeInfo[], node: string): NodeInfo {
  const info = nodes.find((n) => n.name === node);
  if (!info?.ready) throw new WaitingError("NodeNotReady", `node ${node} is not ready`, NODE_WAIT_MS);
  return info;
}

/** A new commandId for an item's op, generation and life: each attempt counts, so a command sent again after a failure is a new one. */
export function nextCommandId(state: ControllerState, o: { itemId: string; op: "apply" | "delete"; generation: number; incarnation: string | undefined }): string {
  const attemptKey = `${o.itemId}#${o.op}#${o.generation}`;
  const attempt = state.attempts.get(attemptKey) ?? 0;
  state.attempts.set(attemptKey, attempt + 1);
  return commandIdOf({ ...o, runId: state.runId, attempt });
}

/** What applying one item reads: the round context and the latest facts (a World). */
export interface ApplyInput {
  ctx: RoundContext;
  load: LoadResult;
  generations: ReadonlyMap<ResourceKey, number>;
  incarnations: ReadonlyMap<ResourceKey, string>;
  placement: Placement;
  observed: Map<string, Map<ResourceKey, ObservedResource>>;
  nodes: readonly NodeInfo[];
  commit: string;
}

/** Records a cluster-level kind as applied (or deleted) by the controller itself. */
export function recordClusterLevel(a: ApplyInput, item: WorkItem): void {
  if (item.op === "apply") a.ctx.state.clusterApplied.set(item.key, item.generation);
  else a.ctx.state.clusterApplied.delete(item.key);
}

/**
 * The command for `item` (a new commandId: attempts count). An agent of protocol 1.3 is asked to
 * accept it (`acceptWithinMs`) and told which protocol this controller speaks. Throws
 * WaitingError (node not ready) or ProtocolVersionError (the node speaks another major).
 */
export function buildCommand(a: ApplyInput, item: WorkItem): NodeCommand {
  const node = item.node!;
  const info = readyNode(a.nodes, node);
  // A newer minor is fine (the agent understands older commands); another major is not.
  if (info.protocol !== undefined && info.protocol.split(".")[0] !== PROTOCOL_VERSION.split(".")[0]) {
    throw new ProtocolVersionError({ node, ours: PROTOCOL_VERSION, theirs: info.protocol });
  }
  const r = item.desired;
  const obs = item.observed;
  // An apply is for the current life; a delete for the life of what the node reports.
  const incarnation = item.op === "apply" ? a.incarnations.get(item.key) : obs?.incarnation;
  return {
    commandId: nextCommandId(a.ctx.state, { itemId: item.id, op: item.op, generation: item.generation, incarnation }),
    op: item.op,
    key: item.key,
    apiType: r?.apiType ?? obs!.apiType,
    id: r?.id ?? item.key.split("/").at(-1)!,
    ...(r?.group ?? groupOf(item.key) ? { group: r?.group ?? groupOf(item.key)! } : {}),
    ...(r?.namespace ?? namespaceOf(item.key) ? { namespace: r?.namespace ?? namespaceOf(item.key)! } : {}),
    annotations: { ...(r?.meta.annotations ?? {}) },
    spec: { ...(r?.spec ?? obs?.spec ?? {}) },
    generation: item.generation,
    ...(incarnation !== undefined ? { incarnation } : {}),
    context: r !== undefined ? buildContext(r, node, { desired: a.load.resources, placement: a.placement.nodes, nodes: a.nodes, observed: a.observed, ...(a.ctx.downloadToken !== undefined ? { downloadToken: a.ctx.downloadToken } : {}) }) : {},
    ...(speaksAsyncOperations(info.protocol) ? { protocol: PROTOCOL_VERSION, acceptWithinMs: a.ctx.acceptWithinMs } : {}),
  };
}

/** Sends `cmd` (within the global command rate); resolves with the final result or an acceptance. Throws a bus error. */
export async function deliver(a: ApplyInput, item: WorkItem, cmd: NodeCommand, signal: AbortSignal): Promise<CommandResult | CommandAcceptance> {
  await a.ctx.limiter.take(signal);
  a.ctx.log.debug({ resource: item.key, node: item.node, op: item.op, generation: item.generation, reason: item.reason, commandId: cmd.commandId }, "sending command");
  try {
    return await a.ctx.deps.bus.submit(item.node!, cmd, { timeoutMs: a.ctx.commandTimeoutMs, signal });
  } catch (e: unknown) {
    a.ctx.deps.metrics?.command?.("error");
    throw e;
  }
}

/**
 * Takes `cmd`'s final result: lays it over `a.observed` (and the recent results), or throws
 * TerminalError (InvalidSpec, Unsupported) or CommandFailedError (Superseded among them).
 */
export function takeResult(a: ApplyInput, item: WorkItem, cmd: NodeCommand, res: CommandResult): void {
  const node = item.node!;
  a.ctx.deps.metrics?.command?.(res.ok ? "ok" : "failed");
  if (!res.ok) {
    const reason = res.reason ?? "CommandFailed";
    if (TERMINAL_REASONS.has(reason)) throw new TerminalError(reason, `${node}: ${res.message ?? reason}`);
    throw new CommandFailedError(reason, node, `${node}: ${res.message ?? reason}`);
  }
  const m = a.observed.get(node) ?? new Map<ResourceKey, ObservedResource>();
  a.observed.set(node, m);
  const after = item.op === "delete" ? undefined : (res.observed ?? { key: item.key, apiType: cmd.apiType, state: "Active", generation: item.generation, ...(cmd.incarnation !== undefined ? { incarnation: cmd.incarnation } : {}), details: {}, node });
  if (after === undefined) m.delete(item.key);
  else m.set(item.key, after);
  a.ctx.state.recent.record(node, item.key, after, Date.now());
}

function groupOf(key: ResourceKey): string | undefined {
  const parts = key.split("/");
  return parts.length >= 4 ? parts[2] : undefined;
}

function namespaceOf(key: ResourceKey): string | undefined {
  const parts = key.split("/");
  return parts.length >= 5 ? parts[3] : undefined;
}
