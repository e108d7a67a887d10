#!/usr/bin/env node
/**
 * The `humops` CLI: composition root. Each subcommand lives in cmd/commands/<name>.ts and
 * registers itself on the program; this file only wires them together.
 */
import { Command } from "commander";
import { readPackageVersion } from "./version.js";
import { registerValidate } from "./commands/validate.js";
import { registerPlan } from "./commands/plan.js";
import { registerController } from "./commands/controller.js";
import { registerAgent } from "./commands/agent.js";
import { registerUp } from "./commands/up.js";
import { registerStatus } from "./commands/status.js";

const program = new Command("humops")
  .description("A small IaaS run the GitOps way: humstack manifests in git, a controller, node agents over NATS.")
  .version(readPackageVersion())
  .showHelpAfterError();

for (const register of [registerValidate, registerPlan, registerController, registerAgent, registerUp, registerStatus]) {
  register(program);
}

await program.parseAsync(process.argv);
