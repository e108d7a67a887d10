/**
 * One node item's command without waiting for a long operation (protocol 1.3, issue #11): take
 * the result of an operation that completed, keep waiting (return a requeue) for one still in
 * flight, re-send the SAME command when the agent went silent about it for commandTimeoutMs, or
 * send a new command (a newer generation or another op supersedes the one in flight on the agent).
 * An acceptance is recorded (operations.ts) and the worker is free at once. A create in flight
 * for a resource deleted meanwhile is cancelled by a delete (cancelOnNode): the agent aborts it.
 */
import type { NodeCommand } from "../../schemas/protocol/messages.js";
import type { InFlightOperation } from "./operations.js";
import type { WorkItem } from "./plan-work.js";
import type { KeyContext } from "./reconcile-key.js";
import { buildCommand, deliver, nextCommandId, readyNode, takeResult, type ApplyInput } from "./reconcile-round.js";
import type { World } from "./read-world.js";
import type { QueueResult } from "./work-queue.js";

/** How often a key with an operation in flight looks at it on its own (the completion wakes it earlier). */
const IN_FLIGHT_LOOK_MS = 10_000;

/** True when `rec` is the operation `item` asks for now (same op, generation and life). */
function isCurrent(rec: InFlightOperation, item: WorkItem, w: World): boolean {
  if (rec.cmd.op !== item.op || rec.cmd.generation !== item.generation) return false;
  return item.op !== "apply" || rec.cmd.incarnation === w.incarnations.get(item.key);
}

/**
 * Applies or deletes `item` on its node. Resolves undefined when the result is in (laid over
 * `w.observed`), or a requeue while the operation runs on. Throws as takeResult and deliver do.
 */
export async function applyOnNode(o: { k: KeyContext; w: World; item: WorkItem; signal: AbortSignal }): Promise<QueueResult | undefined> {
  const { k, w, item, signal } = o;
  const { ctx } = k;
  const ops = ctx.state.operations;
  const a: ApplyInput = { ctx, ...w };
  let rec = ops.get(item.id);
  if (rec !== undefined && !isCurrent(rec, item, w)) {
    ops.delete(item.id);
    rec = undefined;
  }
  if (rec?.result !== undefined) {
    ops.delete(item.id);
    takeResult(a, item, rec.cmd, rec.result);
    return undefined;
  }
  let cmd: NodeCommand;
  if (rec !== undefined) {
    const silentMs = Date.now() - rec.lastSeenMs;
    if (silentMs < ctx.commandTimeoutMs) return { requeueAfterMs: Math.min(IN_FLIGHT_LOOK_MS, ctx.commandTimeoutMs - silentMs) };
    readyNode(w.nodes, item.node!);
    // Silent too long: the completion may be lost. The same commandId: the agent joins or answers it.
    ctx.log.warn({ resource: item.key, node: item.node, commandId: rec.cmd.commandId, silentMs }, "operation silent; re-sending its command");
    cmd = rec.cmd;
  } else {
    cmd = buildCommand(a, item);
    k.sent();
  }
  const res = await deliver(a, item, cmd, signal);
  if (!("accepted" in res)) {
    ops.delete(item.id);
    takeResult(a, item, cmd, res);
    return undefined;
  }
  const started = ops.record({ itemId: item.id, node: item.node!, cmd, operationId: res.operationId, nowMs: Date.now() });
  if (started.result !== undefined) {
    ops.delete(item.id);
    takeResult(a, item, cmd, started.result);
    return undefined;
  }
  ctx.log.debug({ resource: item.key, node: item.node, commandId: cmd.commandId, operationId: res.operationId }, "operation accepted");
  return { requeueAfterMs: Math.min(IN_FLIGHT_LOOK_MS, ctx.commandTimeoutMs) };
}

/**
 * The resource of an apply in flight is no longer wanted on its node (deleted mid-create: the
 * planner plans no delete, since the node does not report it yet). Sends its delete, which the
 * agent lets supersede the running apply (a download stops, its part file goes) and then runs.
 * A failed or lost delete is left to the inventory: an object that got created is observed and
 * deleted like any other. Resolves `{}`; throws what the bus throws.
 */
export async function cancelOnNode(o: { k: KeyContext; w: World; rec: InFlightOperation; signal: AbortSignal }): Promise<QueueResult> {
  const { k, w, rec, signal } = o;
  const { ctx } = k;
  ctx.state.operations.delete(rec.itemId);
  if (!w.nodes.find((n) => n.name === rec.node)?.ready) return {};
  const { epoch: _epoch, sentAt: _sentAt, ...base } = rec.cmd;
  const cmd: NodeCommand = {
    ...base, op: "delete", context: {},
    commandId: nextCommandId(ctx.state, { itemId: rec.itemId, op: "delete", generation: rec.cmd.generation, incarnation: rec.cmd.incarnation }),
  };
  await ctx.limiter.take(signal);
  k.sent();
  ctx.log.info({ resource: rec.cmd.key, node: rec.node, commandId: cmd.commandId, cancels: rec.cmd.commandId }, "cancelling an operation whose resource is no longer wanted");
  const res = await ctx.deps.bus.submit(rec.node, cmd, { timeoutMs: ctx.commandTimeoutMs, signal });
  if ("accepted" in res) ctx.state.operations.record({ itemId: rec.itemId, node: rec.node, cmd, operationId: res.operationId, nowMs: Date.now() });
  else if (!res.ok) ctx.log.warn({ resource: rec.cmd.key, node: rec.node, reason: res.reason, message: res.message }, "cancelling delete failed; the inventory will show what is left");
  return {};
}
