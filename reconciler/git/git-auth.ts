/**
 * Credentials for the remote repository: a token from `HUMOPS_GIT_TOKEN` or a credentials file
 * (`user:password`, or a bare token). Never logged: the loggers redact `auth`.
 */
import { readFileSync } from "node:fs";

/** HTTP basic credentials as isomorphic-git's onAuth returns them. */
export interface GitAuth {
  readonly username: string;
  readonly password: string;
}

/** Parses a credentials file's text: `user:password` or a bare token (user `x-access-token`). */
export function parseCredentials(text: string): GitAuth | undefined {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== "")?.trim();
  if (line === undefined) return undefined;
  const colon = line.indexOf(":");
  if (colon > 0) return { username: line.slice(0, colon), password: line.slice(colon + 1) };
  return { username: "x-access-token", password: line };
}

/** The credentials for the controller: the file wins over `HUMOPS_GIT_TOKEN`; undefined for none. */
export function loadGitAuth(opts: { file?: string | undefined; env?: NodeJS.ProcessEnv }): GitAuth | undefined {
  if (opts.file !== undefined) return parseCredentials(readFileSync(opts.file, "utf8"));
  const token = (opts.env ?? process.env)["HUMOPS_GIT_TOKEN"];
  if (token === undefined || token === "") return undefined;
  return { username: (opts.env ?? process.env)["HUMOPS_GIT_USER"] ?? "x-access-token", password: token };
}
