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
import { startAgent } from "../../node-agent/agent/start-agent.js";
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { IsoGitSource } from "../../reconciler/git/iso-git-source.js";
import { makeTreeLoader } from "../../reconciler/controller/load-tree.js";
import { parseDurationMs } from "../../reconciler/controller/parse-duration.js";
import { readPackageVersion } from "../version.js";
import { REDACT } from "../redact.js";

/** Creates the external bridges the manifests' IP pools name (routers need them; humops up provides them on this machine). */
async function ensurePoolBridges(repo: string, log: Logger): Promise<void> {
  const source = new IsoGitSource({ repo, branch: "main", workDir: resolve(".humops", "controller") });
  const load = makeTreeLoader()(await source.readTree((await source.fetch()).commit));
  const runner = new SpawnRunner();
  for (const r of load.resources.values()) {
    const name = r.apiType === "corev0/externalippool" ? r.spec["bridgeName"] : undefined;
    if (typeof name !== "string" || !/^[A-Za-z0-9_.-]{1,15}$/.test(name)) continue;
    if ((await runner.run({ argv: ["ip", "link", "show", name] })).exitCode === 0) continue;
    const add = await runner.run({ argv: ["ip", "link", "add", name, "type", "bridge"] });
    const up = await runner.run({ argv: ["ip", "link", "set", name, "up"] });
    if (add.exitCode !== 0 || up.exitCode !== 0) log.warn({ bridge: name, stderr: add.stderr + up.stderr }, "cannot create the external bridge");
    else console.log(`created external bridge ${name}`);
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
    .option("--download-port <port>", "port of this node's download API (on 127.0.0.1)", "8082")
    .option("--download-token-file <file>", "download token (default: generated once in .humops/controller)")
    .action(async (path: string, o: Record<string, string | undefined>) => {
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
        await ensurePoolBridges(repo, log);
        const downloadAPI = { listenAddress: "127.0.0.1", listenPort: Number(o["downloadPort"]) };
        const agent = await startAgent({ config: { nats: { url: nats.url }, dataDir: home, blockStorageAgentConfig: { downloadAPI } }, log, agentVersion: readPackageVersion() });
        stops.push(() => agent.stop());
        console.log(`agent for this machine, data in ${home}`);
        const service = await startControllerService({ repo, branch: "main", path: ".", statusBranch: "status", workDir: resolve(home, "controller"), nats: { url: nats.url }, pollIntervalMs: parseDurationMs(o["interval"] ?? "30s"), downloadTokenFile: o["downloadTokenFile"], log });
        stops.push(() => service.stop());
        const last = { line: "" };
        service.onRound((r) => progress(r, last));
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
