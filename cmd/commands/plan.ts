/**
 * `humops plan`: the ordered change list between two revisions (CONTRACT.md §3). Composition
 * only: reconciler/git/ reads the revisions and the applied state, reconciler/plan/ plans and
 * renders. Exit 0 no change, 2 changes, 1 invalid tree, held mass deletion, or error.
 */
import type { Command } from "commander";
import { Option } from "commander";
import { readPlanSource, type PlanSourceOptions } from "../../reconciler/git/read-plan-source.js";
import { Planner } from "../../reconciler/plan/planner.js";
import { renderJson } from "../../reconciler/plan/render-json.js";
import { renderMarkdown } from "../../reconciler/plan/render-markdown.js";
import { renderText } from "../../reconciler/plan/render-text.js";
import type { Plan } from "../../reconciler/plan/types.js";

interface PlanOptions extends PlanSourceOptions {
  readonly format: "text" | "markdown" | "json";
}

/** Exit code of a plan: 1 invalid or a held mass deletion, 2 changes (or held ones), 0 nothing to do. */
export function planExitCode(plan: Plan): number {
  if (!plan.valid || plan.massDeletionBlocked) return 1;
  return plan.changes.length > 0 || plan.blocked.length > 0 ? 2 : 0;
}

async function runPlan(opts: PlanOptions): Promise<number> {
  const planner = new Planner();
  try {
    const src = await readPlanSource(opts, planner);
    const plan = planner.plan({ files: src.files, applied: src.applied, commitMessage: src.commitMessage });
    const revisions = { base: src.base, head: src.head };
    const color = process.stdout.isTTY === true && !process.env["NO_COLOR"];
    if (opts.format === "json") process.stdout.write(renderJson(plan, revisions));
    else if (opts.format === "markdown") process.stdout.write(renderMarkdown(plan, revisions));
    else process.stdout.write(renderText(plan, { ...revisions, color }));
    return planExitCode(plan);
  } catch (e: unknown) {
    console.error(`humops plan: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/** Registers `humops plan`. */
export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("the ordered change list between two revisions of a manifests repository")
    .option("--repo <dir>", "local repository (work tree or bare)", ".")
    .option("--base <rev>", "base revision as git takes it (main~2, HEAD^, origin/main, a tag, a short sha), WORKTREE or EMPTY (default: the status branch's Manifests-Commit, else EMPTY)")
    .option("--head <rev>", "head revision as git takes it (HEAD^, main~1, ...) or WORKTREE (the files on disk)", "HEAD")
    .option("--observed <file|ref>", "applied state: a JSON file of observed resources, or a revision of the status branch (status, origin/status~1; default: the base revision)")
    .option("--path <dir>", "manifests path inside the repository", "")
    .option("--status-branch <name>", "status branch that records the applied commit", "status")
    .addOption(new Option("--format <format>", "output format").choices(["text", "markdown", "json"]).default("text"))
    .action(async (opts: PlanOptions) => {
      process.exitCode = await runPlan(opts);
    });
}
