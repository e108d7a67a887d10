/**
 * The diff's vocabulary: what is applied (observed), and a change of one resource with the
 * fields that differ. Plain data.
 */
import type { ApiType, ResourceKey } from "../../schemas/kinds.js";
import type { ObservedResource } from "../../schemas/protocol-types.js";

/**
 * What is applied for one resource: what an agent reports (ObservedResource) plus what the
 * status branch records about where it came from. `source.file` is the manifest file it was
 * last applied from: when that file fails to load, the resource keeps its state (never deleted).
 * `annotations` are the last applied annotations (e.g. `humops/deletion-policy`).
 */
export interface AppliedResource extends ObservedResource {
  readonly source?: { readonly file: string; readonly commit?: string };
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A change's action (CONTRACT.md §3). */
export type Action = "create" | "update" | "replace" | "delete";

/** One field that differs: `path` for people (`spec.nics[0].ipv4Address`), `pointer` for tools. */
export interface FieldChange {
  readonly path: string;
  readonly pointer: string;
  /** The applied value (absent: the field was not set). */
  readonly old?: unknown;
  /** The desired value (absent: the field is removed). */
  readonly new?: unknown;
  /** True when this field cannot change in place (docs/plan.md, "replace fields"). */
  readonly forcesReplace?: boolean;
}

/** The change of one resource, before ordering. */
export interface Change {
  readonly key: ResourceKey;
  readonly action: Action;
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string;
  readonly namespace?: string;
  /** The node it runs on: the desired node annotation, else where it is applied. */
  readonly node?: string;
  readonly fields: readonly FieldChange[];
  /** Deletes data or a running thing: delete (unless retained) and replace. */
  readonly destructive: boolean;
  /** A VM update that only takes effect after a restart (the VM is Running). */
  readonly restartRequired?: boolean;
  /** The VM restarts by itself for this update (`humops/restart-policy: Auto`). */
  readonly autoRestart?: boolean;
  /** The running VM reboots in place for a new `humops/restart-requested-at` value (not a replace). */
  readonly reboot?: boolean;
  /** A delete that keeps the data (`humops/deletion-policy: Retain`). */
  readonly retain?: boolean;
}
