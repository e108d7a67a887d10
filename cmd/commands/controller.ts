import type { Command } from "commander";

/** Registers `humops controller` (placeholder until its issue lands). */
export function registerController(program: Command): void {
  program
    .command("controller")
    .description("(controller: arriving with its issue)")
    .allowUnknownOption()
    .action(() => {
      console.error("humops controller: not available in this build yet");
      process.exitCode = 1;
    });
}
