/**
 * nodectl's wire protocol on the agent's unix socket: JSON lines. The client writes one
 * request line, the agent answers with one response line carrying the same `id`. The socket
 * is mode 0600 in the agent's data dir, so only root (the agent's user) can connect.
 */
import type { NodeInventory } from "./inventory.js";
import type { AgentStatusSnapshot } from "./agent-status.js";
import type { GcReport } from "./gc.js";

/** Bumped on an incompatible change; both sides send it. */
export const DIAG_PROTOCOL_VERSION = 1;

/** The methods and what each answers. */
export interface DiagMethods {
  status: { params: Record<string, never>; result: AgentStatusSnapshot };
  inventory: { params: Record<string, never>; result: NodeInventory };
  gc: { params: { dryRun: boolean }; result: GcReport };
}

/** A method name. */
export type DiagMethod = keyof DiagMethods;

/** Every method name, for validation. */
export const DIAG_METHODS: readonly DiagMethod[] = ["status", "inventory", "gc"];

/** One request line. */
export interface DiagRequest<M extends DiagMethod = DiagMethod> {
  readonly v: number;
  readonly id: number;
  readonly method: M;
  readonly params: DiagMethods[M]["params"];
}

/** One response line. */
export type DiagResponse<M extends DiagMethod = DiagMethod> =
  | { readonly v: number; readonly id: number; readonly ok: true; readonly result: DiagMethods[M]["result"] }
  | { readonly v: number; readonly id: number; readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** Parses one request line; undefined when it is not a request of this protocol. */
export function parseDiagRequest(line: string): DiagRequest | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r["id"] !== "number" || !DIAG_METHODS.includes(r["method"] as DiagMethod)) return undefined;
  const params = typeof r["params"] === "object" && r["params"] !== null ? r["params"] : {};
  return { v: typeof r["v"] === "number" ? r["v"] : 0, id: r["id"], method: r["method"] as DiagMethod, params } as DiagRequest;
}
