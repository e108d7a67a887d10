import type { Command } from "commander";

/** Registers `humops plan` (placeholder until its issue lands). */
export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("(plan: arriving with its issue)")
    .allowUnknownOption()
    .action(() => {
      console.error("humops plan: not available in this build yet");
      process.exitCode = 1;
    });
}
