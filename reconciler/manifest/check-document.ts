/**
 * Validates one parsed document: dispatch on `meta.apiType` (with a clear error when it is
 * missing or unknown), the kind's JSON Schema (schemas/validators.ts), then the quantities the
 * schema can only check by shape (sizes and vCPUs must parse and not be zero). Pure.
 */
import { KINDS, NODE_API_TYPE, type ApiType } from "../../schemas/kinds.js";
import { parseBytes, parseVcpus } from "../../schemas/quantity.js";
import { validateDocument, validateNodeDeclaration, type SchemaIssue, type ValidationResult } from "../../schemas/validators.js";
import { closestMatch } from "./closest-match.js";
import type { DiagnosticCode } from "./codes.js";

/** One problem of a document, located by JSON pointer (mapped to a line and column by the caller). */
export interface DocumentIssue {
  readonly code: DiagnosticCode;
  readonly pointer: string;
  /** Point at the key rather than the value (unknown keys). */
  readonly atKey: boolean;
  readonly message: string;
}

type QuantityKind = "bytes" | "vcpus";

/** The quantity fields of each kind, under `spec`. */
const QUANTITY_FIELDS: Partial<Record<ApiType, readonly (readonly [string, QuantityKind])[]>> = {
  "systemv0/blockstorage": [["requestSize", "bytes"], ["limitSize", "bytes"]],
  "systemv0/virtualmachine": [
    ["requestVcpus", "vcpus"],
    ["limitVcpus", "vcpus"],
    ["requestMemory", "bytes"],
    ["limitMemory", "bytes"],
  ],
};

const API_TYPES = Object.keys(KINDS) as ApiType[];

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function checkApiType(doc: Record<string, unknown>): DocumentIssue | undefined {
  const meta = asRecord(doc["meta"]);
  if (meta === undefined) {
    const pointer = "meta" in doc ? "/meta" : "";
    const message = "every manifest needs a `meta` mapping with at least `apiType` and `id`";
    return { code: "MISSING_META", pointer, atKey: true, message };
  }
  const apiType = meta["apiType"];
  if (apiType === undefined || apiType === null || apiType === "") {
    const message = `add \`meta.apiType\`, one of: ${API_TYPES.join(", ")}`;
    return { code: "MISSING_API_TYPE", pointer: "/meta", atKey: true, message };
  }
  if (typeof apiType === "string" && (Object.hasOwn(KINDS, apiType) || apiType === NODE_API_TYPE)) return undefined;
  const guess = typeof apiType === "string" ? closestMatch(apiType, API_TYPES) : undefined;
  const hint = guess ? `did you mean ${guess}? ` : "";
  const message = `unknown apiType ${JSON.stringify(apiType)}; ${hint}known apiTypes: ${API_TYPES.join(", ")}`;
  return { code: "UNKNOWN_API_TYPE", pointer: "/meta/apiType", atKey: false, message };
}

/** Keywords that reject a key itself (an unknown or forbidden key, e.g. a `humops/` typo). */
const UNKNOWN_KEY_KEYWORDS = new Set(["additionalProperties", "unevaluatedProperties", "false schema"]);

function codeOfKeyword(keyword: string): DiagnosticCode {
  if (UNKNOWN_KEY_KEYWORDS.has(keyword)) return "UNKNOWN_FIELD";
  if (keyword === "required") return "MISSING_FIELD";
  return "SCHEMA";
}

/**
 * A JSON pointer as people read a field: `/spec/nics/0/ipv4Address` gives
 * `spec.nics[0].ipv4Address`, `/meta/annotations/a~1b` gives `meta.annotations["a/b"]`.
 */
export function fieldPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const token = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (/^[0-9]+$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(token)) out += out === "" ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
  }
  return out;
}

function checkQuantity(value: unknown, kind: QuantityKind): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined; // the schema reports the type
  if (kind === "vcpus") {
    const r = parseVcpus(value);
    return r.ok ? undefined : r.message;
  }
  const r = parseBytes(value);
  if (!r.ok) return r.message;
  return r.bytes === 0 ? "a size of 0 is not allowed; give at least 1 byte, e.g. 1G" : undefined;
}

function checkQuantities(apiType: ApiType, doc: Record<string, unknown>): DocumentIssue[] {
  const spec = asRecord(doc["spec"]);
  const fields = QUANTITY_FIELDS[apiType];
  if (!spec || !fields) return [];
  const issues: DocumentIssue[] = [];
  for (const [field, kind] of fields) {
    const problem = field in spec ? checkQuantity(spec[field], kind) : undefined;
    if (problem) issues.push({ code: "BAD_QUANTITY", pointer: `/spec/${field}`, atKey: false, message: `spec.${field}: ${problem}` });
  }
  return issues;
}

function schemaIssues(doc: Record<string, unknown>, validate: (doc: unknown) => ValidationResult<unknown> = validateDocument): DocumentIssue[] {
  const result = validate(doc);
  if (result.ok) return [];
  return result.errors.map((e: SchemaIssue) => {
    const code = codeOfKeyword(e.keyword);
    // A missing key points at its parent's key (`meta:`); an unknown key at itself.
    const atKey = code !== "SCHEMA" || e.keyword === "propertyNames";
    const field = fieldPath(e.pointer);
    return { code, pointer: e.pointer, atKey, message: field === "" ? e.message : `${field}: ${e.message}` };
  });
}

const MISSING_KEY = /missing required key "([^"]+)"/;

/**
 * Drops "missing required key K" when an unknown key beside it is a typo of K (`limitSzie`):
 * the unknown-key issue already says "did you mean K?", one error is enough.
 */
function dropTypoMissing(issues: readonly DocumentIssue[]): DocumentIssue[] {
  const unknownByParent = new Map<string, string[]>();
  for (const i of issues) {
    if (i.code !== "UNKNOWN_FIELD") continue;
    const cut = i.pointer.lastIndexOf("/");
    const parent = i.pointer.slice(0, cut);
    unknownByParent.set(parent, [...(unknownByParent.get(parent) ?? []), i.pointer.slice(cut + 1).replaceAll("~1", "/").replaceAll("~0", "~")]);
  }
  return issues.filter((i) => {
    const missing = i.code === "MISSING_FIELD" ? MISSING_KEY.exec(i.message)?.[1] : undefined;
    if (missing === undefined) return true;
    return !(unknownByParent.get(i.pointer) ?? []).some((u) => closestMatch(u, [missing]) === missing);
  });
}

/**
 * Every problem of one document (a mapping); an empty list means it is valid. A quantity that
 * does not parse is reported once, as BAD_QUANTITY with the parser's words, instead of the
 * schema's pattern error at the same place.
 */
export function checkDocument(doc: Record<string, unknown>): DocumentIssue[] {
  const apiTypeIssue = checkApiType(doc);
  if (apiTypeIssue) return [apiTypeIssue];
  if ((doc["meta"] as Record<string, unknown>)["apiType"] === NODE_API_TYPE) return dropTypoMissing(schemaIssues(doc, validateNodeDeclaration));
  const apiType = (doc["meta"] as Record<string, unknown>)["apiType"] as ApiType;
  const quantities = checkQuantities(apiType, doc);
  const quantityPointers = new Set(quantities.map((q) => q.pointer));
  return [...dropTypoMissing(schemaIssues(doc)).filter((i) => !quantityPointers.has(i.pointer)), ...quantities];
}
