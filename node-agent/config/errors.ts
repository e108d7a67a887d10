/** Errors of the agent config loader. */

/** One problem in the config file, with where it is. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer of the key, e.g. `/nats/url`. */
  readonly pointer: string;
  readonly message: string;
}

/** The agent config cannot be used: unreadable, not YAML, or invalid. The agent must not start. */
export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
  readonly code = "InvalidAgentConfig";
  readonly path: string;
  readonly problems: readonly ConfigProblem[];
  constructor(path: string, problems: readonly ConfigProblem[], options?: ErrorOptions) {
    super(`agent config ${path} is invalid:\n${problems.map(formatProblem).join("\n")}`, options);
    this.path = path;
    this.problems = problems;
  }
}

/** `file:line:column: /pointer: message`. */
export function formatProblem(p: ConfigProblem): string {
  return `  ${p.file}:${p.line}:${p.column}: ${p.pointer || "/"}: ${p.message}`;
}
