/**
 * The Planner the controller keeps between rounds (issue #3, "Incremental"): it owns the
 * ParseCache, so planning a revision that changed one file re-parses that one file. Pure:
 * the caller reads the files (with their git blob ids) and the applied state.
 */
import { loadManifests } from "../manifest/load-manifests.js";
import { ParseCache } from "../manifest/parse-cache.js";
import type { LoadResult, ManifestFile } from "../manifest/types.js";
import type { AppliedResource } from "../diff/types.js";
import type { ResourceKey } from "../../schemas/kinds.js";
import { indexApplied, type DiffMemo } from "../diff/diff-resources.js";
import { buildPlan } from "./build-plan.js";
import { allowsMassDelete } from "./trailers.js";
import type { Plan } from "./types.js";

/** One planning request. */
export interface PlanRequest {
  /** Every manifest file of the revision; a file whose blob is cached may have empty `text`. */
  readonly files: readonly ManifestFile[];
  readonly applied: readonly AppliedResource[];
  /** The head commit's message: its `Humops-Allow-Mass-Delete: yes` trailer lifts the guard. */
  readonly commitMessage?: string;
}

/** Plans revisions, reusing the parses of unchanged files. Not safe for concurrent calls. */
export class Planner {
  readonly #cache = new ParseCache();
  readonly #diffMemo: DiffMemo = new Map();
  #appliedList: readonly AppliedResource[] | undefined;
  #appliedIndex: ReadonlyMap<ResourceKey, AppliedResource> | undefined;
  #lastLoad: LoadResult | undefined;

  /** True when `path` at `blobId` is already parsed, so its text need not be read. */
  isCached(path: string, blobId: string): boolean {
    return this.#cache.get({ path, text: "", blobId }) !== undefined;
  }

  /** The load of the last plan (the valid resources, diagnostics, failed files). */
  get lastLoad(): LoadResult | undefined {
    return this.#lastLoad;
  }

  /** Loads `files` through the cache (e.g. the base revision, to use as applied state). */
  load(files: readonly ManifestFile[]): LoadResult {
    return loadManifests(files, { cache: this.#cache });
  }

  /**
   * Loads (through the cache), validates, diffs and orders. Pass the same `applied` array again
   * when it has not changed: its index is reused. Throws only PlanCycleError.
   */
  plan(req: PlanRequest): Plan {
    const load = this.load(req.files);
    // Bound the cache without rebuilding its key set on every round.
    if (this.#cache.size > req.files.length * 1.5 + 16) this.#cache.retain(req.files);
    this.#lastLoad = load;
    if (this.#appliedList !== req.applied) {
      this.#appliedList = req.applied;
      this.#appliedIndex = indexApplied(req.applied);
    }
    const appliedIndex = this.#appliedIndex!;
    const allowMassDelete = allowsMassDelete(req.commitMessage ?? "");
    return buildPlan({ load, applied: req.applied, appliedIndex, allowMassDelete, diffMemo: this.#diffMemo });
  }
}
