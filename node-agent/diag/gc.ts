/**
 * `nodectl gc`: removes the orphans the drivers' inventories report (humops-named host objects
 * no command declares), after orphanTarget has checked each one. With `dryRun`, only lists
 * them. An object still declared never appears as an orphan, so it is never touched.
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { ApiType } from "../../schemas/kinds.js";
import type { DriverContext } from "../driver.js";
import { readHostNetState } from "../net/host-state.js";
import { natRuleOps } from "../net/node-nat.js";
import { readRouterState, type NetnsMounts } from "../net/router-driver.js";
import { routerVethNames } from "../net/router-model.js";
import { planRouterRemoval } from "../net/router-plan.js";
import { runOps } from "../net/run-ops.js";
import { runChecked } from "../host/host-runner.js";
import { isAlive } from "../host/process-liveness.js";
import { rbdRemove } from "../storage/rbd.js";
import type { NodeInventory } from "./inventory.js";
import { orphanTarget, type OrphanTarget } from "./orphan-target.js";

/** What gc did (or would do) with one orphan. */
export interface GcItem {
  readonly apiType: ApiType;
  readonly orphan: string;
  /** `would-remove` (dry run), `removed`, `failed`, or `refused` (not a humops object gc may touch). */
  readonly action: "would-remove" | "removed" | "failed" | "refused";
  readonly message?: string;
}

/** The outcome of one gc run. */
export interface GcReport {
  readonly dryRun: boolean;
  readonly items: readonly GcItem[];
}

/** Options of runGc. */
export interface GcOptions {
  readonly inventory: NodeInventory;
  readonly ctx: DriverContext;
  readonly dryRun: boolean;
  /** Whose mount namespace router namespaces are deleted in (see mountNsPrefix); default this process. */
  readonly mountNsPid?: number;
  /** Which /run/netns entries the machine's mount namespaces hold; default read from /proc. */
  readonly netnsMounts?: NetnsMounts;
}

async function stopVmProcess(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, "qemu.pid"), "utf8").catch(() => "")).trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  // Only the qemu of this very directory: a recycled pid is someone else's process.
  if (!cmdline.includes(dir)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
}

async function removeTarget(t: OrphanTarget, opts: GcOptions): Promise<void> {
  const { runner, signal } = opts.ctx;
  switch (t.type) {
    case "link":
      await runChecked(runner, { argv: ["ip", "link", "del", "dev", t.name] }, { signal });
      return;
    case "nat-rule": {
      const host = await readHostNetState(runner, { nat: true, signal });
      await runOps(runner, host.nat ? natRuleOps(host.nat, t.comment, []) : [], { signal });
      return;
    }
    case "netns": {
      // A dead entry (issue #13) reads as deadEntry, and its removal is the entry alone.
      const s = await readRouterState(runner, t.name, { signal, ...(opts.netnsMounts ? { netnsMounts: opts.netnsMounts } : {}) });
      await runOps(runner, planRouterRemoval(t.name, [routerVethNames(t.name).host], s), { signal, mountNsPid: opts.mountNsPid ?? process.pid });
      return;
    }
    case "file":
      await rm(t.path, { force: true });
      return;
    case "vm-dir":
      await stopVmProcess(t.path);
      await rm(t.path, { recursive: true, force: true });
      return;
    case "rbd":
      if (opts.ctx.node.ceph) await runChecked(runner, rbdRemove(opts.ctx.node.ceph, t.image), { signal });
      return;
    case "refused":
      return;
  }
}

/**
 * Removes (or, with dryRun, lists) every orphan of `inventory`. Never throws for one object:
 * a failure is an item with action `failed` and the error's message.
 */
export async function runGc(opts: GcOptions): Promise<GcReport> {
  const items: GcItem[] = [];
  for (const k of opts.inventory.kinds) {
    for (const orphan of k.orphans) {
      const t = orphanTarget(orphan, opts.ctx.node);
      if (t.type === "refused") {
        items.push({ apiType: k.apiType, orphan, action: "refused", message: t.reason });
      } else if (opts.dryRun) {
        items.push({ apiType: k.apiType, orphan, action: "would-remove" });
      } else {
        try {
          await removeTarget(t, opts);
          opts.ctx.log.info({ orphan, apiType: k.apiType }, "removed orphan");
          items.push({ apiType: k.apiType, orphan, action: "removed" });
        } catch (e: unknown) {
          opts.ctx.log.warn({ orphan, err: e }, "orphan removal failed");
          items.push({ apiType: k.apiType, orphan, action: "failed", message: (e as Error).message });
        }
      }
    }
  }
  return { dryRun: opts.dryRun, items };
}
