/** `nodectl drift`: what on the host differs from the last commands, and orphans. Exit 1 when anything does. */
import type { Command } from "commander";
import { driftOf } from "../../node-agent/diag/resource-rows.js";
import { renderTable } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, openView, paintOf, printJson, unreachableNote, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** Registers `drift`. */
export function registerDrift(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("drift").description("host objects that differ from the last commands, and humops-named objects nothing declares (orphans); exit 1 when there are any"))
    .action(action(deps, state, async (opts: OutputOpts) => {
      const json = isJson(opts);
      const view = await openView(deps, program);
      const inv = await view.inventory();
      const d = driftOf(inv);
      if (json) {
        printJson(deps, { command: "drift", node: view.target.env.nodeName, source: inv.source, agentReachable: view.agent.reachable, ...d });
      } else {
        const paint = paintOf(deps);
        let text = unreachableNote(view, paint);
        text += d.drift.length === 0 ? "no drift\n" : renderTable(["RESOURCE", "DIFFERENCE"], d.drift.flatMap((x) => x.problems.map((p, i) => [i === 0 ? x.key : "", paint("red", p)])));
        text += d.orphans.length === 0 ? "no orphans\n" : renderTable(["KIND", "ORPHAN"], d.orphans.map((o) => [o.apiType.split("/")[1]!, paint("yellow", o.object)]));
        for (const e of d.errors) text += paint("red", `${e.apiType}: could not read: ${e.error}\n`);
        deps.out(text);
      }
      return d.drift.length > 0 || d.orphans.length > 0 || d.errors.length > 0 ? EXIT.problem : EXIT.ok;
    }));
}
