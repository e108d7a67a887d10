import type { Command } from "commander";

/** Registers `humops agent` (placeholder until its issue lands). */
export function registerAgent(program: Command): void {
  program
    .command("agent")
    .description("(agent: arriving with its issue)")
    .allowUnknownOption()
    .action(() => {
      console.error("humops agent: not available in this build yet");
      process.exitCode = 1;
    });
}
