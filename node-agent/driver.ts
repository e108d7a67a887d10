/**
 * The agent's driver port: one driver per resource kind (network, virtualrouter, blockstorage,
 * imageentity, virtualmachine) turns a command from the controller into host commands through
 * the HostRunner, and reads back what exists on the host (inventory).
 *
 * Drivers are idempotent: applying the same command twice converges to the same host state,
 * and `inventory` is level-based (it reads the host, not a journal).
 */
import type { Logger } from "pino";
import type { ApiType } from "../schemas/kinds.js";
import type { ObservedResource, ResourceCommand } from "../schemas/protocol-types.js";
import type { OperationProgress } from "../schemas/protocol/messages.js";
import type { HostRunner } from "./host/host-runner.js";

export type { ObservedResource, ResourceCommand };

/** Everything a driver call gets besides the command. */
export interface DriverContext {
  readonly runner: HostRunner;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly node: NodeEnvironment;
  /**
   * Reports how far a long operation is (downloads and copies: phase, doneBytes, totalBytes; a
   * VM power-off: phase and elapsedSeconds). Optional: absent outside a command. Cheap to call
   * often; the agent throttles what it publishes (protocol 1.3).
   */
  readonly progress?: (p: OperationProgress) => void;
}

/** The node's configuration as drivers need it (from the agent config). */
export interface NodeEnvironment {
  readonly nodeName: string;
  /** Underlay address of this node (nodeAddress). */
  readonly address: string;
  readonly dataDir: string;
  readonly blockStorageDir: string;
  readonly imageDir: string;
  /** `mode: static` (or no `group`): VXLAN head-end replication to the peers the controller sends, instead of multicast. */
  readonly vxlan?: { readonly devName: string; readonly group?: string; readonly mode?: "multicast" | "static" };
  readonly vlan?: { readonly devName: string };
  readonly ceph?: { readonly confPath: string; readonly pool: string; readonly user?: string };
}

/** One kind's driver. */
export interface ResourceDriver {
  readonly apiType: ApiType;
  /** Makes the host match the command; resolves with what is there afterwards. Throws on failure (the agent reports the error). */
  apply(cmd: ResourceCommand, ctx: DriverContext): Promise<ObservedResource>;
  /** Removes every host object of the resource; succeeds when already gone. */
  remove(cmd: ResourceCommand, ctx: DriverContext): Promise<void>;
  /** Reads the host: every resource of this kind that exists, and humops-named objects no resource explains (orphans). */
  inventory(ctx: DriverContext, known: readonly ResourceCommand[]): Promise<{ resources: ObservedResource[]; orphans: string[] }>;
}
