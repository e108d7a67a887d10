/** `humops agent --config FILE`: composition root of the node agent (CONTRACT.md §3, §4). */
import type { Command } from "commander";
import { pino } from "pino";
import { loadAgentConfig } from "../../node-agent/config/load-agent-config.js";
import { formatProblem } from "../../node-agent/config/errors.js";
import { startAgent } from "../../node-agent/agent/start-agent.js";
import { AgentMetrics } from "../../node-agent/agent/metrics.js";
import { startHealthServer } from "../../node-agent/agent/health-server.js";
import { readPackageVersion } from "../version.js";
import { REDACT } from "../redact.js";

/** Registers `humops agent`. */
export function registerAgent(program: Command): void {
  program
    .command("agent")
    .description("run the node agent: executes the controller's commands on this node over NATS")
    .requiredOption("--config <file>", "agent config (humstack's config.yaml plus nodeName, nats, dataDir)")
    .option("--listen <addr:port>", "HTTP endpoint: /healthz, /readyz, /metrics")
    .action(async (o: { config: string; listen?: string }) => {
      const boot = pino({ redact: REDACT });
      const loaded = await loadAgentConfig(o.config).catch((e: unknown) => {
        boot.error({ err: e }, "invalid agent config");
        console.error((e as Error).message);
        process.exit(1);
      });
      const log = pino({ redact: REDACT, level: loaded.settings.logLevel });
      for (const w of loaded.warnings) log.warn({ key: w.pointer, at: formatProblem(w).trim() }, "ignored humstack config key");
      const metrics = new AgentMetrics();
      let ready = false;
      const health = o.listen
        ? await startHealthServer(o.listen, { isReady: () => ready, metrics: () => metrics.text(), contentType: metrics.registry.contentType })
        : undefined;
      const agent = await startAgent({
        config: loaded.settings,
        log,
        agentVersion: readPackageVersion(),
        onResult: (cmd, result) => metrics.observe(cmd, result),
      }).catch((e: unknown) => {
        log.error({ err: e }, "agent failed to start");
        process.exit(1);
      });
      ready = true;
      const stop = (): void => {
        ready = false;
        void agent
          .stop()
          .then(() => health?.close())
          .then(() => process.exit(0), (e: unknown) => (log.error({ err: e }, "agent stop failed"), process.exit(1)));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
