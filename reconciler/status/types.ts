/**
 * The controller's view of the cluster as the status branch shows it (CONTRACT.md §5):
 * plain data, rendered to files by render-status.ts and parsed back by parse-status.ts.
 */
import type { ApiType, ResourceKey } from "../../schemas/kinds.js";

/** A condition type of STYLE.md §2. Reconciling and Stalled appear only when True. */
export type ConditionType = "Ready" | "Reconciling" | "Stalled";

/** One condition, Flux style. `lastTransitionTime` changes only when `status` changes. */
export interface Condition {
  readonly type: ConditionType;
  readonly status: "True" | "False";
  /** PascalCase, e.g. `Applied`, `CommandFailed`, `Unschedulable`, `DriftCorrected`. */
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedCommit: string;
}

/** The status of one declared (or formerly declared) resource. */
export interface ResourceStatus {
  readonly key: ResourceKey;
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string;
  readonly namespace?: string;
  /** Manifest file (relative to the manifests path) and the commit it was read at. */
  readonly source: { readonly path: string; readonly commit: string };
  readonly observedCommit: string;
  /** humstack's state word: Active, Available, Running, Stopped, Pending, Error, Deleting. */
  readonly state: string;
  readonly ready: boolean;
  readonly conditions: readonly Condition[];
  /** The node it runs on (placed by the controller when the manifest names none); undefined for cluster-level kinds. */
  readonly node?: string;
  /** Increases whenever the desired spec changes (specHash); survives restarts through this file. */
  readonly generation: number;
  readonly specHash: string;
  /**
   * Which life of the resource (issue #11): minted when it first appears in the desired state
   * and again when it is declared after its deletion, like Kubernetes' metadata.uid. Command ids
   * include it; observed state of another incarnation is not shown. Absent in older files.
   */
  readonly incarnation?: string;
  /** Kind-specific observed details (MACs, bridge and tap names, disk path, pid). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** One node as the status branch shows it. */
export interface NodeStatus {
  readonly name: string;
  readonly address: string;
  readonly capacity: { readonly vcpus: number; readonly memoryBytes: number };
  readonly allocated: { readonly vcpus: number; readonly memoryBytes: number };
  readonly ready: boolean;
  /** When `ready` last changed. */
  readonly since: string;
  /** When the node counted as lost: NotReady for longer than the node-lost delay (issue #14); absent while ready or only NotReady. */
  readonly lostAt?: string;
  /** Why nothing new is placed there: `cordoned (humops/cordon at FILE:LINE)` (issue #14); absent: not cordoned. */
  readonly cordoned?: string;
}

/** Everything the status branch holds. */
export interface ClusterStatus {
  readonly manifestsCommit: string;
  readonly resources: ReadonlyMap<ResourceKey, ResourceStatus>;
  readonly nodes: ReadonlyMap<string, NodeStatus>;
  /** Manifest diagnostics of the round (errors make resources Stalled; shown in README.md). */
  readonly diagnostics: readonly { readonly file: string; readonly line: number; readonly column: number; readonly severity: string; readonly message: string }[];
}
