/**
 * Placement: which node(s) each node-level resource goes to. Pure.
 *
 * - An explicit `*v0/node_name` annotation wins.
 * - Otherwise the previous choice (from status) is kept: placement is sticky.
 * - VMs go to the least loaded ready node whose free vCPUs and memory (capacity minus what is
 *   already placed) fit the VM's requests; nothing fits -> Unschedulable, saying what each node lacks.
 * - Disks go beside the VM that uses them; image entities beside their source disk.
 * - Routers go to the least loaded ready node.
 * - A cordoned node (a `systemv0/node` document with `humops/cordon` or `humops/drain`, issue
 *   #14) is never chosen: what is already there stays (sticky, or named by an annotation).
 * - Networks go to every node that runs a VM or router using them (every ready node when unused).
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource, LoadResult } from "../manifest/types.js";
import type { NodeInfo } from "../bus/controller-bus.js";

/** Requested compute of a resource. */
export interface Requests {
  readonly vcpus: number;
  readonly memoryBytes: number;
}

/** Inputs of placeResources. */
export interface PlacementInput {
  readonly desired: readonly DesiredResource[];
  readonly nodes: readonly NodeInfo[];
  /** Previous placements (status), reused when still valid. */
  readonly previous: ReadonlyMap<ResourceKey, string>;
  /** A VM's requests (other kinds request nothing). */
  readonly requests: (r: DesiredResource) => Requests;
  /** Cordoned nodes -> why (where the manifests say so): never chosen for a new placement. */
  readonly cordoned?: ReadonlyMap<string, string>;
}

/** Where everything goes. */
export interface Placement {
  /** Node-level resources -> their node(s); networks may have several. */
  readonly nodes: ReadonlyMap<ResourceKey, readonly string[]>;
  /** Resources that could not be placed -> why (names each node and what it lacks). */
  readonly unschedulable: ReadonlyMap<ResourceKey, string>;
  /** Per node, what its VMs request. */
  readonly allocated: ReadonlyMap<string, Requests>;
}

const NODE_ANNOTATION: Readonly<Record<string, string>> = {
  "systemv0/virtualmachine": "virtualmachinev0/node_name",
  "systemv0/blockstorage": "blockstoragev0/node_name",
  "systemv0/virtualrouter": "virtualrouterv0/node_name",
};

/** The node a resource's manifest names, if any. */
export function annotatedNode(r: DesiredResource): string | undefined {
  const key = NODE_ANNOTATION[r.apiType];
  const v = key === undefined ? undefined : r.meta.annotations?.[key];
  return v === undefined || v === "" ? undefined : v;
}

const GiB = 1024 ** 3;
const fmtGiB = (b: number): string => `${(b / GiB).toFixed(b % GiB === 0 ? 0 : 2)} GiB`;

