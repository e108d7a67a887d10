/** Errors of the git adapters. */

/** The repository or branch could not be read or fetched (transient: retry). */
export class GitSourceError extends Error {
  override readonly name = "GitSourceError";
  readonly code = "GIT_SOURCE" as const;
  readonly repo: string;
  constructor(message: string, repo: string, options?: ErrorOptions) {
    super(message, options);
    this.repo = repo;
  }
}

/** The status branch could not be written or pushed. */
export class StatusPushError extends Error {
  override readonly name = "StatusPushError";
  readonly code = "STATUS_PUSH" as const;
  readonly repo: string;
  constructor(message: string, repo: string, options?: ErrorOptions) {
    super(message, options);
    this.repo = repo;
  }
}
