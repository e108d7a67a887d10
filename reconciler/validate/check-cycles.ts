/**
 * Dependency cycles (issue #3): the plan builds a resource after everything it references, so
 * a cycle of references (an image whose entity is made from a disk built from that image)
 * can never be built. Every member of a cycle gets an error naming the whole cycle. Pure.
 */
import { displayName, type ApiType, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import type { ValidationContext } from "./context.js";
import { referencesOfDesired, type Reference } from "./references.js";

/**
 * Only these kinds can be on a cycle: nothing references a VM, a router, an external IP or a
 * network, and groups, namespaces and pools reference nothing but their scope. A cycle needs
 * a BaseImage disk -> image -> imageentity -> disk loop.
 */
const CYCLE_KINDS: ReadonlySet<ApiType> = new Set(["systemv0/blockstorage", "systemv0/image", "systemv0/imageentity"]);

function isFromImage(r: DesiredResource): boolean {
  const from = r.spec["from"];
  return typeof from === "object" && from !== null && (from as Record<string, unknown>)["type"] === "BaseImage";
}

/** The references among cycle-capable resources (targets that exist): the graph a cycle can be in. */
export function dependencyEdges(resources: ReadonlyMap<ResourceKey, DesiredResource>): Map<ResourceKey, Reference[]> {
  const out = new Map<ResourceKey, Reference[]>();
  for (const [key, r] of resources) {
    if (!CYCLE_KINDS.has(r.apiType) || (r.apiType === "systemv0/blockstorage" && !isFromImage(r))) continue;
    const refs = referencesOfDesired(r).filter((x) => x.target !== key && CYCLE_KINDS.has(x.targetApiType) && resources.has(x.target));
    if (refs.length > 0) out.set(key, refs);
  }
  return out;
}

/** Strongly connected components with more than one member (or a self loop), each sorted. Tarjan. */
export function findCycles(edges: ReadonlyMap<ResourceKey, readonly { target: ResourceKey }[]>): ResourceKey[][] {
  let counter = 0;
  const index = new Map<ResourceKey, number>();
  const low = new Map<ResourceKey, number>();
  const stack: ResourceKey[] = [];
  const onStack = new Set<ResourceKey>();
  const cycles: ResourceKey[][] = [];
  const visit = (v: ResourceKey): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { target: w } of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: ResourceKey[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      scc.push(w);
    }
    if (scc.length > 1) cycles.push(scc);
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Orders a cycle's members along its edges, starting at the smallest key, for the message. */
function cyclePath(members: readonly ResourceKey[], edges: ReadonlyMap<ResourceKey, readonly Reference[]>): ResourceKey[] {
  const set = new Set(members);
  const start = [...members].sort()[0]!;
  const path = [start];
  for (let cur = start; ; ) {
    const next = (edges.get(cur) ?? []).map((e) => e.target).filter((t) => set.has(t) && (t === start || !path.includes(t)));
    const pick = next.find((t) => t !== start) ?? next[0];
    if (pick === undefined || pick === start) break;
    path.push(pick);
    cur = pick;
  }
  return [...path, start];
}

/** Reports every dependency cycle on each of its members, at the field that closes the loop. */
export function checkCycles(ctx: ValidationContext): void {
  const edges = dependencyEdges(ctx.resources);
  for (const members of findCycles(edges)) {
    const path = cyclePath(members, edges);
    const text = path.map((k) => { const r = ctx.resources.get(k)!; return displayName(r); }).join(" -> ");
    for (const key of [...members].sort()) {
      const res = ctx.resources.get(key)!;
      const ref = (edges.get(key) ?? []).find((e) => members.includes(e.target));
      ctx.report(res, ref?.pointer ?? "/meta", "DEPENDENCY_CYCLE", `dependency cycle: ${text}; nothing in a cycle can be built first: break it by changing one of these references`);
    }
  }
}
