/** `nodectl status`: the agent, its connections, the node's capacity and resources. */
import type { Command } from "commander";
import { buildStatusReport, type StatusReport } from "../../node-agent/diag/status-report.js";
import type { Paint } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, openView, paintOf, printJson, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

function ago(iso: string | undefined, now: Date): string {
  if (iso === undefined) return "never";
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  return `${iso} (${s}s ago)`;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** The human form of the report. */
export function renderStatus(r: StatusReport, paint: Paint, now = new Date()): string {
  const a = r.agent;
  const lines = [
    `node:         ${r.node}  (data ${r.dataDir})`,
    a.reachable
      ? `agent:        ${paint("green", "running")} version ${a.version} pid ${a.pid}, up ${a.uptimeSeconds}s`
      : `agent:        ${paint("red", "NOT REACHABLE")}: ${a.error}`,
  ];
  if (r.nats) lines.push(`nats:         ${r.nats.connected ? paint("green", "connected") : paint("red", "disconnected")} ${r.nats.server ?? ""} reconnects ${r.nats.reconnects}, last message ${ago(r.nats.lastMessageAt, now)}`);
  else lines.push(`nats:         unknown (${a.reachable ? "agent did not say" : "agent not reachable"})`);
  lines.push(`controller:   last seen ${r.controllerLastSeenAt ? ago(r.controllerLastSeenAt, now) : a.reachable ? "never" : "unknown"}; obeys epoch ${r.epoch ?? "none yet"} (older epochs are refused)`);
  lines.push(`capacity:     ${r.capacity.vcpus} vCPU, ${gib(r.capacity.memoryBytes)}; allocated ${r.allocated.vcpus} vCPU, ${gib(r.allocated.memoryBytes)}`);
  if (r.accelerator) lines.push(`accelerator:  ${r.accelerator.accelerator.toUpperCase()} (${r.accelerator.reason})`);
  lines.push(`resources:    (${r.source === "agent" ? "from the agent" : "read from the host"}; ${r.lastCommands} last commands on disk)`);
  for (const [apiType, states] of Object.entries(r.resources)) {
    lines.push(`  ${apiType.padEnd(24)} ${Object.entries(states).map(([s, n]) => `${s} ${n}`).join(", ")}`);
  }
  lines.push(`last error:   ${r.lastError ? paint("red", `${r.lastError.at} ${r.lastError.key ?? ""} ${r.lastError.message}`) : "none"}`);
  if (r.journalLastAt) lines.push(`journal:      last entry ${r.journalLastAt}`);
  return lines.join("\n") + "\n";
}

/** Registers `status`. */
export function registerStatus(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("status").description("the agent (version, uptime, NATS, controller), capacity, accelerator, resources by state, last error"))
    .action(action(deps, state, async (opts: OutputOpts) => {
      const json = isJson(opts);
      const view = await openView(deps, program);
      const r = await buildStatusReport(view);
      if (json) printJson(deps, r);
      else deps.out(renderStatus(r, paintOf(deps)));
      return EXIT.ok;
    }));
}
