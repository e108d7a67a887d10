/** Errors of the agent's bus adapters. */

/** The agent was about to send a message that does not validate: a bug in the agent, never sent. */
export class InvalidOutgoingMessageError extends Error {
  override readonly name = "InvalidOutgoingMessageError";
  readonly code = "InvalidMessage";
  /** `registration`, `heartbeat`, `inventory`, `result`. */
  readonly what: string;
  constructor(what: string, issues: string, options?: ErrorOptions) {
    super(`refusing to send an invalid ${what}: ${issues}`, options);
    this.what = what;
  }
}
