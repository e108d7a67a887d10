/**
 * `humops up [PATH]`: the all-in-one on this machine. Starts nats-server (JetStream in
 * .humops/nats), a controller on the local repository PATH (default manifests-example/, made a
 * git repository when it is not one) and an agent for this machine (data in .humops/), shows
 * progress, and on Ctrl-C stops what it started (by pid), leaving VMs and networks running.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { pino, type Logger } from "pino";
import { ensureLocalRepo } from "../../reconciler/git/ensure-local-repo.js";
import { startLocalNats } from "../../reconciler/controller/local-nats.js";
import { startControllerService } from "../../reconciler/controller/service.js";
import type { RoundReport } from "../../reconciler/controller/reconcile-round.js";
import { REDACT } from "./controller.js";

/** The agent runtime's entry (node-agent/agent/), loaded when this build has it. */
async function startLocalAgent(o: { natsUrl: string; dataDir: string; log: Logger }): Promise<{ stop(): Promise<void> } | undefined> {
  const path = "../../node-agent/agent/start-agent.js";
  try {
    const mod = (await import(path)) as { startAgent?: (opts: Record<string, unknown>) => Promise<{ stop(): Promise<void> }> };
    return await mod.startAgent?.({ config: { nats: { url: o.natsUrl }, dataDir: o.dataDir }, log: o.log });
  } catch (e: unknown) {
    o.log.error({ err: e }, "agent not started: run `humops agent --config FILE` beside humops up");
    return undefined;
  }
}

function progress(r: RoundReport, last: { line: string }): void {
  const line = r.notReady === 0 ? `all resources ready (manifests ${r.commit.slice(0, 12)})` : `${r.notReady} resources not ready yet (manifests ${r.commit.slice(0, 12)}); see \`humops status --repo PATH\``;
  if (line !== last.line) console.log(line);
  last.line = line;
}

/** Registers `humops up`. */
export function registerUp(program: Command): void {
  program
    .command("up")
    .argument("[path]", "manifests repository (a directory; made a git repository when it is not one)", "manifests-example")
    .description("all-in-one on this machine: NATS, controller and agent, manifests from a local repository")
    .option("--interval <duration>", "git poll interval (a local commit is seen at once anyway)", "30s")
    .action(async (path: string) => {
      const log = pino({ redact: REDACT, level: process.env["HUMOPS_LOG_LEVEL"] ?? "warn" });
      const repo = resolve(path);
      const home = resolve(".humops");
      const stops: (() => Promise<void>)[] = [];
      const stopAll = async (): Promise<void> => {
        for (const s of stops.reverse()) await s().catch((e: unknown) => log.error({ err: e }, "stop failed"));
      };
      try {
        if (await ensureLocalRepo(repo)) console.log(`${repo}: made a git repository with an initial commit`);
        const nats = await startLocalNats(resolve(home, "nats"));
        stops.push(() => nats.stop());
        console.log(`nats-server pid ${nats.pid} on ${nats.url}`);
        const agent = await startLocalAgent({ natsUrl: nats.url, dataDir: home, log });
        if (agent) stops.push(() => agent.stop());
        const service = await startControllerService({ repo, branch: "main", path: ".", statusBranch: "status", workDir: resolve(home, "controller"), nats: { url: nats.url }, pollIntervalMs: 30_000, log });
        stops.push(() => service.stop());
        const last = { line: "" };
        service.controller.onRound((r) => progress(r, last));
        console.log(`controller watching ${repo} (branch main); commit there to change the cluster; Ctrl-C stops humops (VMs and networks keep running)`);
      } catch (e: unknown) {
        console.error(`humops up: ${(e as Error).message}`);
        await stopAll();
        process.exit(1);
      }
      const onSignal = (): void => {
        console.log("stopping humops (VMs and networks are left as they are)");
        void stopAll().then(() => process.exit(0));
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
}
