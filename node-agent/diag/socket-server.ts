/**
 * The agent side of nodectl: a unix socket (`<dataDir>/nodectl.sock`, mode 0600, so only root
 * can connect) answering JSON-line requests (protocol.ts) with the agent's status, the live
 * inventory of its drivers, and gc. The agent runtime starts it once:
 *
 *   const diag = await startDiagServer({ socketPath: diagSocketPath(env.dataDir), getStatus,
 *     drivers, driverContext: () => ctx, knownCommands: () => lastCommands(), log,
 *     inflight: () => agent.inflight() });
 *   // on shutdown: await diag.close();
 */
import { mkdtemp, rename, rm, rmdir, chmod, mkdir } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import type { DriverContext, ResourceCommand, ResourceDriver } from "../driver.js";
import type { AgentStatusSnapshot } from "./agent-status.js";
import { AgentUnreachableError } from "./errors.js";
import { runGc } from "./gc.js";
import { collectInventory } from "./inventory.js";
import { DIAG_PROTOCOL_VERSION, parseDiagRequest, type DiagRequest, type DiagResponse } from "./protocol.js";
import { requestAgent } from "./socket-client.js";

/** What the agent runtime hands to the server. */
export interface DiagServerOptions {
  readonly socketPath: string;
  /** The agent's status right now. */
  readonly getStatus: () => AgentStatusSnapshot | Promise<AgentStatusSnapshot>;
  /** The agent's live drivers (their in-flight states show in the inventory). */
  readonly drivers: readonly ResourceDriver[];
  /** A driver context (runner, node environment, logger); a fresh signal is fine. */
  readonly driverContext: () => DriverContext;
  /** The last command of every resource declared on this node. */
  readonly knownCommands: () => readonly ResourceCommand[] | Promise<readonly ResourceCommand[]>;
  readonly log: Logger;
  /**
   * Commands the agent is executing now. A real gc is refused while any runs: a VM being
   * started has its tap before its vm.json, so the tap would look like an orphan.
   */
  readonly inflight?: () => number;
}

/** A running diagnostics server. */
export interface DiagServer {
  readonly socketPath: string;
  /** Stops accepting, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

async function answer(req: DiagRequest, opts: DiagServerOptions): Promise<DiagResponse> {
  const base = { v: DIAG_PROTOCOL_VERSION, id: req.id };
  try {
    if (req.method === "status") return { ...base, ok: true, result: await opts.getStatus() };
    const ctx = opts.driverContext();
    const inventory = await collectInventory({ drivers: opts.drivers, ctx, known: await opts.knownCommands(), source: "agent" });
    if (req.method === "inventory") return { ...base, ok: true, result: inventory };
    const dryRun = (req.params as { dryRun?: unknown }).dryRun !== false;
    const busy = opts.inflight?.() ?? 0;
    if (!dryRun && busy > 0) {
      return { ...base, ok: false, error: { code: "AGENT_BUSY", message: `the agent is executing ${busy} command(s); retry gc when it is idle` } };
    }
    return { ...base, ok: true, result: await runGc({ inventory, ctx, dryRun }) };
  } catch (e: unknown) {
    opts.log.warn({ err: e, method: req.method }, "nodectl request failed");
    return { ...base, ok: false, error: { code: (e as { code?: string }).code ?? "INTERNAL", message: (e as Error).message } };
  }
}

function serve(sock: Socket, opts: DiagServerOptions): void {
  let buf = "";
  sock.setEncoding("utf8");
  sock.on("error", (e) => opts.log.debug({ err: e }, "nodectl connection error"));
  sock.on("data", (chunk: string) => {
    buf += chunk;
    if (buf.length > 64 * 1024) return void sock.destroy();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const req = parseDiagRequest(line);
      if (!req) {
        sock.write(JSON.stringify({ v: DIAG_PROTOCOL_VERSION, id: -1, ok: false, error: { code: "BAD_REQUEST", message: "not a nodectl request" } }) + "\n");
        continue;
      }
      void answer(req, opts).then((res) => sock.writable && sock.write(JSON.stringify(res) + "\n"));
    }
  });
}

/** Removes a socket file left by a dead agent; throws when a live agent still answers on it. */
async function clearStale(socketPath: string): Promise<void> {
  try {
    await requestAgent(socketPath, "status", {}, { timeoutMs: 1000 });
  } catch (e: unknown) {
    if (e instanceof AgentUnreachableError) return void (await rm(socketPath, { force: true }));
    throw e;
  }
  throw new Error(`another agent answers on ${socketPath}: two agents cannot share a data dir`);
}

/**
 * Listens on `socketPath` with mode 0600 from the first moment: the socket is bound inside a
 * private 0700 directory, chmod-ed, then renamed into place. Throws when another live agent
 * answers on the path or the data dir is not writable.
 */
export async function startDiagServer(opts: DiagServerOptions): Promise<DiagServer> {
  await mkdir(dirname(opts.socketPath), { recursive: true });
  await clearStale(opts.socketPath);
  const tmp = await mkdtemp(join(dirname(opts.socketPath), ".nodectl-"));
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    serve(s, opts);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(join(tmp, "s"), () => resolve());
    });
    await chmod(join(tmp, "s"), 0o600);
    await rename(join(tmp, "s"), opts.socketPath);
  } finally {
    await rmdir(tmp).catch(() => undefined);
  }
  opts.log.info({ socketPath: opts.socketPath }, "nodectl socket listening");
  return {
    socketPath: opts.socketPath,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(opts.socketPath, { force: true });
    },
  };
}
