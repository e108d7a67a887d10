/**
 * Errors of nodectl's diagnostics (issue #8). Each carries a stable `code`, so the CLI maps
 * it to an exit code and tests never match on message text.
 */

/** The agent's diagnostics socket could not be reached (agent stopped, wrong --config, not root). */
export class AgentUnreachableError extends Error {
  override readonly name = "AgentUnreachableError";
  readonly code = "AGENT_UNREACHABLE" as const;
  readonly socketPath: string;
  constructor(socketPath: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.socketPath = socketPath;
  }
}

/** The agent answered, but with an error or a reply that is not the protocol's. */
export class DiagProtocolError extends Error {
  override readonly name = "DiagProtocolError";
  readonly code = "DIAG_PROTOCOL" as const;
}

/** The agent config nodectl was pointed at cannot be read or is invalid. */
export class NodectlConfigError extends Error {
  override readonly name = "NodectlConfigError";
  readonly code = "CONFIG_INVALID" as const;
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** The resource (or VM) asked for is not known on this node. */
export class ResourceNotFoundError extends Error {
  override readonly name = "ResourceNotFoundError";
  readonly code = "RESOURCE_NOT_FOUND" as const;
  readonly resource: string;
  constructor(resource: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.resource = resource;
  }
}

/** The VM's serial console cannot be attached to: no console socket (a VM started before it existed) or nothing listening (the VM is not running). */
export class ConsoleUnavailableError extends Error {
  override readonly name = "ConsoleUnavailableError";
  readonly code = "CONSOLE_UNAVAILABLE" as const;
  readonly socketPath: string;
  constructor(socketPath: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.socketPath = socketPath;
  }
}
