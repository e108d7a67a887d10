/** Shared setup for loop tests: the example manifests in a MemoryGitSource, a MemoryBus and a fake agent. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { Controller } from "../../../reconciler/controller/controller.js";
import { makeTreeLoader } from "../../../reconciler/controller/load-tree.js";
import { resourceRequests } from "../../../reconciler/controller/requests.js";
import { MemoryGitSource } from "../../../reconciler/git/memory-git-source.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";

/** The manifests-example/ files, path -> text. */
export function exampleFiles(): Record<string, string> {
  const dir = new URL("../../../manifests-example/", import.meta.url).pathname;
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

/** Log lines captured from a pino logger. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) }) as unknown as Logger;
  return { log, lines };
}

/** A controller over memory ports; `round()` runs one round and resolves with its report. */
export function makeController(o: { source: MemoryGitSource; bus: MemoryBus; status: MemoryStatusWriter; timeoutMs?: number; downloadToken?: string; backoffMs?: number; now?: () => Date; nodeLostAfterMs?: number }) {
  const { log, lines } = captureLog();
  const c = new Controller(
    { source: o.source, bus: o.bus, status: o.status, load: makeTreeLoader(), log, requests: resourceRequests, now: o.now ?? (() => new Date("2026-01-01T00:00:00Z")) },
    {
      pollIntervalMs: 0, commandTimeoutMs: o.timeoutMs ?? 2000, backoffBaseMs: o.backoffMs ?? 20, backoffMaxMs: (o.backoffMs ?? 20) * 10, ...(o.downloadToken ? { downloadToken: o.downloadToken } : {}),
      ...(o.nodeLostAfterMs !== undefined ? { nodeLostAfterMs: o.nodeLostAfterMs } : {}),
    },
  );
  return { c, lines };
}

/** Waits for the next round report of `c` after calling `kick`. */
export function nextRound(c: Controller, kick: () => void): Promise<import("../../../reconciler/controller/reconcile-round.js").RoundReport> {
  return new Promise((resolve) => {
    const off = c.onRound((r) => {
      off();
      resolve(r);
    });
    kick();
  });
}
