/**
 * One node item's command without waiting for a long operation (protocol 1.3, issue #11): take
 * the result of an operation that completed, keep waiting (return a requeue) for one still in
 * flight, re-send the SAME command when the agent went silent about it for commandTimeoutMs, or
 * send a new command (a newer generation or another op supersedes the one in flight on the agent).
 * An acceptance is recorded (operations.ts) and the worker is free at once.
 */
import type { NodeCommand } from "../../schemas/protocol/messages.js";
import { WaitingError } from "./errors.js";
import type { InFlightOperation } from "./operations.js";
import type { WorkItem } from "./plan-work.js";
import type { KeyContext } from "./reconcile-key.js";
import { buildCommand, deliver, takeResult, type ApplyInput } from "./reconcile-round.js";
import type { World } from "./read-world.js";
import type { QueueResult } from "./work-queue.js";

/** How often a key with an operation in flight looks at it on its own (the completion wakes it earlier). */
const IN_FLIGHT_LOOK_MS = 10_000;
const NODE_WAIT_MS = 10_000;

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
    if (!w.nodes.find((n) => n.name === item.node)?.ready) throw new WaitingError("NodeNotReady", `node ${item.node!} is not ready`, NODE_WAIT_MS);
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
