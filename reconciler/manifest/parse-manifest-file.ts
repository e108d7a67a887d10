/**
 * Parses and validates ONE manifest file: a pure function of (path, text), so its result can be
 * cached by blob id (ParseCache). YAML 1.2 core schema, unique keys, bounded aliases, bounded
 * size and document count; every problem becomes a Diagnostic with file:line:column.
 */
import { LineCounter, parseAllDocuments, type Document, type YAMLError } from "yaml";
import type { DiagnosticCode } from "./codes.js";
import { LOAD_LIMITS } from "./codes.js";
import { checkDocument } from "./check-document.js";
import { readIdentity } from "./read-identity.js";
import { NODE_API_TYPE, type ResourceKey, type ResourceRef } from "../../schemas/kinds.js";
import type { DeclaredNode, Diagnostic, DesiredResource, FileResult, ManifestFile, Meta, ParsedDocument, SourcePos } from "./types.js";
import { positionFor, yamlToValue, type LineCol, type PositionIndex } from "./yaml-to-value.js";

const YAML_CODES: Readonly<Record<string, DiagnosticCode>> = {
  TAB_AS_INDENT: "YAML_TAB_INDENT",
  DUPLICATE_KEY: "YAML_DUPLICATE_KEY",
};

interface FileContext {
  readonly path: string;
  readonly lc: LineCounter;
  readonly diagnostics: Diagnostic[];
}

function diag(ctx: FileContext, at: LineCol, d: { code: DiagnosticCode; message: string; severity?: "error" | "warning"; resource?: string | undefined }): void {
  ctx.diagnostics.push({
    severity: d.severity ?? "error",
    code: d.code,
    file: ctx.path,
    line: at[0],
    column: at[1],
    ...(d.resource !== undefined ? { resource: d.resource } : {}),
    message: d.message,
  });
}

function at(ctx: FileContext, offset: number): LineCol {
  const { line, col } = ctx.lc.linePos(offset);
  return [Math.max(1, line), Math.max(1, col)];
}

function yamlMessage(e: YAMLError): string {
  // yaml's messages end with "at line L, column C" plus a source excerpt: the position is ours to print.
  return e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function reportYamlProblems(ctx: FileContext, doc: Document.Parsed): boolean {
  for (const e of doc.errors) {
    const message = e.code === "DUPLICATE_KEY" ? "duplicate key: a mapping holds this key twice; keep one" : e.code === "TAB_AS_INDENT" ? "tab used for indentation; YAML indents with spaces only" : `YAML syntax error: ${yamlMessage(e)}`;
    diag(ctx, at(ctx, e.pos[0]), { code: YAML_CODES[e.code] ?? "YAML_SYNTAX", message });
  }
  for (const w of doc.warnings) {
    diag(ctx, at(ctx, w.pos[0]), { code: "YAML_WARNING", severity: "warning", message: yamlMessage(w) });
  }
  return doc.errors.length > 0;
}

function isEmptyDocument(doc: Document.Parsed): boolean {
  const c = doc.contents as { value?: unknown; source?: unknown } | null;
  return c === null || (c.value === null && c.source === "");
}

function aliasValue(ctx: FileContext, doc: Document.Parsed): { value: unknown } | undefined {
  try {
    return { value: doc.toJS({ maxAliasCount: LOAD_LIMITS.maxAliasCount }) };
  } catch (e: unknown) {
    const text = e instanceof Error ? e.message : String(e);
    const bomb = /alias count/i.test(text);
    const message = bomb
      ? `aliases expand too much (limit: ${LOAD_LIMITS.maxAliasCount} alias expansions per document, nested aliases multiply): an alias bomb? write the values out`
      : `bad alias: ${text.split("\n")[0]}; define the anchor (&name) before using it (*name)`;
    diag(ctx, at(ctx, doc.range[0]), { code: bomb ? "YAML_ALIAS_LIMIT" : "YAML_BAD_ALIAS", message });
    return undefined;
  }
}

function toResource(value: Record<string, unknown>, id: { ref: ResourceRef; key: ResourceKey }, loc: { source: SourcePos; positions: PositionIndex }): DesiredResource {
  const { ref, key } = id;
  return {
    key,
    apiType: ref.apiType,
    id: ref.id,
    ...(ref.group !== undefined ? { group: ref.group } : {}),
    ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}),
    meta: value["meta"] as Meta,
    spec: (value["spec"] ?? {}) as Record<string, unknown>,
    source: loc.source,
    positions: loc.positions.values,
  };
}

