/**
 * A real three-server NATS cluster with JetStream on loopback (issue #15): each server its own
 * client port, cluster port and store; routes to the other two. Ports are picked free up front
 * (the routes must name them). Resolves once JetStream has a meta leader (a KV bucket can be
 * created through every server).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { startNats, type NatsServer } from "./nats-server.js";
import { testTag } from "./test-tag.js";

/** A running cluster. `servers[i]` may be replaced by restart(i). */
export interface NatsCluster {
  readonly servers: NatsServer[];
  /** Every client URL, comma-separated (what `--nats` and `nats.url` take). */
  readonly urls: string;
  /** SIGKILL server i (its store is kept). */
  crash(i: number): Promise<void>;
  /** Start server i again on its port and store; it rejoins and catches up. */
  restart(i: number): Promise<void>;
  /** The server name (`n1`...) of the JetStream meta leader, from a live server's /jsz. */
  metaLeader(): Promise<string | undefined>;
  /** The server name leading a stream (e.g. `KV_humops-leader`). */
  streamLeader(stream: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

/** Server i's name: `n1`, `n2`, `n3`. */
export function serverName(i: number): string {
  return `n${i + 1}`;
}

export async function startNatsCluster(size = 3, opts: { readyTimeoutMs?: number } = {}): Promise<NatsCluster> {
  const client = await Promise.all(Array.from({ length: size }, freePort));
  const route = await Promise.all(Array.from({ length: size }, freePort));
  const monitor = await Promise.all(Array.from({ length: size }, freePort));
  const dirs = Array.from({ length: size }, (_, i) => mkdtempSync(join(tmpdir(), `humops-natsc-${testTag()}-${serverName(i)}-`)));
  const config = (i: number): string =>
    [
      `server_name: ${serverName(i)}`,
      `http: 127.0.0.1:${monitor[i]}`,
      `cluster {`,
      `  name: humops-test`,
      `  listen: 127.0.0.1:${route[i]}`,
      `  routes: [${route.filter((_, j) => j !== i).map((p) => `nats-route://127.0.0.1:${p}`).join(", ")}]`,
      `}`,
      "",
    ].join("\n");
  const servers: NatsServer[] = [];
  try {
    for (let i = 0; i < size; i++) servers.push(await startNats({ port: client[i]!, dir: dirs[i]!, config: config(i) }));
  } catch (e) {
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    throw e;
  }
  const urls = client.map((p) => `nats://127.0.0.1:${p}`).join(",");
  const cluster: NatsCluster = {
    servers,
    urls,
    async crash(i) {
      await servers[i]!.crash();
    },
    async restart(i) {
      servers[i] = await servers[i]!.restart();
    },
    async metaLeader() {
      for (const p of monitor) {
        const r = await fetch(`http://127.0.0.1:${p}/jsz`).catch(() => undefined);
        if (r?.ok !== true) continue;
        const j = (await r.json()) as { meta_cluster?: { leader?: string } };
        if (j.meta_cluster?.leader) return j.meta_cluster.leader;
      }
      return undefined;
    },
    async streamLeader(stream) {
      const nc = await connect({ servers: urls.split(","), timeout: 5_000 });
      try {
        const m = await nc.request(`$JS.API.STREAM.INFO.${stream}`, undefined, { timeout: 5_000 });
        return (m.json() as { cluster?: { leader?: string } }).cluster?.leader;
      } finally {
        await nc.close();
      }
    },
    async stop() {
      for (const s of servers) await s.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  await waitJetStreamReady(urls, opts.readyTimeoutMs ?? 60_000);
  return cluster;
}

/** Waits until an R3 KV bucket can be created and written through the cluster (meta leader elected). */
export async function waitJetStreamReady(urls: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const nc = await connect({ servers: urls.split(","), timeout: 5_000 }).catch((e: unknown) => {
      last = e;
      return undefined;
    });
    if (nc !== undefined) {
      try {
        const kv = await new Kvm(nc).create("humops-test-ready", { history: 1, replicas: 3, timeout: 5_000 });
        await kv.put("probe", "1");
        return;
      } catch (e) {
        last = e;
      } finally {
        await nc.close();
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the NATS cluster's JetStream was not ready within ${timeoutMs} ms: ${(last as Error)?.message ?? last}`);
}