function sameScope(a: DesiredResource, b: DesiredResource): boolean {
  return a.group === b.group && a.namespace === b.namespace;
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Network ids a VM or router attaches to. */
export function nicNetworks(r: DesiredResource): string[] {
  return listOf(r.spec["nics"]).map((n) => (n as Record<string, unknown>)["networkID"]).filter((x): x is string => typeof x === "string");
}

class Ledger {
  readonly allocated = new Map<string, { vcpus: number; memoryBytes: number; count: number }>();
  readonly nodes: readonly NodeInfo[];
  readonly cordoned: ReadonlyMap<string, string>;
  constructor(nodes: readonly NodeInfo[], cordoned: ReadonlyMap<string, string> = new Map()) {
    this.nodes = nodes;
    this.cordoned = cordoned;
    for (const n of nodes) this.allocated.set(n.name, { vcpus: 0, memoryBytes: 0, count: 0 });
  }
  add(node: string, req: Requests): void {
    const a = this.allocated.get(node) ?? { vcpus: 0, memoryBytes: 0, count: 0 };
    this.allocated.set(node, { vcpus: a.vcpus + req.vcpus, memoryBytes: a.memoryBytes + req.memoryBytes, count: a.count + 1 });
  }
  free(n: NodeInfo): Requests {
    const a = this.allocated.get(n.name)!;
    return { vcpus: n.capacity.vcpus - a.vcpus, memoryBytes: n.capacity.memoryBytes - a.memoryBytes };
  }
  /** The least loaded ready node that fits `req`, or why none does. */
  pick(req: Requests): { node: string } | { why: string } {
    const reasons: string[] = [];
    const fits: NodeInfo[] = [];
    for (const n of [...this.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
      const f = this.free(n);
      if (!n.ready) reasons.push(`${n.name}: not ready`);
      else if (this.cordoned.has(n.name)) reasons.push(`${n.name}: ${this.cordoned.get(n.name)}`);
      else if (f.vcpus < req.vcpus) reasons.push(`${n.name}: needs ${req.vcpus} vCPU, ${Math.max(0, f.vcpus)} free`);
      else if (f.memoryBytes < req.memoryBytes) reasons.push(`${n.name}: needs ${fmtGiB(req.memoryBytes)} memory, ${fmtGiB(Math.max(0, f.memoryBytes))} free`);
      else fits.push(n);
    }
    const load = (n: NodeInfo): number => {
      const a = this.allocated.get(n.name)!;
      return Math.max(a.vcpus / Math.max(n.capacity.vcpus, 1), a.memoryBytes / Math.max(n.capacity.memoryBytes, 1)) + a.count * 1e-6;
    };
    const best = fits.sort((a, b) => load(a) - load(b) || a.name.localeCompare(b.name))[0];
    if (best !== undefined) return { node: best.name };
    return { why: reasons.length > 0 ? `no node fits: ${reasons.join("; ")}` : "no node has registered" };
  }
}

/** Decides where every node-level resource goes. Deterministic for the same input. */
export function placeResources(input: PlacementInput): Placement {
  const ledger = new Ledger(input.nodes, input.cordoned);
  const known = new Set(input.nodes.map((n) => n.name));
  const nodes = new Map<ResourceKey, string[]>();
  const unschedulable = new Map<ResourceKey, string>();
  const byKind = (t: string): DesiredResource[] => input.desired.filter((r) => r.apiType === t).sort((a, b) => a.key.localeCompare(b.key));
  const fixed = (r: DesiredResource): string | undefined => {
    const explicit = annotatedNode(r);
    if (explicit !== undefined) return explicit;
    const prev = input.previous.get(r.key);
    return prev !== undefined && known.has(prev) ? prev : undefined;
  };
  const place = (r: DesiredResource, req: Requests, fallback?: string): void => {
    const chosen = fixed(r) ?? fallback;
    if (chosen !== undefined) {
      ledger.add(chosen, req);
      nodes.set(r.key, [chosen]);
      return;
    }
    const res = ledger.pick(req);
    if ("node" in res) {
      ledger.add(res.node, req);
      nodes.set(r.key, [res.node]);
    } else unschedulable.set(r.key, res.why);
  };
  // Fixed VMs first so their load counts before the free ones are placed.
  const vms = byKind("systemv0/virtualmachine");
  for (const vm of [...vms.filter((v) => fixed(v) !== undefined), ...vms.filter((v) => fixed(v) === undefined)]) place(vm, input.requests(vm));
  for (const bs of byKind("systemv0/blockstorage")) {
    const user = vms.find((vm) => sameScope(vm, bs) && listOf(vm.spec["blockStorageIDs"]).includes(bs.id));
    place(bs, { vcpus: 0, memoryBytes: 0 }, user === undefined ? undefined : nodes.get(user.key)?.[0]);
  }
  for (const ie of byKind("systemv0/imageentity")) {
    const src = (ie.spec["source"] ?? {}) as Record<string, unknown>;
    const disk = input.desired.find((d) => d.apiType === "systemv0/blockstorage" && d.group === ie.group && d.namespace === src["namespace"] && d.id === src["blockStorageID"]);
    place(ie, { vcpus: 0, memoryBytes: 0 }, disk === undefined ? undefined : nodes.get(disk.key)?.[0]);
  }
  const routers = byKind("systemv0/virtualrouter");
  for (const vr of routers) place(vr, { vcpus: 0, memoryBytes: 0 });
  placeNetworks({ networks: byKind("systemv0/network"), users: [...vms, ...routers], nodes, ready: input.nodes.filter((n) => n.ready).map((n) => n.name) });
  const allocated = new Map([...ledger.allocated].map(([k, v]) => [k, { vcpus: v.vcpus, memoryBytes: v.memoryBytes }]));
  return { nodes, unschedulable, allocated };
}

function placeNetworks(o: { networks: DesiredResource[]; users: DesiredResource[]; nodes: Map<ResourceKey, string[]>; ready: string[] }): void {
  for (const net of o.networks) {
    const on = new Set<string>();
    for (const u of o.users) {
      if (!sameScope(u, net) || !nicNetworks(u).includes(net.id)) continue;
      for (const n of o.nodes.get(u.key) ?? []) on.add(n);
    }
    o.nodes.set(net.key, on.size > 0 ? [...on].sort() : [...o.ready].sort());
  }
}

/** The nodes the manifests cordon (or drain), with why, for placement's explanations and the node status. */
export function cordonedNodes(load: Pick<LoadResult, "nodes">): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of load.nodes?.values() ?? []) {
    if (n.cordon) out.set(n.name, `cordoned (${n.drain ? "humops/drain" : "humops/cordon"} at ${n.source.file}:${n.source.line})`);
  }
  return out;
}
