/**
 * The controller's ports as seen by a leader (issue #15): every command carries the epoch of
 * the term it is sent in, and nothing is sent and no status is written once this process is
 * no longer the leader (checked at the moment of sending or writing, not at the round's start).
 * Agents refuse older epochs (node-agent/agent/epoch-guard.ts), so a send that races the loss
 * of the lease is refused on any node that has heard from the successor.
 */
import type { ControllerBus } from "../bus/controller-bus.js";
import type { StatusWriter } from "../status/status-writer.js";
import type { Leadership } from "./leader-election.js";

/** Sending or writing without the lease. Transient for the loop; the controller is stopped by the service anyway. */
export class NotLeaderError extends Error {
  override readonly name = "NotLeaderError";
  readonly code = "NotLeader";
  constructor(what: string) {
    super(`not the leader: ${what} refused (another controller holds the lease)`);
  }
}

/** The bus with epochs on commands and sends refused without the lease. */
export function fencedBus(bus: ControllerBus, leadership: Leadership): ControllerBus {
  return {
    send: async (node, cmd, opts) => {
      const epoch = leadership.epoch();
      if (epoch === undefined) throw new NotLeaderError(`command ${cmd.commandId} to ${node}`);
      return bus.send(node, { ...cmd, epoch }, opts);
    },
    submit: async (node, cmd, opts) => {
      const epoch = leadership.epoch();
      if (epoch === undefined) throw new NotLeaderError(`command ${cmd.commandId} to ${node}`);
      return bus.submit(node, { ...cmd, epoch }, opts);
    },
    nodes: () => bus.nodes(),
    inventories: () => bus.inventories(),
    watch: (f) => bus.watch(f),
    // The bus belongs to the service, which closes it; a term ending must not close it.
    close: async () => undefined,
  };
}

/** The status writer refusing writes without the lease (reads stay allowed: a new leader continues from the branch head). */
export function fencedStatus(status: StatusWriter, leadership: Leadership): StatusWriter {
  return {
    read: () => status.read(),
    write: async (files, message) => {
      if (!leadership.isLeader()) throw new NotLeaderError("status commit");
      return status.write(files, message);
    },
  };
}
