import type { Command } from "commander";

/** Registers `humops validate` (placeholder until its issue lands). */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("(validate: arriving with its issue)")
    .allowUnknownOption()
    .action(() => {
      console.error("humops validate: not available in this build yet");
      process.exitCode = 1;
    });
}
