/**
 * Errors of the reconcile loop, typed by disposition (STYLE.md §6, source-controller
 * internal/error): TerminalError -> Stalled, no retry; WaitingError -> requeue after a delay;
 * anything else -> exponential backoff. `toResult` is the one mapping.
 */

/** The spec cannot be applied as written (the agent said InvalidSpec/Unsupported): Stalled until the manifest changes. */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
  readonly code = "TERMINAL" as const;
  /** PascalCase condition reason. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** A dependency or the node is not ready yet: try again after `requeueAfterMs`. */
export class WaitingError extends Error {
  override readonly name = "WaitingError";
  readonly code = "WAITING" as const;
  readonly reason: string;
  readonly requeueAfterMs: number;
  constructor(reason: string, message: string, requeueAfterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.requeueAfterMs = requeueAfterMs;
  }
}

/** The agent answered with a failure (transient: backoff and retry). */
export class CommandFailedError extends Error {
  override readonly name = "CommandFailedError";
  readonly code = "COMMAND_FAILED" as const;
  readonly reason: string;
  readonly node: string;
  constructor(reason: string, node: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.node = node;
  }
}

/** The operator's download token file is empty (`--download-token-file`): the controller does not start. */
export class DownloadTokenError extends Error {
  override readonly name = "DownloadTokenError";
  readonly code = "DOWNLOAD_TOKEN_EMPTY" as const;
  readonly path: string;
  constructor(path: string, options?: ErrorOptions) {
    super(`download token file ${path} is empty`, options);
    this.path = path;
  }
}

/** What the loop does next with a resource (controller-runtime's Result). */
export interface Result {
  readonly requeueAfterMs?: number;
}

/** A Result plus the condition the resource gets. */
export interface ErrorDisposition {
  readonly result: Result;
  /** `backoff`: retry with the resource's exponential backoff. */
  readonly retry: "never" | "after" | "backoff";
  readonly phase: "reconciling" | "stalled";
  readonly reason: string;
  readonly message: string;
}

/** Maps any error thrown by a reconcile to what happens next and the condition to show. */
export function toResult(err: unknown): ErrorDisposition {
  if (err instanceof TerminalError) return { result: {}, retry: "never", phase: "stalled", reason: err.reason, message: err.message };
  if (err instanceof WaitingError) {
    return { result: { requeueAfterMs: err.requeueAfterMs }, retry: "after", phase: "reconciling", reason: err.reason, message: err.message };
  }
  const reason = err instanceof CommandFailedError ? err.reason : reasonOf(err);
  const message = err instanceof Error ? err.message : String(err);
  return { result: {}, retry: "backoff", phase: "reconciling", reason, message };
}

function reasonOf(err: unknown): string {
  const name = (err as { name?: unknown } | undefined)?.name;
  if (name === "BusTimeoutError") return "AgentTimeout";
  if (name === "NodeUnreachableError") return "NodeUnreachable";
  // The controller and the node speak protocol versions one of them does not understand (issue #11, protocol 1.3).
  if (name === "ProtocolVersionError") return "UnsupportedProtocol";
  return "ReconcileError";
}
