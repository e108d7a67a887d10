/**
 * A generated manifests tree for the scale benchmark (issue #11): `resources` networks, disks
 * and VMs (10 %, 45 %, 45 %) in namespaces of 100 resources, 10 namespaces per group, one file
 * per namespace. Every VM has its own disk and one of its namespace's 10 networks; half the
 * VMs are pinned to a node (`virtualmachinev0/node_name`), the other half are placed by the
 * controller. Groups and namespaces come on top of `resources`.
 */

/** The shape of a generated tree. */
export interface ScaleTree {
  /** path -> YAML text. */
  readonly files: Record<string, string>;
  /** Networks + disks + VMs. */
  readonly resources: number;
  readonly vms: number;
  /** One VM per namespace file, the one a one-file change edits: [path, VM id]. */
  readonly probes: ReadonlyArray<{ readonly path: string; readonly vmKey: string }>;
}

const PER_NS = { networks: 10, disks: 45, vms: 45 } as const;
const NS_PER_GROUP = 10;

const network = (g: string, ns: string, id: string, n: number): string =>
  `meta:\n  apiType: systemv0/network\n  id: ${id}\n  group: ${g}\n  namespace: ${ns}\n  annotations:\n    networkv0/network_type: Bridge\nspec:\n  id: "${(n % 4000) + 1}"\n  ipv4CIDR: 10.${(n >> 8) & 255}.${n & 255}.0/24\n`;

const disk = (g: string, ns: string, id: string): string =>
  `meta:\n  apiType: systemv0/blockstorage\n  id: ${id}\n  group: ${g}\n  namespace: ${ns}\n  annotations:\n    blockstoragev0/type: Local\nspec:\n  requestSize: 1G\n  limitSize: 1G\n  from:\n    type: Empty\n`;

interface VmDoc { g: string; ns: string; id: string; disk: string; net: string; ip: string; node: string | undefined; memoryM: number }
const vm = (v: VmDoc): string =>
  `meta:\n  apiType: systemv0/virtualmachine\n  id: ${v.id}\n  group: ${v.g}\n  namespace: ${v.ns}\n` +
  (v.node !== undefined ? `  annotations:\n    virtualmachinev0/node_name: ${v.node}\n` : "") +
  `spec:\n  requestVcpus: 1000m\n  limitVcpus: 1000m\n  requestMemory: ${v.memoryM}M\n  limitMemory: ${v.memoryM}M\n  blockStorageIDs:\n    - ${v.disk}\n` +
  `  nics:\n    - networkID: ${v.net}\n      ipv4Address: ${v.ip}\n  actionState: PowerOff\n`;

/** Node name of simulated agent `i` (bench/lib/sim-agents.ts names them so). */
export const simNode = (i: number): string => `sim-${i}`;

/**
 * The tree for `resources` (rounded down to whole namespaces, at least one) over `agents` nodes.
 * `memoryOf(nsIndex)` sets the probe VM's memory of a namespace (a one-file change flips it).
 */
export function scaleTree(resources: number, agents: number, memoryOf: (ns: number) => number = () => 256): ScaleTree {
  const namespaces = Math.max(1, Math.floor(resources / 100));
  const files: Record<string, string> = {};
  const probes: { path: string; vmKey: string }[] = [];
  for (let n = 0; n < namespaces; n++) {
    const g = `g${Math.floor(n / NS_PER_GROUP)}`;
    const ns = `ns${n}`;
    const docs: string[] = [];
    if (n % NS_PER_GROUP === 0) docs.push(`meta:\n  apiType: corev0/group\n  id: ${g}\n`);
    docs.push(`meta:\n  apiType: corev0/namespace\n  id: ${ns}\n  group: ${g}\n`);
    for (let k = 0; k < PER_NS.networks; k++) docs.push(network(g, ns, `net${k}`, n * PER_NS.networks + k));
    for (let k = 0; k < PER_NS.disks; k++) docs.push(disk(g, ns, `bs${k}`));
    for (let k = 0; k < PER_NS.vms; k++) {
      const net = k % PER_NS.networks;
      const node = k % 2 === 0 ? simNode((n * 7 + k) % agents) : undefined;
      docs.push(vm({ g, ns, id: `vm${k}`, disk: `bs${k}`, net: `net${net}`, ip: `10.${((n * PER_NS.networks + net) >> 8) & 255}.${(n * PER_NS.networks + net) & 255}.${10 + k}`, node, memoryM: k === 0 ? memoryOf(n) : 256 }));
    }
    const path = `${g}/${ns}.yaml`;
    files[path] = docs.join("---\n");
    probes.push({ path, vmKey: `systemv0/virtualmachine/${g}/${ns}/vm0` });
  }
  return { files, resources: namespaces * 100, vms: namespaces * PER_NS.vms, probes };
}
