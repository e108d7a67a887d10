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

/**
 * A node declared for maintenance (a `systemv0/node` document, CONTRACT.md §6.2, issue #14).
 * Not a resource: nothing is built for it; placement and status read it.
 */
export interface DeclaredNode {
  /** The node's name (meta.id). */
  readonly name: string;
  /** `humops/cordon: "true"` (or drain): place nothing new there. */
  readonly cordon: boolean;
  /** `humops/drain: "true"`: move what can move off it (not built yet: only cordons). */
  readonly drain: boolean;
  readonly source: SourcePos;
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
  /** Nodes declared for maintenance, by name (absent: none declared). */
  readonly nodes?: ReadonlyMap<string, DeclaredNode>;
}

/**
 * One manifest file as read from a tree (working directory or git commit). `path` is relative
 * to the manifests root, with `/`. `blobId` (a git blob sha, or any content hash) lets a
 * ParseCache reuse the file's parse; `sizeBytes`, when the reader knows the file is larger than
 * it is willing to read, carries the real size so the loader reports it (then `text` is empty).
 */
export interface ManifestFile {
  readonly path: string;
  readonly text: string;
  readonly blobId?: string;
  readonly sizeBytes?: number;
}

/** One YAML document of a file, after parsing and validation. */
export interface ParsedDocument {
  /** 0-based index of the document in its file (empty documents count). */
  readonly index: number;
  /** Where the document starts (its `meta` key, else its first node). */
  readonly source: SourcePos;
  /** The identity, whenever `meta` names one (valid document or not). */
  readonly key?: ResourceKey;
  /** The resource, only when the document is valid. */
  readonly resource?: DesiredResource;
  /** A valid `systemv0/node` document (it has no resource key). */
  readonly node?: DeclaredNode;
}

/**
 * What parsing and validating ONE file gives: a pure function of (path, text), so it may be
 * cached by blob id. `failed` is true when the file did not parse or a document is invalid.
 */
export interface FileResult {
  readonly path: string;
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
  readonly failed: boolean;
}
