/**
 * `nodectl ls` and `nodectl drift` as pure functions of the inventory: one row per resource
 * (its last command beside what the host has), whether the two agree, and the list of
 * differences and orphans.
 */
import type { ApiType } from "../../schemas/kinds.js";
import type { ObservedResource, ResourceCommand } from "../../schemas/protocol-types.js";
import type { NodeInventory } from "./inventory.js";

/** One resource as `ls` shows it. */
export interface ResourceRow {
  readonly key: string;
  readonly apiType: ApiType;
  readonly id: string;
  /** Generation of the last command; undefined for a resource found on the host without one. */
  readonly desiredGeneration?: number;
  /** The state the last command asks for (Available, Running, Stopped, Active...). */
  readonly desiredState?: string;
  /** What the host has now; `Missing` when nothing was found. */
  readonly observedState: string;
  readonly observedGeneration?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly drift: readonly string[];
  /** True when the host matches the last command. */
  readonly agree: boolean;
  /** A running operation's progress as the driver reports it (a download: phase, doneBytes, totalBytes). */
  readonly progress?: Readonly<Record<string, unknown>>;
}

/** A difference `drift` reports. */
export interface DriftItem {
  readonly key: string;
  readonly apiType: ApiType;
  /** What differs, one line each. */
  readonly problems: readonly string[];
}

/** An orphan as `drift` reports it. */
export interface OrphanItem {
  readonly apiType: ApiType;
  readonly object: string;
}

const OK_STATES: Readonly<Record<string, readonly string[]>> = {
  "systemv0/network": ["Available"],
  "systemv0/virtualrouter": ["Running"],
  "systemv0/blockstorage": ["Active", "Used"],
  "systemv0/imageentity": ["Available"],
};

/** The states that mean "as declared" for a command (a VM's follow its actionState). */
export function desiredStates(cmd: ResourceCommand): readonly string[] {
  if (cmd.apiType === "systemv0/virtualmachine") return cmd.spec["actionState"] === "PowerOff" ? ["Stopped"] : ["Running"];
  return OK_STATES[cmd.apiType] ?? ["Available"];
}

function rowOf(cmd: ResourceCommand | undefined, o: ObservedResource | undefined): ResourceRow {
  const key = (cmd?.key ?? o?.key)!;
  const drift = [...(o?.drift ?? [])];
  if (!o && cmd) drift.push("not found on the host");
  if (o && cmd && o.reason === "NotFound") drift.push("not found on the host");
  if (o && !cmd) drift.push("on the host but no command declares it");
  const wanted = cmd ? desiredStates(cmd) : [];
  const genOk = !o || o.generation === undefined || cmd === undefined || o.generation === cmd.generation;
  if (o && cmd && !genOk) drift.push(`generation ${o.generation} applied, ${cmd.generation} declared`);
  const agree = !!o && !!cmd && wanted.includes(o.state) && genOk && drift.length === 0 && o.reason !== "NotFound";
  return {
    key,
    apiType: (cmd?.apiType ?? o?.apiType)!,
    id: cmd?.id ?? key.slice(key.lastIndexOf("/") + 1),
    ...(cmd ? { desiredGeneration: cmd.generation, desiredState: wanted[0]! } : {}),
    observedState: o?.state ?? "Missing",
    ...(o?.generation !== undefined ? { observedGeneration: o.generation } : {}),
    ...(o?.reason !== undefined ? { reason: o.reason } : {}),
    ...(o?.message !== undefined ? { message: o.message } : {}),
    drift,
    agree,
    ...(isRecord(o?.details["progress"]) ? { progress: o!.details["progress"] } : {}),
  };
}

function isRecord(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every resource of the inventory (declared or found), sorted by key; `apiType` filters. */
export function resourceRows(inv: NodeInventory, apiType?: ApiType): ResourceRow[] {
  const observed = new Map<string, ObservedResource>();
  for (const k of inv.kinds) for (const r of k.resources) observed.set(r.key, r);
  const keys = new Set<string>([...inv.known.map((c) => c.key), ...observed.keys()]);
  const cmds = new Map(inv.known.map((c) => [c.key as string, c]));
  return [...keys]
    .sort()
    .map((k) => rowOf(cmds.get(k), observed.get(k)))
    .filter((r) => apiType === undefined || r.apiType === apiType);
}

/** What differs from the last commands, and the orphans, from an inventory. */
export function driftOf(inv: NodeInventory): { drift: DriftItem[]; orphans: OrphanItem[]; errors: Array<{ apiType: ApiType; error: string }> } {
  const drift = resourceRows(inv)
    .filter((r) => !r.agree)
    .map((r) => ({
      key: r.key,
      apiType: r.apiType,
      problems: r.drift.length > 0 ? r.drift : [`state ${r.observedState}${r.reason ? ` (${r.reason}${r.message ? `: ${r.message}` : ""})` : ""}, want ${r.desiredState ?? "none"}`],
    }));
  const orphans = inv.kinds.flatMap((k) => k.orphans.map((o) => ({ apiType: k.apiType, object: o })));
  const errors = inv.kinds.flatMap((k) => (k.error !== undefined ? [{ apiType: k.apiType, error: k.error }] : []));
  return { drift, orphans, errors };
}

/** Resources per kind and state, e.g. `{ "systemv0/network": { Available: 2 } }`. */
export function countByState(rows: readonly ResourceRow[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const k = (out[r.apiType] ??= {});
    k[r.observedState] = (k[r.observedState] ?? 0) + 1;
  }
  return out;
}
