/**
 * The controller's HTTP endpoint (node:http): `POST /hooks/git` (signed push webhooks ->
 * trigger a round at once), `/healthz`, `/readyz`, `/metrics`. The only module of the
 * controller that listens on a socket.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { pushedBranch, verifyWebhook } from "./verify-webhook.js";

/** Options of startControllerServer. */
export interface ControllerServerOptions {
  /** `host:port` (port 0 picks a free one). */
  readonly listen: string;
  /** Webhook shared secret; without it `/hooks/git` answers 404. */
  readonly secret?: Buffer | undefined;
  /** The manifests branch: pushes to other branches (the status branch) are acknowledged and ignored. */
  readonly branch: string;
  readonly onPush: (provider: string) => void;
  readonly isReady: () => boolean;
  /** What /readyz says after "ready"/"not ready", e.g. "leader epoch 7" or "standby (leader: host:pid)". */
  readonly readiness?: () => string;
  readonly registry: Registry;
  readonly log: Logger;
}

const MAX_BODY = 5 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error("body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses `host:port`, `:port` or `port`. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(":");
  const host = i > 0 ? listen.slice(0, i).replace(/^\[|\]$/g, "") : "127.0.0.1";
  return { host, port: Number(i >= 0 ? listen.slice(i + 1) : listen) };
}

/** Starts the server; resolves with it and its bound address. */
export async function startControllerServer(o: ControllerServerOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const send = (code: number, text: string, type = "text/plain"): void => {
      res.writeHead(code, { "content-type": type }).end(text);
    };
    const route = `${req.method ?? "GET"} ${(req.url ?? "/").split("?")[0]}`;
    if (route === "GET /healthz") return send(200, "ok\n");
    if (route === "GET /readyz") {
      const why = o.readiness ? `: ${o.readiness()}` : "";
      return o.isReady() ? send(200, `ready${why}\n`) : send(503, `not ready${why}\n`);
    }
    if (route === "GET /metrics") {
      void o.registry.metrics().then((m) => send(200, m, o.registry.contentType), (e: unknown) => send(500, String(e)));
      return;
    }
    if (route !== "POST /hooks/git" || o.secret === undefined) return send(404, "not found\n");
    void readBody(req).then(
      (body) => {
        const v = verifyWebhook(req.headers, body, o.secret!);
        if (!v.ok) {
          o.log.warn({ reason: v.reason }, "webhook refused");
          return send(401, `${v.reason}\n`);
        }
        const branch = pushedBranch(body);
        if (branch !== undefined && branch !== o.branch) return send(202, "ignored: other branch\n");
        o.log.info({ provider: v.provider }, "webhook push");
        o.onPush(v.provider);
        return send(202, "triggered\n");
      },
      (e: unknown) => send(413, `${(e as Error).message}\n`),
    );
  });
  const { host, port } = parseListen(o.listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}` };
}
