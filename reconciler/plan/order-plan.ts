/**
 * Orders changes (issue #3): deletes in reverse dependency order (a VM goes before its disk
 * and network), then creates and updates in dependency order (a disk before its VM), a replace
 * as a destroy and a later create. Kahn's algorithm over an explicit graph; among ready
 * changes, deletes first, then the humstack kind order, then the key, so the same input always
 * gives the same plan. Steps: a change's step is above every step it waits on and never below
 * the step before it, so changes with one step are independent and may run in parallel. Pure.
 */
import type { ApiType, ResourceKey } from "../../schemas/kinds.js";
import type { Change } from "../diff/types.js";
import { PlanCycleError } from "./errors.js";
import { MinHeap } from "./min-heap.js";
import type { ResourceRefs } from "./resource-refs.js";
import type { PlannedChange } from "./types.js";

/** The humstack README's order of kinds: the tie-break among changes that are ready together. */
export const KIND_ORDER: readonly ApiType[] = [
  "corev0/group",
  "corev0/namespace",
  "corev0/externalippool",
  "corev0/externalip",
  "systemv0/network",
  "systemv0/blockstorage",
  "systemv0/imageentity",
  "systemv0/image",
  "systemv0/virtualrouter",
  "systemv0/virtualmachine",
];

interface Op {
  readonly change: Change | undefined;
  readonly key: string;
  readonly destroy: boolean;
  readonly rank: number;
  readonly waitsOn: Op[];
  readonly blocks: Op[];
  pending: number;
  step: number;
}

function makeOp(change: Change | undefined, destroy: boolean, key: string, apiType: ApiType): Op {
  const rank = KIND_ORDER.indexOf(apiType);
  return { change, key, destroy, rank: destroy ? -rank : rank, waitsOn: [], blocks: [], pending: 0, step: 0 };
}

function link(from: Op | undefined, to: Op | undefined): void {
  if (!from || !to || from === to) return;
  to.waitsOn.push(from);
  from.blocks.push(to);
  to.pending++;
}

/** Ready-queue priority: barriers, then destroys, then applies; kind order; key. */
function less(a: Op, b: Op): boolean {
  const pa = a.change ? (a.destroy ? 1 : 2) : 0;
  const pb = b.change ? (b.destroy ? 1 : 2) : 0;
  if (pa !== pb) return pa < pb;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.key < b.key;
}

function buildOps(changes: readonly Change[]) {
  const applies = new Map<ResourceKey, Op>();
  const destroys = new Map<ResourceKey, Op>();
  const barriers = new Map<ApiType, Op>();
  for (const c of changes) {
    if (c.action === "delete" || c.action === "replace") destroys.set(c.key, makeOp(c, true, c.key, c.apiType));
    if (c.action !== "delete") applies.set(c.key, makeOp(c, false, c.key, c.apiType));
  }
  return { applies, destroys, barriers };
}

function linkAll(changes: readonly Change[], refs: ResourceRefs, ops: ReturnType<typeof buildOps>): void {
  const { applies, destroys, barriers } = ops;
  for (const d of destroys.values()) {
    const type = d.change!.apiType;
    if (!barriers.has(type)) barriers.set(type, makeOp(undefined, false, `barrier ${type}`, type));
    link(d, barriers.get(type));
  }
  for (const c of changes) {
    const apply = applies.get(c.key);
    if (apply) {
      for (const t of refs.ofDesired(c.key)) link(applies.get(t), apply);
      link(destroys.get(c.key), apply);
      link(barriers.get(c.apiType), apply);
    }
    if (c.action === "create") continue;
    // A delete waits for what stops using it: the user's own delete, or its update that drops
    // the reference. A user that keeps the reference (its target is replaced) re-points to the
    // new target after the target's create instead.
    const keeps = new Set(refs.ofDesired(c.key));
    for (const t of refs.ofApplied(c.key)) {
      if (destroys.has(c.key)) link(destroys.get(c.key), destroys.get(t));
      else if (!keeps.has(t)) link(apply, destroys.get(t));
    }
  }
}

/**
 * Orders `changes` (none of them blocked) into steps. Throws PlanCycleError when the graph has a
 * cycle (validation reports declared cycles first, so this means applied state had one).
 */
export function orderPlan(changes: readonly Change[], refs: ResourceRefs): PlannedChange[] {
  const ops = buildOps(changes);
  linkAll(changes, refs, ops);
  const all = [...ops.destroys.values(), ...ops.applies.values(), ...ops.barriers.values()];
  const ready = new MinHeap<Op>(less);
  for (const op of all) if (op.pending === 0) ready.push(op);
  const out: PlannedChange[] = [];
  let last = 1;
  let done = 0;
  for (let op = ready.pop(); op; op = ready.pop()) {
    done++;
    const after = Math.max(0, ...op.waitsOn.map((w) => w.step + 1));
    if (op.change) {
      op.step = Math.max(last, after, 1);
      last = op.step;
      out.push(toPlanned(op));
    } else op.step = Math.max(0, ...op.waitsOn.map((w) => w.step));
    for (const next of op.blocks) if (--next.pending === 0) ready.push(next);
  }
  if (done < all.length) throw new PlanCycleError(all.filter((o) => o.pending > 0 && o.change).map((o) => o.key).sort());
  return out;
}

function toPlanned(op: Op): PlannedChange {
  const c = op.change!;
  if (c.action !== "replace") return { ...c, step: op.step };
  return { ...c, step: op.step, phase: op.destroy ? "destroy" : "create" };
}
