/** `nodectl gc [--dry-run]`: removes humops-named host objects that no command declares. */
import type { Command } from "commander";
import { renderTable } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, openView, paintOf, printJson, unreachableNote, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** Registers `gc`. */
export function registerGc(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("gc").description("removes orphans the drivers report (humops-named objects no command declares); never touches foreign or declared objects"))
    .option("--dry-run", "only list what would be removed")
    .action(action(deps, state, async (opts: OutputOpts & { dryRun?: boolean }) => {
      const json = isJson(opts);
      const view = await openView(deps, program);
      const report = await view.gc(opts.dryRun === true);
      const source = view.agent.reachable ? "agent" : "host";
      if (json) {
        printJson(deps, { command: "gc", node: view.target.env.nodeName, source, ...report });
      } else {
        const paint = paintOf(deps);
        const body = report.items.length === 0 ? "no orphans\n" : renderTable(["KIND", "ORPHAN", "ACTION", "MESSAGE"], report.items.map((i) => [i.apiType.split("/")[1]!, i.orphan, i.action === "failed" ? paint("red", i.action) : i.action, i.message ?? ""]));
        deps.out(unreachableNote(view, paint) + body);
      }
      return report.items.some((i) => i.action === "failed") ? EXIT.problem : EXIT.ok;
    }));
}
