/**
 * Schema validation outcomes: the SchemaIssue shape every validator returns, the conversion
 * from ajv's raw errors into one useful issue per JSON pointer, and the error class callers
 * throw when a document they cannot do without (the agent config) is invalid.
 */
import type { ErrorObject } from "ajv";

/** One schema violation, ready for people. */
export interface SchemaIssue {
  /**
   * JSON pointer of the offending node, e.g. `/spec/nics/0/ipv4Address`; for an unknown key, the
   * pointer of that key itself (`/spec/limitSise`); for a missing key, its parent object.
   */
  readonly pointer: string;
  /** What is wrong and what to change, e.g. `unknown key "limitSise" (did you mean "limitSize"?)...`. */
  readonly message: string;
  /** The JSON Schema keyword that failed (`additionalProperties`, `pattern`, `enum`, ...), for tooling. */
  readonly keyword: string;
}

/** The outcome of a validation: the typed value, or every issue. Never thrown. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: SchemaIssue[] };

/** Thrown by callers that cannot go on with an invalid document; carries the issues. */
export class SchemaValidationError extends Error {
  override readonly name = "SchemaValidationError";
  readonly code = "SCHEMA_INVALID" as const;
  readonly issues: readonly SchemaIssue[];
  /** `what` names the document, e.g. `agent config /etc/humops/agent.yaml`. */
  constructor(what: string, issues: readonly SchemaIssue[], options?: ErrorOptions) {
    super(`${what} is invalid:\n${issues.map((i) => `  ${i.pointer || "/"}: ${i.message}`).join("\n")}`, options);
    this.issues = issues;
  }
}

/** Escapes one JSON pointer token (RFC 6901). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word` when it is plausibly a typo of it, else undefined. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const containing = candidates.filter((c) => {
    const l = c.toLowerCase();
    return lower.length >= 3 && (l.startsWith(lower) || lower.startsWith(l));
  });
  if (containing.length === 1) return containing[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const m = closestMatch(word, candidates);
  return m === undefined ? "" : ` (did you mean "${m}"?)`;
}

function show(data: unknown): string {
  if (data === null) return "null";
  if (Array.isArray(data)) return "a list";
  if (typeof data === "object") return "a mapping";
  if (typeof data === "string") return JSON.stringify(data.length > 60 ? `${data.slice(0, 57)}...` : data);
  return `${typeof data} ${String(data)}`;
}

/** Context for messages the schema alone cannot give. */
export interface IssueContext {
  /** The humops/ annotation keys allowed on the document's kind. */
  readonly humopsAnnotations?: readonly string[];
}

type SchemaObject = Record<string, unknown>;

function asObject(s: unknown): SchemaObject {
  return typeof s === "object" && s !== null ? (s as SchemaObject) : {};
}

function shape(e: ErrorObject): string | undefined {
  const m = asObject(e.parentSchema)["patternErrorMessage"];
  return typeof m === "string" ? m : undefined;
}

/** For meta.group / meta.namespace on a kind whose scope has no such part: why, from the meta schema's description. */
function scopeHint(e: ErrorObject, key: string): string {
  if (e.instancePath !== "/meta" || (key !== "group" && key !== "namespace")) return "";
  const description = asObject(e.parentSchema)["description"];
  const m = typeof description === "string" ? /is (?:cluster-wide|group-scoped): [^.]+/.exec(description) : null;
  return m ? ` (this kind ${m[0]}: remove it)` : "";
}

function unknownKey(e: ErrorObject): SchemaIssue {
  const key = String((e.params as { additionalProperty: string }).additionalProperty);
  const allowed = Object.keys(asObject(asObject(e.parentSchema)["properties"]));
  const list = allowed.length ? `; allowed keys: ${allowed.join(", ")}` : "; no keys are allowed here";
  return {
    pointer: `${e.instancePath}/${escapePointerToken(key)}`,
    message: `unknown key "${key}"${scopeHint(e, key) || didYouMean(key, allowed)}${list}`,
    keyword: e.keyword,
  };
}

function falseSchema(e: ErrorObject, ctx: IssueContext): SchemaIssue {
  const key = unescapeToken(e.instancePath.slice(e.instancePath.lastIndexOf("/") + 1));
  if (key.startsWith("humops/")) {
    const known = ctx.humopsAnnotations ?? [];
    const list = known.length ? `known on this kind: ${known.join(", ")}` : "this kind has none";
    const message = `unknown humops annotation "${key}"${didYouMean(key, known)}; ${list}`;
    return { pointer: e.instancePath, message, keyword: e.keyword };
  }
  return { pointer: e.instancePath, message: `"${key}" is not allowed here`, keyword: e.keyword };
}

function typeMessage(e: ErrorObject): string {
  const want = String((e.params as { type: string }).type).replace(",", " or ");
  const quote = want.includes("string") && typeof e.data !== "object" ? "; quote the value in YAML" : "";
  const noun = want === "object" ? "a mapping" : want === "array" ? "a list" : /^[aeiou]/.test(want) ? `an ${want}` : `a ${want}`;
  return `must be ${noun} (got ${show(e.data)})${quote}`;
}

