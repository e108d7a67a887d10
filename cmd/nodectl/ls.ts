/** `nodectl ls [KIND]`: every resource of this node, declared against observed. */
import type { Command } from "commander";
import { apiTypeOfKind } from "../../node-agent/diag/inspect-report.js";
import { resourceRows, type ResourceRow } from "../../node-agent/diag/resource-rows.js";
import { renderTable, type Paint } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, openView, paintOf, printJson, unreachableNote, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** The human form of the rows. */
export function renderRows(rows: readonly ResourceRow[], paint: Paint): string {
  if (rows.length === 0) return "no resources\n";
  return renderTable(
    ["KIND", "KEY", "DESIRED", "GEN", "OBSERVED", "GEN", "AGREE", "WHY"],
    rows.map((r) => [
      r.apiType.split("/")[1]!,
      r.key.split("/").slice(2).join("/"),
      r.desiredState ?? "-",
      r.desiredGeneration?.toString() ?? "-",
      r.observedState,
      r.observedGeneration?.toString() ?? "-",
      r.agree ? paint("green", "yes") : paint("red", "no"),
      [r.reason, progressText(r.progress), ...r.drift].filter((x) => x !== undefined).join("; "),
    ]),
  );
}

/** `Downloading 12.0 of 512.0 MiB`, `PoweringOff 20 s`: a running operation's progress (issue #11). */
export function progressText(p: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (p === undefined || typeof p["phase"] !== "string") return undefined;
  const mib = (v: unknown) => (typeof v === "number" ? (v / 1024 / 1024).toFixed(1) : undefined);
  const done = mib(p["doneBytes"]);
  const total = mib(p["totalBytes"]);
  if (done !== undefined) return `${p["phase"]} ${done}${total !== undefined ? ` of ${total}` : ""} MiB`;
  if (typeof p["elapsedSeconds"] === "number") return `${p["phase"]} ${Math.round(p["elapsedSeconds"])} s`;
  return p["phase"];
}

/** Registers `ls`. */
export function registerLs(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("ls").argument("[kind]", "network, virtualrouter, blockstorage, imageentity, virtualmachine (or vm, disk, router)").description("every resource this node runs: desired (last command) against observed, and whether they agree"))
    .action(action(deps, state, async (kind: string | undefined, opts: OutputOpts) => {
      const json = isJson(opts);
      const apiType = kind === undefined ? undefined : apiTypeOfKind(kind);
      if (kind !== undefined && apiType === undefined) throw Object.assign(new Error(`unknown kind ${kind}`), { code: "USAGE" });
      const view = await openView(deps, program);
      const inv = await view.inventory();
      const rows = resourceRows(inv, apiType);
      if (json) printJson(deps, { command: "ls", node: view.target.env.nodeName, source: inv.source, agentReachable: view.agent.reachable, resources: rows });
      else deps.out(unreachableNote(view, paintOf(deps)) + renderRows(rows, paintOf(deps)));
      return EXIT.ok;
    }));
}
