#!/usr/bin/env node
/** The `nodectl` CLI: composition root for node-local diagnostics (issue #8). */
import { Command } from "commander";
import { readPackageVersion } from "./version.js";

const program = new Command("nodectl")
  .description("Node-local view of the humops agent: works when NATS or the controller is down.")
  .version(readPackageVersion())
  .option("--config <file>", "the agent's config file (selects which agent)")
  .showHelpAfterError();

await program.parseAsync(process.argv);
