/** Log paths pino redacts in every humops process: credentials never reach a log line. */
export const REDACT = ["auth", "password", "*.password", "token", "*.token", "headers.authorization", "req.headers.authorization", "downloadToken", "*.downloadToken", "context.downloadToken", "*.context.downloadToken"];
