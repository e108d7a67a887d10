/**
 * When a newer command for a resource supersedes the operation running for it (issue #11,
 * protocol 1.3): a delete of the same life, an apply of a newer generation, or an apply of
 * another life. The running operation's signal is aborted (a download stops and removes its
 * part file), it completes with `ok: false, reason: "Superseded"`, and the newer command runs
 * after it settled (the per-resource queue keeps them in order). Also when a command is the
 * SAME operation as the one running (same op, generation and incarnation, another commandId: a
 * restarted controller re-sending it), so it joins instead of running twice. Pure.
 */
import type { NodeCommand } from "../../schemas/protocol/messages.js";

/** The reason a superseded operation completes with. */
export const SUPERSEDED = "Superseded";

/** The abort reason of a superseded operation: carries the command that superseded it. */
export class SupersededError extends Error {
  override readonly name = "SupersededError";
  readonly code = SUPERSEDED;
  readonly by: string;

  constructor(by: NodeCommand, options?: ErrorOptions) {
    super(`superseded by ${by.op} of generation ${by.generation} (command ${by.commandId})`, options);
    this.by = by.commandId;
  }
}

/** True when `newer` makes the running apply pointless: see the file header. An earlier life's delete supersedes nothing, and a running delete is never superseded. */
export function supersedes(newer: NodeCommand, running: NodeCommand): boolean {
  if (newer.key !== running.key || newer.commandId === running.commandId) return false;
  const sameLife = newer.incarnation === undefined || running.incarnation === undefined || newer.incarnation === running.incarnation;
  // A running delete is never cut short: half a delete is worse than a late apply (the newer
  // command runs right after it, per resource in order).
  if (running.op !== "apply") return false;
  if (newer.op === "delete") return sameLife;
  return !sameLife || newer.generation > running.generation;
}

/** True when `cmd` asks for exactly what `running` is doing (another send of it): it joins rather than runs again. */
export function isSameOperation(cmd: NodeCommand, running: NodeCommand): boolean {
  return cmd.key === running.key && cmd.op === running.op && cmd.generation === running.generation && cmd.incarnation === running.incarnation && cmd.commandId !== running.commandId;
}
