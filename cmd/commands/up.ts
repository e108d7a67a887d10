import type { Command } from "commander";

/** Registers `humops up` (placeholder until its issue lands). */
export function registerUp(program: Command): void {
  program
    .command("up")
    .description("(up: arriving with its issue)")
    .allowUnknownOption()
    .action(() => {
      console.error("humops up: not available in this build yet");
      process.exitCode = 1;
    });
}
