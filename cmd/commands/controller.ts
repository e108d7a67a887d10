/** `humops controller`: composition root of the reconciler (CONTRACT.md §3). */
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { pino } from "pino";
import { startControllerService } from "../../reconciler/controller/service.js";
import { parseDurationMs } from "../../reconciler/controller/parse-duration.js";

/** Credentials never reach the log. */
import { REDACT } from "../redact.js";

/** Registers `humops controller`. */
export function registerController(program: Command): void {
  program
    .command("controller")
    .description("run the reconciler: manifests from git -> commands to node agents over NATS -> status branch")
    .requiredOption("--repo <url-or-path>", "manifests repository (http(s) URL or local path)")
    .option("--branch <name>", "manifests branch", "main")
    .option("--path <dir>", "manifests path inside the repository", ".")
    .option("--status-branch <name>", "status branch", "status")
    .option("--nats <urls>", "NATS URL, or several comma-separated of one cluster (default: HUMOPS_NATS_URL, then nats://127.0.0.1:4222)")
    .option("--nats-replicas <n>", "replicas of the KV buckets it creates, and what existing ones must have (3 on a three-server cluster)", "1")
    .option("--nats-creds <file>", "NATS credentials file (see docs/nats-auth.md)")
    .option("--interval <duration>", "git poll interval", "30s")
    .option("--listen <addr:port>", "HTTP endpoint: /hooks/git, /healthz, /readyz, /metrics")
    .option("--webhook-secret-file <file>", "shared secret of the push webhooks")
    .option("--git-credentials-file <file>", "user:password or a token for the remote (or HUMOPS_GIT_TOKEN)")
    .option("--download-token-file <file>", "token the nodes' download APIs share (default: generated once in the work dir)")
    .option("--work-dir <dir>", "where a remote repository is cloned", ".humops/controller")
    .option("--node-lost-after <duration>", "how long a node is NotReady before it counts as lost (its resources say NodeLost)", "30s")
    .action(async (o: Record<string, string | undefined>) => {
      const log = pino({ redact: REDACT });
      const service = await startControllerService({
        repo: o["repo"]!,
        branch: o["branch"]!,
        path: o["path"]!,
        statusBranch: o["statusBranch"]!,
        workDir: resolve(o["workDir"]!),
        nats: { url: o["nats"] ?? process.env["HUMOPS_NATS_URL"] ?? "nats://127.0.0.1:4222", ...(o["natsCreds"] ? { credsFile: o["natsCreds"] } : {}) },
        pollIntervalMs: parseDurationMs(o["interval"]!),
        nodeLostAfterMs: parseDurationMs(o["nodeLostAfter"]!),
        natsReplicas: parseReplicas(o["natsReplicas"]!),
        listen: o["listen"],
        webhookSecretFile: o["webhookSecretFile"],
        gitCredentialsFile: o["gitCredentialsFile"],
        downloadTokenFile: o["downloadTokenFile"],
        log,
      }).catch((e: unknown) => {
        log.error({ err: e }, "controller failed to start");
        process.exit(1);
      });
      log.info({ repo: o["repo"], branch: o["branch"], url: service.url, workDir: join(o["workDir"]!) }, "controller started");
      const stop = (): void => {
        void service.stop().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}

/** 1, 3 or 5 (what JetStream supports for a KV bucket). */
function parseReplicas(v: string): number {
  const n = Number(v);
  if (![1, 3, 5].includes(n)) {
    console.error(`humops controller: --nats-replicas ${JSON.stringify(v)}: give 1, 3 or 5 (the number of NATS servers that keep each bucket)`);
    process.exit(2);
  }
  return n;
}
