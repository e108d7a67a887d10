/**
 * Gathers what `humops plan` compares (CONTRACT.md §3): the head revision's files, the base
 * (default: the status branch's `Manifests-Commit`, else nothing), the applied state (an
 * observed JSON file, a status ref, or else the base revision's valid resources) and the head
 * commit's message. Adapter: reads the repository and files; the planning itself is pure.
 */
import { existsSync } from "node:fs";
import type { AppliedResource } from "../diff/types.js";
import type { ManifestFile } from "../manifest/types.js";
import { appliedFromDesired } from "../plan/applied-from-desired.js";
import type { Planner } from "../plan/planner.js";
import { readObservedFile } from "./read-observed-file.js";
import { openRepo, readCommitMessage, readRevisionFiles, resolveRevision, WORKTREE, type RepoHandle } from "./read-revision.js";
import { readAppliedCommit, readStatusApplied } from "./read-status.js";

/** The base spelling for "nothing applied". */
export const EMPTY = "EMPTY";

/** Flags of `humops plan`, as given. */
export interface PlanSourceOptions {
  readonly repo?: string;
  readonly base?: string;
  readonly head?: string;
  readonly observed?: string;
  readonly path?: string;
  readonly statusBranch?: string;
}

/** Everything a plan is computed from. */
export interface PlanSource {
  readonly base: string | undefined;
  readonly head: string;
  readonly files: readonly ManifestFile[];
  readonly applied: readonly AppliedResource[];
  readonly commitMessage: string;
}

async function resolveBase(repo: RepoHandle, opts: PlanSourceOptions): Promise<string | undefined> {
  if (opts.base === EMPTY) return undefined;
  if (opts.base !== undefined) return opts.base === WORKTREE ? WORKTREE : resolveRevision(repo, opts.base);
  return readAppliedCommit(repo, opts.statusBranch);
}

async function readApplied(repo: RepoHandle, opts: PlanSourceOptions, base: string | undefined, planner: Planner): Promise<AppliedResource[]> {
  if (opts.observed !== undefined) {
    return existsSync(opts.observed) ? readObservedFile(opts.observed) : readStatusApplied(repo, opts.observed);
  }
  if (base === undefined) return [];
  const files = await readRevisionFiles(repo, base, { path: opts.path ?? "", isCached: (p, b) => planner.isCached(p, b) });
  return appliedFromDesired(planner.load(files), base === WORKTREE ? undefined : base);
}

/** Reads the head files, the base and the applied state. Throws (with the cause) when a revision or file cannot be read. */
export async function readPlanSource(opts: PlanSourceOptions, planner: Planner): Promise<PlanSource> {
  const repo = openRepo(opts.repo ?? ".");
  const head = opts.head === WORKTREE ? WORKTREE : await resolveRevision(repo, opts.head ?? "HEAD");
  const base = await resolveBase(repo, opts);
  const applied = await readApplied(repo, opts, base, planner);
  const files = await readRevisionFiles(repo, head, { path: opts.path ?? "", isCached: (p, b) => planner.isCached(p, b) });
  const commitMessage = head === WORKTREE ? "" : await readCommitMessage(repo, head);
  return { base, head, files, applied, commitMessage };
}
