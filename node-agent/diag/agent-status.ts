/**
 * What the running agent tells nodectl about itself (`nodectl status`): a snapshot the agent
 * runtime builds on demand. Every field but the first four is optional: the runtime fills in
 * what it knows.
 */
import type { AcceleratorProbe } from "../vm/accelerator.js";

/** The agent's NATS connection as it sees it. */
export interface NatsConnectionStatus {
  readonly connected: boolean;
  /** The server it is connected to (no credentials). */
  readonly server?: string;
  /** ISO time of the last message received from NATS. */
  readonly lastMessageAt?: string;
  readonly reconnects: number;
}

/** The agent's own account of itself. */
export interface AgentStatusSnapshot {
  readonly version: string;
  readonly nodeName: string;
  /** ISO time the agent started. */
  readonly startedAt: string;
  readonly pid: number;
  readonly nats?: NatsConnectionStatus;
  /** ISO time of the last message from the controller (a command). */
  readonly controllerLastSeenAt?: string;
  /** The node's capacity for placement (limitVcpus/limitMemory). */
  readonly capacity?: { readonly vcpus: number; readonly memoryBytes: number };
  /** What the resources on this node take of it. */
  readonly allocated?: { readonly vcpus: number; readonly memoryBytes: number };
  readonly accelerator?: AcceleratorProbe;
  /** The last command that failed. */
  readonly lastError?: { readonly at: string; readonly key?: string; readonly message: string };
  /** ISO time of the controller's clock as last seen in a message, for doctor's skew check. */
  readonly controllerClockAt?: { readonly controller: string; readonly local: string };
}
