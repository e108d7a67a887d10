import type { Command } from "commander";

/** Registers `humops status` (placeholder until its issue lands). */
export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("(status: arriving with its issue)")
    .allowUnknownOption()
    .action(() => {
      console.error("humops status: not available in this build yet");
      process.exitCode = 1;
    });
}
