#!/usr/bin/env node
/**
 * The `humops` CLI: composition root. Each subcommand lives in cmd/commands/<name>.ts and
 * registers itself on the program; this file only wires them together.
 *
 * Only the module of the subcommand being run is loaded (all of them for help): an agent
 * process then never loads the controller's git and planning code, which keeps its memory
 * down (bench/vm.bench.ts measures the agent's RSS).
 */
import { Command } from "commander";
import { readPackageVersion } from "./version.js";

type Register = (program: Command) => void;

const COMMANDS: Record<string, () => Promise<Register>> = {
  validate: async () => (await import("./commands/validate.js")).registerValidate,
  plan: async () => (await import("./commands/plan.js")).registerPlan,
  controller: async () => (await import("./commands/controller.js")).registerController,
  agent: async () => (await import("./commands/agent.js")).registerAgent,
  up: async () => (await import("./commands/up.js")).registerUp,
  status: async () => (await import("./commands/status.js")).registerStatus,
};

const program = new Command("humops")
  .description("A small IaaS run the GitOps way: humstack manifests in git, a controller, node agents over NATS.")
  .version(readPackageVersion())
  .showHelpAfterError();

const requested = process.argv[2];
const names = requested !== undefined && Object.hasOwn(COMMANDS, requested) ? [requested] : Object.keys(COMMANDS);
for (const name of names) (await COMMANDS[name]!())(program);

await program.parseAsync(process.argv);
