/**
 * Desired versus applied for one resource (issue #3): create, update (the fields that differ),
 * replace (a field that cannot change in place, or a move to another node), delete, or
 * nothing. Pure.
 */
import { parseResourceKey, type ApiType, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { diffFields } from "./field-diff.js";
import { forcesReplace, isSystemFilled, needsRestart, NODE_ANNOTATIONS } from "./kind-rules.js";
import type { AppliedResource, Change, FieldChange } from "./types.js";

/** humops' own annotations: read by the planner, never applied to the host, so never drift. */
export const HUMOPS_ANNOTATION_PREFIX = "humops/";
/** `humops/deletion-policy: Retain` keeps a disk's data when its manifest goes. */
export const DELETION_POLICY = "humops/deletion-policy";
/** `humops/restart-policy: Auto` lets a running VM restart by itself for an update. */
export const RESTART_POLICY = "humops/restart-policy";
/** `humops/restart-requested-at`: a changed value reboots the running VM in place (docs/vms.md). */
export const RESTART_REQUESTED_AT = "humops/restart-requested-at";
/** The status detail where the agent records the last restart request it handled. */
export const LAST_HANDLED_RESTART = "lastHandledRestartRequestedAt";

function appliedAnnotations(apiType: ApiType, a: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const node = NODE_ANNOTATIONS[apiType];
  for (const [k, v] of Object.entries(a ?? {})) if (!k.startsWith(HUMOPS_ANNOTATION_PREFIX) && k !== node) out[k] = v;
  return out;
}

/** The node a desired resource names (its `*v0/node_name` annotation), if any. */
export function desiredNode(d: { apiType: ApiType; meta: { annotations?: Readonly<Record<string, string>> } }): string | undefined {
  const ann = NODE_ANNOTATIONS[d.apiType];
  return ann ? d.meta.annotations?.[ann] : undefined;
}

function identity(key: ResourceKey, apiType: ApiType, id: string | undefined, group?: string, namespace?: string) {
  const ref = parseResourceKey(key);
  const out: { key: ResourceKey; apiType: ApiType; id: string; group?: string; namespace?: string } = { key, apiType, id: id ?? ref?.id ?? "" };
  const g = group ?? ref?.group;
  const ns = namespace ?? ref?.namespace;
  if (g !== undefined) out.group = g;
  if (ns !== undefined) out.namespace = ns;
  return out;
}

/**
 * The restart request of a VM as a field change when it is not handled yet, like Flux's
 * requestedAt: the desired value against the last handled one (status details), else the
 * last applied annotation. A removed request asks nothing; unknown applied state asks nothing.
 */
function restartRequest(d: DesiredResource, a: AppliedResource): FieldChange | undefined {
  const want = d.meta.annotations?.[RESTART_REQUESTED_AT];
  if (d.apiType !== "systemv0/virtualmachine" || want === undefined) return undefined;
  const handled = a.details[LAST_HANDLED_RESTART];
  const old = typeof handled === "string" ? handled : a.annotations?.[RESTART_REQUESTED_AT];
  if (old === want || (typeof handled !== "string" && a.annotations === undefined)) return undefined;
  return { path: `meta.annotations.${RESTART_REQUESTED_AT}`, pointer: "/meta/annotations/humops~1restart-requested-at", ...(old !== undefined ? { old } : {}), new: want };
}

function changedFields(d: DesiredResource, a: AppliedResource): FieldChange[] {
  const opts = { isSystemFilled: (p: string) => isSystemFilled(d.apiType, p) };
  const fields: FieldChange[] = [];
  if (a.annotations !== undefined) {
    diffFields("/meta/annotations", appliedAnnotations(d.apiType, a.annotations), appliedAnnotations(d.apiType, d.meta.annotations), opts, fields);
  }
  // A status file may not record the spec: then only placement can be compared.
  if (a.spec !== undefined) diffFields("/spec", a.spec, d.spec, opts, fields);
  const want = desiredNode(d);
  if (want !== undefined && a.node !== undefined && want !== a.node) {
    fields.push({ path: "node", pointer: "/node", old: a.node, new: want, forcesReplace: true });
  }
  const request = restartRequest(d, a);
  if (request !== undefined) fields.push(request);
  return fields.map((f) => (f.forcesReplace || !forcesReplace(d.apiType, f.pointer, f.old, f.new) ? f : { ...f, forcesReplace: true }));
}

function updateOrReplace(d: DesiredResource, a: AppliedResource, fields: FieldChange[]): Change {
  const node = desiredNode(d) ?? a.node;
  const base = { ...identity(d.key, d.apiType, d.id, d.group, d.namespace), ...(node !== undefined ? { node } : {}), fields };
  if (fields.some((f) => f.forcesReplace)) return { ...base, action: "replace", destructive: true };
  const restart = a.state === "Running" && fields.some((f) => needsRestart(d.apiType, f.pointer));
  const auto = restart && d.meta.annotations?.[RESTART_POLICY] === "Auto";
  // A requested reboot happens only to a VM that runs and stays on; an automatic restart boots it anyway.
  const runs = a.state !== "Stopped" && d.spec["actionState"] !== "PowerOff";
  const reboot = !auto && runs && fields.some((f) => f.pointer === "/meta/annotations/humops~1restart-requested-at");
  const rebootNote = reboot ? { reboot: true } : {};
  if (!restart) return { ...base, action: "update", destructive: false, ...rebootNote };
  return { ...base, action: "update", destructive: false, restartRequired: !auto, ...(auto ? { autoRestart: true } : {}), ...rebootNote };
}

/** The delete of an applied resource; a Retain disk keeps its data and is not destructive. */
export function deleteChange(a: AppliedResource): Change {
  const retain = a.apiType === "systemv0/blockstorage" && a.annotations?.[DELETION_POLICY] === "Retain";
  const node = a.node !== undefined ? { node: a.node } : {};
  return { ...identity(a.key, a.apiType, undefined), ...node, action: "delete", fields: [], destructive: !retain, ...(retain ? { retain: true } : {}) };
}

/**
 * The change that turns `applied` into `desired`; undefined when they agree. Either side may
 * be undefined (create / delete), not both. Fields the system fills are not drift.
 */
export function diffResource(desired: DesiredResource | undefined, applied: AppliedResource | undefined): Change | undefined {
  if (desired === undefined) return applied === undefined ? undefined : deleteChange(applied);
  if (applied === undefined) {
    const node = desiredNode(desired);
    const id = identity(desired.key, desired.apiType, desired.id, desired.group, desired.namespace);
    return { ...id, ...(node !== undefined ? { node } : {}), action: "create", fields: [], destructive: false };
  }
  const fields = changedFields(desired, applied);
  return fields.length === 0 ? undefined : updateOrReplace(desired, applied, fields);
}
