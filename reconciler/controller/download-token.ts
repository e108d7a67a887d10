/**
 * The cluster download token (issue #6): one bearer token the controller hands to the agents
 * through commands (imageentity: the holder accepts it; BaseImage disk: the fetcher presents
 * it). Either the operator's file (`--download-token-file`) or one generated once and kept in
 * the controller's work dir, so a restarted controller keeps sending the token the agents know.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DownloadTokenError } from "./errors.js";

/** Where the generated token lives in the work dir. */
export const DOWNLOAD_TOKEN_FILE = "download-token";

/**
 * Reads the operator's token file when given (throws DownloadTokenError when empty, the fs
 * error when unreadable), else reads or creates `<workDir>/download-token` (mode 0600, 32
 * random bytes, base64url).
 */
export async function loadDownloadToken(o: { readonly file?: string | undefined; readonly workDir: string }): Promise<string> {
  if (o.file !== undefined) {
    const token = (await readFile(o.file, "utf8")).trim();
    if (token === "") throw new DownloadTokenError(o.file);
    return token;
  }
  const path = join(o.workDir, DOWNLOAD_TOKEN_FILE);
  const existing = (await readFile(path, "utf8").catch(() => "")).trim();
  if (existing !== "") return existing;
  const token = randomBytes(32).toString("base64url");
  await mkdir(o.workDir, { recursive: true });
  // "wx": two controllers starting at once on one work dir must not each write their own.
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: "wx" }).catch(async (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  });
  return (await readFile(path, "utf8")).trim();
}
