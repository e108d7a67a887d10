/**
 * Reads `humops plan --observed FILE`: a JSON array of AppliedResources, or a map from key to
 * AppliedResource. Each entry needs `apiType` and either `key` or `id` (+ `group`,
 * `namespace` per scope). Adapter (node:fs).
 */
import { readFile } from "node:fs/promises";
import { isApiType, resourceKey } from "../../schemas/kinds.js";
import type { AppliedResource } from "../diff/types.js";

/** The observed-state file cannot be used (not JSON, or an entry without identity). */
export class ObservedFileError extends Error {
  override readonly name = "ObservedFileError";
  readonly code = "OBSERVED_FILE" as const;
  readonly path: string;
  constructor(message: string, path: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function opt(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** `source.file` (observed JSON) or `source.path` (status files): the manifest last applied from. */
function sourceOf(v: unknown): { file: string; commit?: string } | undefined {
  if (!isRecord(v)) return undefined;
  const file = opt(v["file"]) ?? opt(v["path"]);
  if (file === undefined) return undefined;
  const commit = opt(v["commit"]);
  return commit === undefined ? { file } : { file, commit };
}

/** Normalises one observed/status entry to an AppliedResource; throws naming what is missing. */
export function toAppliedResource(v: unknown, keyHint?: string): AppliedResource {
  if (!isRecord(v)) throw new Error("an observed entry is not an object");
  const apiType = v["apiType"];
  if (!isApiType(apiType)) throw new Error(`an observed entry has no known apiType (${JSON.stringify(apiType)})`);
  const id = opt(v["id"]);
  const key = opt(v["key"]) ?? (id ? resourceKey({ apiType, id, group: opt(v["group"]), namespace: opt(v["namespace"]) }) : keyHint);
  if (!key || !key.startsWith(`${apiType}/`)) throw new Error(`an observed ${apiType} entry has neither a key nor an id`);
  const source = sourceOf(v["source"]);
  const out: Record<string, unknown> = {
    key,
    apiType,
    state: typeof v["state"] === "string" ? v["state"] : "Unknown",
    details: isRecord(v["details"]) ? v["details"] : {},
  };
  if (isRecord(v["spec"])) out["spec"] = v["spec"];
  if (opt(v["node"])) out["node"] = v["node"];
  if (source) out["source"] = source;
  if (isRecord(v["annotations"])) out["annotations"] = v["annotations"];
  if (typeof v["generation"] === "number") out["generation"] = v["generation"];
  return out as unknown as AppliedResource;
}

/** Reads and normalises an observed JSON file. Throws ObservedFileError (with the file name) when it is not one. */
export async function readObservedFile(file: string): Promise<AppliedResource[]> {
  try {
    const data: unknown = JSON.parse(await readFile(file, "utf8"));
    if (Array.isArray(data)) return data.map((d) => toAppliedResource(d));
    if (isRecord(data)) return Object.entries(data).map(([k, d]) => toAppliedResource(d, k));
    throw new Error("expected an array or an object");
  } catch (e: unknown) {
    throw new ObservedFileError(`${file}: ${(e as Error).message}`, file, { cause: e });
  }
}
