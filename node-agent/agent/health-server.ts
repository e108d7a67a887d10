/**
 * The agent's HTTP endpoints on `--listen`: `/healthz` (the process is alive), `/readyz`
 * (registered and serving commands), `/metrics` (Prometheus text).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the endpoints ask. */
export interface HealthSources {
  readonly isReady: () => boolean;
  readonly metrics: () => Promise<string>;
  readonly contentType: string;
}

/** A listening health server. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Parses `ADDR:PORT` (or `:PORT`, `[v6]:PORT`); throws TypeError when malformed. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new TypeError(`--listen wants ADDR:PORT, got ${JSON.stringify(listen)}`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

/** Starts the server; resolves once listening. */
export async function startHealthServer(listen: string, src: HealthSources): Promise<HealthServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return void res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    if (path === "/readyz") {
      const ready = src.isReady();
      return void res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n");
    }
    if (path === "/metrics") {
      src.metrics().then(
        (text) => res.writeHead(200, { "content-type": src.contentType }).end(text),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
      return;
    }
    res.writeHead(404).end("not found\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
