/** `nodectl inspect KIND ID`: last command, observed state, host objects and their live state. */
import type { Command } from "commander";
import { apiTypeOfKind, buildInspectReport, type InspectReport } from "../../node-agent/diag/inspect-report.js";
import { renderTable, type Paint } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, openView, paintOf, printJson, unreachableNote, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

function brief(live: Readonly<Record<string, unknown>>): string {
  return Object.entries(live)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(k === "cmdline" ? " " : ",") : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`)
    .join(" ");
}

/** The human form of the report. */
export function renderInspect(r: InspectReport, paint: Paint): string {
  const c = r.lastCommand;
  const o = r.observed;
  const head = [
    `resource:     ${r.key}`,
    `last command: generation ${c.generation}${c.commandId ? `, id ${c.commandId}, received ${c.receivedAt}` : ""}`,
    `spec:         ${JSON.stringify(c.spec)}`,
    `observed:     ${o ? `${o.state}${o.generation !== undefined ? ` (generation ${o.generation})` : ""}${o.reason ? ` ${o.reason}` : ""}${o.drift?.length ? `; drift: ${o.drift.join("; ")}` : ""}` : paint("red", "nothing on the host")} [${r.source}]`,
    "host objects:",
  ];
  const table = renderTable(
    ["TYPE", "NAME", "EXISTS", "LIVE"],
    r.hostObjects.map((h) => [h.type, h.name, h.exists ? paint("green", "yes") : paint("red", "no"), brief(h.live)]),
  );
  return head.join("\n") + "\n" + table + (r.hostError ? paint("red", `host read failed: ${r.hostError}\n`) : "");
}

/** Registers `inspect`. */
export function registerInspect(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("inspect").argument("<kind>", "network, virtualrouter, blockstorage, imageentity, virtualmachine").argument("<id>", "id, group/namespace/id or the resource key").description("a resource's last command, the host objects behind it by name and their live state"))
    .action(action(deps, state, async (kind: string, id: string, opts: OutputOpts) => {
      const json = isJson(opts);
      const apiType = apiTypeOfKind(kind);
      if (apiType === undefined) throw Object.assign(new Error(`unknown kind ${kind}`), { code: "USAGE" });
      const view = await openView(deps, program);
      const r = await buildInspectReport(view, apiType, id);
      if (json) printJson(deps, r);
      else deps.out(unreachableNote(view, paintOf(deps)) + renderInspect(r, paintOf(deps)));
      return EXIT.ok;
    }));
}
