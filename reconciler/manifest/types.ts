/**
 * What the manifest loader produces and the declarative core consumes: plain data.
 */
import type { ApiType, ResourceKey } from "../../schemas/kinds.js";

/** A place in a manifests tree. `line` and `column` are 1-based; `file` is relative to the manifests root, with `/`. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** An error or warning about the manifests, always with a place and (when known) the resource. */
export interface Diagnostic extends SourcePos {
  readonly severity: "error" | "warning";
  /** Stable code for tests and tooling, e.g. `SCHEMA`, `YAML_PARSE`, `DUPLICATE_ID`, `UNKNOWN_REFERENCE`. */
  readonly code: string;
  /** `apiType group/namespace/id` (kinds.ts displayName), or undefined when the document has no identity. */
  readonly resource?: string;
  /** What is wrong and what to change. */
  readonly message: string;
}

/** The `meta` block of a manifest, as humstack has it. */
export interface Meta {
  readonly apiType: ApiType;
  readonly id: string;
  readonly name?: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

/** One valid declared resource. `spec` is the document's spec, checked against the kind's schema. */
export interface DesiredResource {
  readonly key: ResourceKey;
  readonly apiType: ApiType;
  readonly id: string;
  readonly group?: string;
  readonly namespace?: string;
  readonly meta: Meta;
  readonly spec: Readonly<Record<string, unknown>>;
  /** Where the document starts (its `meta` key). */
  readonly source: SourcePos;
  /**
   * Positions of the document's nodes by JSON pointer (`/spec/nics/0/ipv4Address`), so later
   * checks can point at the offending field. Missing pointers fall back to `source`.
   */
  readonly positions: Readonly<Record<string, readonly [line: number, column: number]>>;
}

/** A manifests tree after loading: valid resources, every diagnostic, and which files failed. */
export interface LoadResult {
  readonly resources: ReadonlyMap<ResourceKey, DesiredResource>;
  readonly diagnostics: readonly Diagnostic[];
  /**
   * Files that failed to parse, or held a document that failed validation. What these files
   * declared before must never be deleted or replaced (CONTRACT.md §2).
   */
  readonly failedFiles: ReadonlySet<string>;
  /** Identities (keys) that could still be read from invalid documents, so they keep their last applied state. */
  readonly invalidKeys: ReadonlySet<ResourceKey>;
}
