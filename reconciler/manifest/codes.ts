/**
 * The stable diagnostic codes of the manifest loader (documented in docs/manifests.md). Tests
 * and tooling match on these, never on message text.
 */
export const DIAGNOSTIC_CODES = {
  FILE_TOO_LARGE: "the file is larger than the loader reads",
  TOO_MANY_DOCUMENTS: "the file holds more YAML documents than the loader accepts",
  YAML_SYNTAX: "the YAML does not parse",
  YAML_TAB_INDENT: "a tab is used for indentation (YAML allows spaces only)",
  YAML_DUPLICATE_KEY: "a mapping holds the same key twice",
  YAML_ALIAS_LIMIT: "aliases expand too much (alias bomb)",
  YAML_BAD_ALIAS: "an alias names an anchor that is not defined before it",
  YAML_NON_STRING_KEY: "a mapping key is not a scalar",
  YAML_WARNING: "the YAML parser warns (e.g. an unknown tag)",
  NOT_A_MAPPING: "a document is not a mapping (a list or a scalar)",
  MISSING_META: "a document has no `meta` mapping",
  MISSING_API_TYPE: "`meta.apiType` is missing",
  UNKNOWN_API_TYPE: "`meta.apiType` is not a kind humops knows",
  UNKNOWN_FIELD: "a key that the kind does not have (typo protection)",
  MISSING_FIELD: "a required key is missing",
  SCHEMA: "a value does not match the kind's schema (type, pattern, enum, range...)",
  BAD_QUANTITY: "a size or vCPU quantity does not parse, or is zero",
  DUPLICATE_ID: "two documents declare the same resource identity",
} as const;

/** A diagnostic code of the loader. */
export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** The loader's limits: each protects the controller from a hostile or broken tree. */
export const LOAD_LIMITS = {
  /** Largest file read, in bytes (4 MiB). */
  maxFileBytes: 4 * 1024 * 1024,
  /** Most YAML documents in one file. */
  maxDocumentsPerFile: 1000,
  /** Most alias expansions in one document (yaml's `maxAliasCount`): alias bombs fail fast. */
  maxAliasCount: 100,
} as const;
