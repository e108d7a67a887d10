/**
 * A local HTTP server on 127.0.0.1:0 serving in-memory files, with switches to misbehave:
 * a status (404...), a truncated body (Content-Length larger than sent, then the socket is
 * destroyed), wrong content, ETag / Last-Modified validators (conditional GET answers 304),
 * Range support, and slow streaming (so a test can kill a client mid-download).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One served file and how to misbehave when serving it. */
export interface FixtureFile {
  readonly body: Buffer;
  readonly contentType?: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** Answer this status with a short text body instead of the file. */
  readonly status?: number;
  /** Announce the full length but send only this many bytes, then destroy the socket. */
  readonly truncateAt?: number;
  /** Send these bytes instead of `body` (same Content-Length when same length). */
  readonly wrongContent?: Buffer;
  /** Stream in chunks of this size with `chunkDelayMs` between them. */
  readonly slow?: { readonly chunkBytes: number; readonly chunkDelayMs: number };
  /** Honour `Range` (default true). */
  readonly ranges?: boolean;
}

/** A request the fixture saw. */
export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly status: number;
  /** How the body went: bytes written so far, and how it ended (`aborted`: the client went away first). */
  readonly transfer: { sent: number; ended?: "complete" | "aborted" };
}

/** A running fixture. */
export interface HttpFixture {
  readonly baseUrl: string;
  readonly requests: SeenRequest[];
  url(path: string): string;
  /** Serves (or replaces) `path`. */
  set(path: string, file: FixtureFile): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function notModified(f: FixtureFile, h: IncomingHttpHeaders): boolean {
  if (f.etag && h["if-none-match"]) return h["if-none-match"] === f.etag;
  if (f.lastModified && h["if-modified-since"]) return Date.parse(h["if-modified-since"]) >= Date.parse(f.lastModified);
  return false;
}

function rangeStart(f: FixtureFile, h: IncomingHttpHeaders): number {
  const m = /^bytes=(\d+)-$/.exec(h.range ?? "");
  if (!m || f.ranges === false) return 0;
  const ifRange = h["if-range"];
  if (ifRange && ifRange !== f.etag && ifRange !== f.lastModified) return 0;
  return Number(m[1]);
}

function handler(files: ReadonlyMap<string, FixtureFile>, requests: SeenRequest[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0]!;
    const f = files.get(path);
    const transfer: SeenRequest["transfer"] = { sent: 0 };
    const done = (status: number) => requests.push({ path, headers: req.headers, status, transfer });
    if (!f || f.status) {
      done(f?.status ?? 404);
      res.writeHead(f?.status ?? 404, { "content-type": "text/plain" }).end("nope\n");
      return;
    }
    if (notModified(f, req.headers)) {
      done(304);
      res.writeHead(304, { ...(f.etag ? { etag: f.etag } : {}) }).end();
      return;
    }
    const content = f.wrongContent ?? f.body;
    const start = Math.min(rangeStart(f, req.headers), content.length);
    const headers: Record<string, string> = {
      "content-type": f.contentType ?? "application/octet-stream",
      "content-length": String(content.length - start),
      "accept-ranges": f.ranges === false ? "none" : "bytes",
      ...(f.etag ? { etag: f.etag } : {}),
      ...(f.lastModified ? { "last-modified": f.lastModified } : {}),
    };
    if (start > 0) headers["content-range"] = `bytes ${start}-${content.length - 1}/${content.length}`;
    done(start > 0 ? 206 : 200);
    res.writeHead(start > 0 ? 206 : 200, headers);
    void send(res, content.subarray(start, f.truncateAt !== undefined ? Math.max(start, f.truncateAt) : undefined), f, transfer);
  };
}

/** Starts a fixture server on 127.0.0.1 with a free port. */
export async function startHttpFixture(): Promise<HttpFixture> {
  const files = new Map<string, FixtureFile>();
  const requests: SeenRequest[] = [];
  const server: Server = createServer(handler(files, requests));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    requests,
    url: (p) => `${baseUrl}${p}`,
    set: (p, f) => void files.set(p, f),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function send(res: ServerResponse, data: Buffer, f: FixtureFile, transfer: SeenRequest["transfer"]): Promise<void> {
  const chunk = f.slow?.chunkBytes ?? 1 << 20;
  // The client closing its side ends a slow transfer at once, not at its next write.
  const gone = new Promise<void>((r) => res.once("close", () => r()));
  for (let off = 0; off < data.length && !res.destroyed; off += chunk) {
    const piece = data.subarray(off, off + chunk);
    const ok = res.write(piece);
    transfer.sent += piece.length;
    if (f.slow) await Promise.race([sleep(f.slow.chunkDelayMs), gone]);
    else if (!ok) await Promise.race([new Promise((r) => res.once("drain", r)), gone]);
  }
  transfer.ended = res.destroyed && !res.writableFinished ? "aborted" : "complete";
  if (f.truncateAt !== undefined) res.destroy();
  else res.end();
}
