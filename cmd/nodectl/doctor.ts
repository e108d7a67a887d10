/** `nodectl doctor`: every prerequisite the drivers need, with a fix for each; exit 1 when a required one fails. */
import type { Command } from "commander";
import { runDoctor, type DoctorResult } from "../../node-agent/diag/doctor.js";
import { renderTable, type Paint } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, openView, paintOf, printJson, unreachableNote, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** The human form of the checks. */
export function renderDoctor(checks: readonly DoctorResult[], paint: Paint): string {
  const mark = (c: DoctorResult): string => (c.ok ? paint("green", "ok") : c.required ? paint("red", "FAIL") : paint("yellow", "warn"));
  return renderTable(["CHECK", "RESULT", "DETAIL", "FIX"], checks.map((c) => [c.name, mark(c), c.detail, c.ok ? "" : c.fix ?? ""]));
}

/** Registers `doctor`. */
export function registerDoctor(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("doctor").description("checks binaries, accelerator, kernel, devices, directories, Ceph, NATS and clock; exit 1 when something needed is missing"))
    .action(action(deps, state, async (opts: OutputOpts) => {
      const json = isJson(opts);
      const view = await openView(deps, program);
      const checks = await runDoctor({ target: view.target, runner: view.ctx.runner, ...(view.agent.reachable ? { status: view.agent.status } : {}) });
      const ok = checks.every((c) => c.ok || !c.required);
      if (json) printJson(deps, { command: "doctor", node: view.target.env.nodeName, ok, checks });
      else deps.out(unreachableNote(view, paintOf(deps)) + renderDoctor(checks, paintOf(deps)));
      return ok ? EXIT.ok : EXIT.problem;
    }));
}
