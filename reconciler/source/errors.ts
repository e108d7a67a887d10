/**
 * Errors of the manifest source adapters.
 */

/** A manifests tree (or one of its files) could not be read. Transient or operator error: retry, never treat as empty. */
export class ManifestTreeError extends Error {
  override readonly name = "ManifestTreeError";
  readonly code = "MANIFEST_TREE_UNREADABLE";
  readonly path: string;

  constructor(path: string, options?: ErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot read the manifests tree at ${path}${why}`, options);
    this.path = path;
  }
}
