/**
 * The messages of the humops node protocol (docs/protocol.md), as TypeScript types. Each one
 * has a JSON Schema beside this file (draft 2020-12) and is validated on both ends by
 * schemas/protocol-validators.ts. Shared by reconciler/ and node-agent/.
 */
import type { ObservedResource, ResourceCommand } from "../protocol-types.js";

/** Controller -> agent (request on `humops.v1.node.<node>.cmd`): apply or delete one resource. */
export interface NodeCommand extends ResourceCommand {
  /** Unique per send; agents de-duplicate re-deliveries by it. */
  readonly commandId: string;
  readonly op: "apply" | "delete";
  /** The controller's clock when it sent the command (ISO 8601): for the clock skew check only. */
  readonly sentAt?: string;
  /** The sender's leadership epoch (protocol 1.2, issue #15); agents refuse older ones. */
  readonly epoch?: number;
  /** The protocol the controller speaks, MAJOR.MINOR (protocol 1.3); an agent that does not understand it refuses `UnsupportedProtocol`. */
  readonly protocol?: string;
  /** Protocol 1.3: answer with an acceptance when not finished within this window, then publish progress and completion (OperationUpdate). */
  readonly acceptWithinMs?: number;
}

/** An agent's answer to one command. */
export interface CommandResult {
  readonly commandId: string;
  readonly key: ResourceCommand["key"];
  readonly ok: boolean;
  /** PascalCase reason on failure, e.g. `CommandFailed`, `InvalidSpec`, `Unsupported`. Required when ok is false. */
  readonly reason?: string;
  readonly message?: string;
  readonly durationMs: number;
  /** What the node observes about the resource after the command. */
  readonly observed?: ObservedResource;
}

/** The agent's reply when a command did not validate: it was not acted on. */
export interface CommandRejection {
  readonly rejected: true;
  /** `InvalidMessage` (schema), `WrongNode`. */
  readonly reason: string;
  readonly message: string;
}

/** Protocol 1.3: the command runs on; its completion comes as an OperationUpdate of `operationId`. */
export interface CommandAcceptance {
  readonly accepted: true;
  readonly commandId: string;
  readonly key: ResourceCommand["key"];
  /** The operation that answers this command: its own commandId, or the running one it joined. */
  readonly operationId: string;
}

/** What travels back on the reply subject. */
export type CommandReply = CommandResult | CommandAcceptance | CommandRejection;

/** How far a long operation is (protocol 1.3). */
export interface OperationProgress {
  /** PascalCase: Downloading, Copying, PoweringOff. */
  readonly phase: string;
  readonly doneBytes?: number;
  readonly totalBytes?: number;
  readonly elapsedSeconds?: number;
}

/** Agent -> controller on `humops.v1.node.<node>.op` (protocol 1.3): an operation's progress or completion. */
export interface OperationUpdate {
  readonly node: string;
  readonly operationId: string;
  readonly commandId: string;
  readonly key: ResourceCommand["key"];
  readonly op: "apply" | "delete";
  readonly generation: number;
  readonly incarnation?: string;
  readonly state: "Running" | "Done";
  /** ISO time the operation started on the agent. */
  readonly startedAt: string;
  readonly progress?: OperationProgress;
  /** With state Done: the operation's result. */
  readonly result?: CommandResult;
}

/** What a node says about itself when it registers (KV `humops-nodes`, key = node name). */
export interface NodeRegistration {
  readonly name: string;
  readonly address: string;
  readonly capacity: { readonly vcpus: number; readonly memoryBytes: number };
  readonly agentVersion: string;
  readonly accelerator: "kvm" | "tcg" | "none";
  /** The protocol version the agent speaks (protocol 1.3); absent: 1.2 or older. */
  readonly protocol?: string;
  /** `HOST:PORT` of the node's download API (the config's downloadAPI advertiseAddress:listenPort), when it serves one. */
  readonly downloadAPI?: string;
}

/** A registered node, as the controller sees it. */
export interface NodeInfo extends NodeRegistration {
  /** False once its heartbeat key expired (or the agent left). */
  readonly ready: boolean;
}

/** The liveness record (KV `humops-liveness`, bucket TTL): the node is alive while it exists. */
export interface NodeHeartbeat {
  readonly node: string;
  /** Increases with every heartbeat of one agent run. */
  readonly seq: number;
  /** The newest controller epoch this agent obeyed (protocol 1.2); absent: none yet. */
  readonly epoch?: number;
}

/** The last full inventory a node published (KV `humops-inventory`, key = node name). */
export interface NodeInventory {
  readonly node: string;
  readonly resources: readonly ObservedResource[];
  /** humops-named host objects no command explains. */
  readonly orphans: readonly string[];
}
