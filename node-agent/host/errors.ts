/** Errors of the host layer, each with a stable `code`. */

/** A host command exited non-zero where success was required. */
export class CommandFailedError extends Error {
  override readonly name = "CommandFailedError";
  readonly code = "COMMAND_FAILED" as const;
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly stderr: string;

  constructor(data: { argv: readonly string[]; exitCode: number; stderr: string }, options?: ErrorOptions) {
    super(`${data.argv.join(" ")} exited ${data.exitCode}: ${data.stderr.trim().split("\n").slice(-3).join(" | ")}`, options);
    this.argv = data.argv;
    this.exitCode = data.exitCode;
    this.stderr = data.stderr;
  }
}

/** A RecordingRunner got a command it has no reply for: the code under test ran something unexpected. */
export class UnexpectedCommandError extends Error {
  override readonly name = "UnexpectedCommandError";
  readonly code = "UNEXPECTED_COMMAND" as const;
  readonly argv: readonly string[];

  constructor(argv: readonly string[], options?: ErrorOptions) {
    super(`unexpected command: ${JSON.stringify(argv)}`, options);
    this.argv = argv;
  }
}
