/**
 * Builds the nodectl program on injected dependencies and runs it to an exit code, so the
 * CLI and the tests run the very same commands (cmd/nodectl.ts only supplies the real ones).
 */
import { Command, CommanderError } from "commander";
import { readPackageVersion } from "../version.js";
import { registerConsole } from "./console.js";
import { registerDoctor } from "./doctor.js";
import { registerDrift } from "./drift.js";
import { registerEvents } from "./events.js";
import { registerGc } from "./gc.js";
import { registerInspect } from "./inspect.js";
import { EXIT, type NodectlDeps, type RunState } from "./io.js";
import { registerLs } from "./ls.js";
import { registerStatus } from "./status.js";

/** The program with every subcommand registered; its actions record their exit code in `state`. */
export function buildNodectl(deps: NodectlDeps, state: RunState): Command {
  const program = new Command("nodectl")
    .description("Node-local view of the humops agent: works when NATS or the controller is down (docs/nodectl.md).")
    .version(readPackageVersion())
    .option("--config <file>", "the agent's config file (selects which agent); default: the agent with data in /var/lib/humops")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: deps.out, writeErr: deps.err });
  for (const register of [registerStatus, registerLs, registerInspect, registerDrift, registerEvents, registerConsole, registerDoctor, registerGc]) {
    register(program, deps, state);
  }
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: deps.out, writeErr: deps.err });
  return program;
}

/** Runs nodectl with `args` (without node and script) and resolves with its exit code. */
export async function runNodectl(args: readonly string[], deps: NodectlDeps): Promise<number> {
  const state: RunState = { exitCode: EXIT.ok };
  try {
    await buildNodectl(deps, state).parseAsync([...args], { from: "user" });
  } catch (e: unknown) {
    if (e instanceof CommanderError) {
      const help = e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help";
      return help ? EXIT.ok : EXIT.usage;
    }
    throw e;
  }
  return state.exitCode;
}
