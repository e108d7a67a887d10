/**
 * Loads a manifests tree: parses each file (through the ParseCache when given), then assembles
 * the resources by identity. A duplicate identity is an error at every place that declares it;
 * the duplicated resource is kept out of `resources` and listed in `invalidKeys`, so what was
 * applied for it stays as it is (CONTRACT.md §2). Pure.
 */
import { displayName, parseResourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { ParseCache } from "./parse-cache.js";
import { parseManifestFile } from "./parse-manifest-file.js";
import type { DeclaredNode, DesiredResource, Diagnostic, FileResult, LoadResult, ManifestFile, ParsedDocument, SourcePos } from "./types.js";

/** Options of loadManifests. */
export interface LoadOptions {
  /** Reuse parses of unchanged files (by blobId and path). */
  readonly cache?: ParseCache;
}

interface Declaration {
  readonly doc: ParsedDocument;
  readonly path: string;
}

function place(p: SourcePos): string {
  return `${p.file}:${p.line}:${p.column}`;
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

function parseAll(files: readonly ManifestFile[], cache: ParseCache | undefined): FileResult[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sorted.map((file) => {
    const cached = cache?.get(file);
    if (cached) return cached;
    const result = parseManifestFile(file);
    cache?.set(file, result);
    return result;
  });
}

function collectDeclarations(results: readonly FileResult[]): Map<ResourceKey, Declaration[]> {
  const byKey = new Map<ResourceKey, Declaration[]>();
  for (const r of results) {
    for (const doc of r.documents) {
      if (!doc.key) continue;
      const list = byKey.get(doc.key);
      if (list) list.push({ doc, path: r.path });
      else byKey.set(doc.key, [{ doc, path: r.path }]);
    }
  }
  return byKey;
}

function duplicateDiagnostics(decls: readonly Declaration[], resource: string): Diagnostic[] {
  return decls.map((d) => {
    const others = decls.filter((o) => o !== d).map((o) => place(o.doc.source));
    return {
      severity: "error",
      code: "DUPLICATE_ID",
      ...d.doc.source,
      resource,
      message: `declared more than once: also at ${others.join(", ")}; keep one declaration (or change meta.id)`,
    };
  });
}

/** The valid `systemv0/node` documents by name; a node declared twice is an error at each place (and used from neither). */
function declaredNodes(results: readonly FileResult[], diagnostics: Diagnostic[], failedFiles: Set<string>): Map<string, DeclaredNode> {
  const byName = new Map<string, { node: DeclaredNode; path: string; doc: ParsedDocument }[]>();
  for (const r of results) for (const doc of r.documents) if (doc.node) byName.set(doc.node.name, [...(byName.get(doc.node.name) ?? []), { node: doc.node, path: r.path, doc }]);
  const out = new Map<string, DeclaredNode>();
  for (const [name, decls] of byName) {
    if (decls.length === 1) {
      out.set(name, decls[0]!.node);
      continue;
    }
    diagnostics.push(...duplicateDiagnostics(decls.map((d) => ({ doc: d.doc, path: d.path })), `systemv0/node ${name}`));
    for (const d of decls) failedFiles.add(d.path);
  }
  return out;
}

/**
 * Loads every file (any order; results are sorted by path) into valid resources, diagnostics
 * sorted by place, the files that failed and the identities of invalid documents. Never throws.
 */
export function loadManifests(files: readonly ManifestFile[], opts: LoadOptions = {}): LoadResult {
  const results = parseAll(files, opts.cache);
  const diagnostics: Diagnostic[] = results.flatMap((r) => r.diagnostics);
  const failedFiles = new Set(results.filter((r) => r.failed).map((r) => r.path));
  const resources = new Map<ResourceKey, DesiredResource>();
  const invalidKeys = new Set<ResourceKey>();
  for (const [key, decls] of collectDeclarations(results)) {
    if (decls.length > 1) {
      const ref = parseResourceKey(key);
      diagnostics.push(...duplicateDiagnostics(decls, ref ? displayName(ref) : key));
      for (const d of decls) failedFiles.add(d.path);
      invalidKeys.add(key);
      continue;
    }
    const resource = decls[0]!.doc.resource;
    if (resource) resources.set(key, resource);
    else invalidKeys.add(key);
  }
  const nodes = declaredNodes(results, diagnostics, failedFiles);
  diagnostics.sort(compareDiagnostics);
  return { resources, diagnostics, failedFiles, invalidKeys, ...(nodes.size > 0 ? { nodes } : {}) };
}
