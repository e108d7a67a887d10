/**
 * The node's download API: a small HTTP server that serves ONLY humops' own image entities and
 * disks, by resource key: `GET /v1/<ResourceKey>` (e.g. `/v1/systemv0/imageentity/group1/ent1`)
 * with `Authorization: Bearer <token>`. The key is parsed and checked; the file path comes from
 * the storage layout and the entity records, never from the request. Single `Range` supported.
 * Responses: 200/206 with `X-Humops-Sha256` when known, 401 (token), 404 (unknown or not
 * served), 405, 409 (a disk held by a running VM), 416.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { parseResourceKey } from "../../schemas/kinds.js";
import type { NodeEnvironment } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { readEntityRecord } from "./base-image.js";
import { isSafeIdPart, localDiskPath, entityPath } from "./layout.js";
import { inspectImageFile } from "./local-disk-backend.js";

/** A file the API may serve for a key. `busy` makes it answer 409. */
export interface ServedFile {
  readonly path: string;
  readonly sha256?: string;
  readonly busy?: string;
}

/** Maps a resource key to the file to serve, or undefined (404). Never sees a path from the request. */
export type ServedFileResolver = (key: string) => Promise<ServedFile | undefined>;

/** Options of the server. */
export interface DownloadApiOptions {
  readonly listenAddress: string;
  /** 0 picks a free port. */
  readonly listenPort: number;
  /** The accepted bearer token, or a function giving the accepted tokens at request time (DownloadTokens.accepted). */
  readonly token: string | (() => readonly string[]);
  readonly resolve: ServedFileResolver;
  readonly log?: Logger;
}

/** A running download API. */
export interface DownloadApi {
  readonly port: number;
  /** `http://ADDRESS:PORT`, with the address as listened on. */
  readonly baseUrl: string;
  /** The URL of a resource key on this server. */
  urlOf(key: string): string;
  close(): Promise<void>;
}

/** Constant-time bearer token check (hashing first makes lengths equal). */
export function isTokenValid(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  if (!m || token === "") return false;
  const a = createHash("sha256").update(m[1]!).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * The resolver of a node: imageentity keys map to Available Local entities (with their recorded
 * sha256), blockstorage keys to Local disks (409 while a qemu holds the write lock).
 */
export function storageFileResolver(env: NodeEnvironment, runner: HostRunner): ServedFileResolver {
  return async (key) => {
    const ref = parseResourceKey(key);
    if (!ref || ![ref.group, ref.namespace ?? "x", ref.id].every((p) => p !== undefined && isSafeIdPart(p))) return undefined;
    if (ref.apiType === "systemv0/imageentity") {
      const e = { group: ref.group!, id: ref.id };
      const rec = await readEntityRecord(env.imageDir, e);
      return rec?.type === "Local" ? { path: entityPath(env.imageDir, e), sha256: rec.sha256 } : undefined;
    }
    if (ref.apiType === "systemv0/blockstorage") {
      const info = await inspectImageFile(runner, localDiskPath(env.blockStorageDir, { group: ref.group!, namespace: ref.namespace!, id: ref.id }));
      return info ? { path: info.location, ...(info.heldBy ? { busy: info.heldBy } : {}) } : undefined;
    }
    return undefined;
  };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | "invalid" | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  const start = m[1] === "" ? Math.max(0, size - Number(m[2])) : Number(m[1]);
  const end = m[1] === "" || m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start > end || start >= size ? "invalid" : { start, end };
}

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${message}\n`);
}

async function handle(opts: DownloadApiOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return fail(res, 405, "method not allowed");
  const tokens = typeof opts.token === "string" ? [opts.token] : opts.token();
  if (!tokens.some((t) => isTokenValid(req.headers.authorization, t))) return fail(res, 401, "missing or wrong bearer token");
  const rawPath = (req.url ?? "").split("?")[0] ?? "";
  if (!rawPath.startsWith("/v1/") || rawPath.includes("..") || rawPath.includes("%")) return fail(res, 404, "not found");
  const file = await opts.resolve(rawPath.slice(4));
  if (!file) return fail(res, 404, "not found");
  if (file.busy) return fail(res, 409, `in use: ${file.busy}`);
  const size = (await stat(file.path)).size;
  const range = parseRange(req.headers.range, size);
  if (range === "invalid") {
    res.writeHead(416, { "content-range": `bytes */${size}` }).end();
    return;
  }
  const headers: Record<string, string> = { "content-type": "application/octet-stream", "accept-ranges": "bytes", ...(file.sha256 ? { "x-humops-sha256": file.sha256, etag: `"${file.sha256}"` } : {}) };
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers["content-length"] = String(size === 0 ? 0 : end - start + 1);
  if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  // One line per served file: which node fetched what (the e2e test checks it; never the token).
  opts.log?.info({ key: rawPath.slice(4), method: req.method, status: range ? 206 : 200, bytes: Number(headers["content-length"]), from: req.socket.remoteAddress }, "download api served");
  if (req.method === "HEAD" || size === 0) return void res.end();
  const stream = createReadStream(file.path, { start, end, highWaterMark: 1 << 20 });
  stream.on("error", (e) => res.destroy(e));
  stream.pipe(res);
}

/** Starts the download API. Resolves once listening; `close()` stops it and its connections. */
export async function startDownloadApi(opts: DownloadApiOptions): Promise<DownloadApi> {
  const server: Server = createServer((req, res) => {
    handle(opts, req, res).catch((e: unknown) => {
      opts.log?.error({ err: e }, "download api request failed");
      if (!res.headersSent) fail(res, 500, "internal error");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listenPort, opts.listenAddress, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.listenAddress.includes(":") ? `[${opts.listenAddress}]` : opts.listenAddress;
  const baseUrl = `http://${host}:${port}`;
  return {
    port,
    baseUrl,
    urlOf: (key) => `${baseUrl}/v1/${key}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
