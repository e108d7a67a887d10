/** Errors of the test harness, each with a stable `code`. */

/**
 * A tool a real-component test needs is not installed (nats-server, git-http-backend...).
 * Tests never skip on it: under CI=true and off CI alike the test fails, naming the package.
 */
export class PrerequisiteMissingError extends Error {
  override readonly name = "PrerequisiteMissingError";
  readonly code = "PREREQUISITE_MISSING" as const;
  readonly path: string;

  constructor(data: { path: string; hint: string }, options?: ErrorOptions) {
    super(`${data.path} not found: ${data.hint} (ci/setup installs it)`, options);
    this.path = data.path;
  }
}

/** A server the harness started did not become ready in time, or exited while starting. */
export class ServerStartError extends Error {
  override readonly name = "ServerStartError";
  readonly code = "SERVER_START" as const;
  /** What the server printed before it failed. */
  readonly log: string;

  constructor(data: { what: string; reason: string; log: string }, options?: ErrorOptions) {
    super(`${data.what} did not start: ${data.reason}\n${data.log.split("\n").slice(-15).join("\n")}`, options);
    this.log = data.log;
  }
}