function enumMessage(e: ErrorObject): string {
  const allowed = ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String);
  const hint = typeof e.data === "string" ? didYouMean(e.data, allowed) : "";
  return `must be one of ${allowed.join(", ")} (got ${show(e.data)})${hint}`;
}

function plainMessage(e: ErrorObject): string {
  const s = shape(e);
  switch (e.keyword) {
    case "type":
      return typeMessage(e);
    case "enum":
      return enumMessage(e);
    case "const":
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)} (got ${show(e.data)})`;
    case "pattern":
    case "format":
    case "not":
    case "anyOf":
    case "oneOf":
      return s ? `${show(e.data)} is not ${s}` : `${show(e.data)} ${e.message ?? "is invalid"}`;
    case "required":
      return `missing required key "${(e.params as { missingProperty: string }).missingProperty}"`;
    case "dependentRequired": {
      const p = e.params as { property: string; missingProperty: string };
      return `"${p.property}" needs "${p.missingProperty}" beside it: add "${p.missingProperty}" or remove "${p.property}"`;
    }
    default:
      return `${e.message ?? "is invalid"} (got ${show(e.data)})`;
  }
}

function invalidKeyName(e: ErrorObject, inner: ErrorObject | undefined): SchemaIssue {
  const name = String((e.params as { propertyName: string }).propertyName);
  const s = shape(inner ?? e);
  return {
    pointer: `${e.instancePath}/${escapePointerToken(name)}`,
    message: `key "${name}" is not valid${s ? `: use ${s}` : ""}`,
    keyword: "propertyNames",
  };
}

// Lower wins when several keywords fail at one pointer; `not` (the '..' check) last, as the
// pattern's message says more.
const RANK: Readonly<Record<string, number>> = { required: 1, type: 2, const: 3, enum: 4, not: 6 };

function rank(issue: SchemaIssue): number {
  return RANK[issue.keyword] ?? 5;
}

function dropBranchNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf");
  return errors.filter((e) => {
    if (e.keyword === "if") return false;
    return !unions.some((u) => u !== e && e.instancePath === u.instancePath && e.schemaPath.startsWith(`${u.schemaPath}/`));
  });
}

function toIssue(e: ErrorObject, all: readonly ErrorObject[], ctx: IssueContext): SchemaIssue | undefined {
  if (e.propertyName !== undefined) return undefined;
  if (e.keyword === "additionalProperties") return unknownKey(e);
  if (e.keyword === "false schema") return falseSchema(e, ctx);
  if (e.keyword === "propertyNames") {
    const name = (e.params as { propertyName: string }).propertyName;
    return invalidKeyName(e, all.find((i) => i.propertyName === name && i.instancePath === e.instancePath));
  }
  return { pointer: e.instancePath, message: plainMessage(e), keyword: e.keyword };
}

function missingKeysMessage(keys: readonly string[]): string {
  const quoted = keys.map((k) => `"${k}"`).join(", ");
  return keys.length === 1 ? `missing required key ${quoted}` : `missing required keys ${quoted}`;
}

/**
 * Missing keys per object, less those an unknown key beside them is a typo of (`limitSise`
 * for `limitSize`): the unknown-key issue already says "did you mean", one issue is enough.
 */
function missingKeys(errors: readonly ErrorObject[]): Map<string, string[]> {
  const missing = new Map<string, string[]>();
  const typos = new Set<string>();
  for (const e of errors) {
    if (e.keyword === "required") {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      missing.set(e.instancePath, [...(missing.get(e.instancePath) ?? []), key]);
    } else if (e.keyword === "additionalProperties") {
      const unknown = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(asObject(asObject(e.parentSchema)["properties"]));
      const meant = closestMatch(unknown, allowed);
      if (meant !== undefined) typos.add(`${e.instancePath}/${escapePointerToken(meant)}`);
    }
  }
  for (const [pointer, keys] of missing) {
    missing.set(pointer, [...new Set(keys)].filter((k) => !typos.has(`${pointer}/${escapePointerToken(k)}`)));
  }
  return missing;
}

/**
 * Turns ajv's errors (compiled with `allErrors` and `verbose`) into one issue per JSON pointer:
 * if/then and anyOf/oneOf branch noise is dropped, the missing keys of one object are merged
 * into one issue (minus those an unknown key beside them is a typo of), and when several
 * keywords fail at one pointer the most telling one (required, type, const, enum, then the
 * rest) is kept.
 */
export function toSchemaIssues(errors: readonly ErrorObject[], ctx: IssueContext = {}): SchemaIssue[] {
  const kept = dropBranchNoise(errors);
  const missing = missingKeys(kept);
  const byPointer = new Map<string, SchemaIssue>();
  for (const e of kept) {
    let issue = toIssue(e, errors, ctx);
    if (issue === undefined) continue;
    if (issue.keyword === "required") {
      const keys = missing.get(issue.pointer) ?? [];
      if (keys.length === 0) continue;
      issue = { ...issue, message: missingKeysMessage(keys) };
    }
    const seen = byPointer.get(issue.pointer);
    if (seen === undefined || rank(issue) < rank(seen)) byPointer.set(issue.pointer, issue);
  }
  return [...byPointer.values()];
}