function isNodeDocument(record: Record<string, unknown>): boolean {
  return (record["meta"] as Record<string, unknown> | undefined)?.["apiType"] === NODE_API_TYPE;
}

/** A valid node document as the controller reads it: drain implies cordon. */
function toDeclaredNode(record: Record<string, unknown>, source: SourcePos): DeclaredNode {
  const meta = record["meta"] as { id: string; annotations?: Record<string, string> };
  const drain = meta.annotations?.["humops/drain"] === "true";
  return { name: meta.id, cordon: drain || meta.annotations?.["humops/cordon"] === "true", drain, source };
}

function parseDocument(ctx: FileContext, doc: Document.Parsed, index: number): ParsedDocument | undefined {
  const hasYamlErrors = reportYamlProblems(ctx, doc);
  if (isEmptyDocument(doc)) return undefined;
  const walked = yamlToValue(doc.contents, ctx.lc);
  for (const p of walked.problems) diag(ctx, p.at, { code: p.code, message: p.message });
  const start = positionFor(walked.positions, "/meta", true) ?? at(ctx, doc.range[0]);
  const source: SourcePos = { file: ctx.path, line: start[0], column: start[1] };
  const value = walked.hasAlias ? aliasValue(ctx, doc)?.value : walked.value;
  if (value === undefined) return { index, source };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? "a list" : "a scalar";
    diag(ctx, start, { code: "NOT_A_MAPPING", message: `a manifest document must be a mapping with meta (and spec), not ${what}` });
    return { index, source };
  }
  const record = value as Record<string, unknown>;
  const identity = readIdentity(record);
  const withKey = { index, source, ...(identity.key ? { key: identity.key } : {}) };
  if (hasYamlErrors || walked.problems.length > 0) return withKey;
  const issues = checkDocument(record);
  for (const issue of issues) {
    const pos = positionFor(walked.positions, issue.pointer, issue.atKey) ?? start;
    diag(ctx, pos, { code: issue.code, message: issue.message, resource: identity.display });
  }
  if (issues.length === 0 && isNodeDocument(record)) return { ...withKey, node: toDeclaredNode(record, source) };
  if (issues.length > 0 || !identity.key || !identity.ref) return withKey;
  return { ...withKey, resource: toResource(record, { ref: identity.ref, key: identity.key }, { source, positions: walked.positions }) };
}

function byteLength(text: string): number {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count for files clearly small enough.
  return text.length * 3 <= LOAD_LIMITS.maxFileBytes ? text.length : Buffer.byteLength(text, "utf8");
}

/**
 * Parses and validates one file. Never throws: every problem is a diagnostic. `failed` is set
 * when the file does not parse or any of its documents is invalid; the documents that are
 * valid are still returned with their resource.
 */
export function parseManifestFile(file: ManifestFile): FileResult {
  const ctx: FileContext = { path: file.path, lc: new LineCounter(), diagnostics: [] };
  const size = file.sizeBytes ?? byteLength(file.text);
  if (size > LOAD_LIMITS.maxFileBytes) {
    const message = `file is ${size} bytes, larger than the limit of ${LOAD_LIMITS.maxFileBytes} bytes (4 MiB); split it into several files`;
    diag(ctx, [1, 1], { code: "FILE_TOO_LARGE", message });
    return { path: file.path, documents: [], diagnostics: ctx.diagnostics, failed: true };
  }
  const docs = parseAllDocuments(file.text, { lineCounter: ctx.lc, version: "1.2", schema: "core", uniqueKeys: true, merge: false, prettyErrors: false });
  const documents: ParsedDocument[] = [];
  for (const [index, doc] of docs.entries()) {
    if (index >= LOAD_LIMITS.maxDocumentsPerFile) {
      const message = `more than ${LOAD_LIMITS.maxDocumentsPerFile} YAML documents in one file; split it into several files`;
      diag(ctx, at(ctx, doc.range[0]), { code: "TOO_MANY_DOCUMENTS", message });
      break;
    }
    const parsed = parseDocument(ctx, doc, index);
    if (parsed) documents.push(parsed);
  }
  const failed = ctx.diagnostics.some((d) => d.severity === "error");
  return { path: file.path, documents, diagnostics: ctx.diagnostics, failed };
}
