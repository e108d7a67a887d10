/**
 * Network namespaces as fake nodes for real-host tests. Every namespace is named
 * `${testTag()}-${name}`, so parallel test processes never clash; links are created directly
 * inside the namespaces (`ip -n NS link add ... peer ... netns OTHER`), so the machine's own
 * namespace never holds, even briefly, an object of ours. Everything is deleted by `cleanup()`,
 * and by an exit handler if the test dies first.
 */
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../node-agent/host/host-runner.js";
import type { RunResult } from "../../node-agent/host/host-runner.js";
import { testTag } from "./test-tag.js";
import { deleteNetnsSync, onExitCleanup } from "./exit-cleanup.js";

export { snapshotHost, findLeaks, assertNoLeaks, HostLeakError } from "./leak-guard.js";
export type { HostSnapshot, Leak, LeakOptions } from "./leak-guard.js";
export { testTag } from "./test-tag.js";

const root = new SpawnRunner();

/** A fake node: one network namespace, with a runner that executes inside it. */
export interface NodeHandle {
  /** The short name given by the test (`node1`). */
  readonly name: string;
  /** The real namespace name (`${tag}-node1`). */
  readonly netns: string;
  /** A HostRunner running every command inside the namespace: hand it to the code under test. */
  readonly runner: SpawnRunner;
  /** Underlay interfaces added by linkNodes/createTopology: device name and `addr/prefix`. */
  readonly underlay: Array<{ dev: string; cidr: string }>;
  /** Runs argv inside the namespace; a non-zero exit is data. */
  exec(argv: readonly [string, ...string[]]): Promise<RunResult>;
  /** Runs argv inside the namespace; throws CommandFailedError on a non-zero exit. */
  execChecked(argv: readonly [string, ...string[]]): Promise<RunResult>;
  /** Kills the processes inside the namespace and deletes it; idempotent. */
  cleanup(): Promise<void>;
}

/** The namespace name for a node name: validated so that it cannot smuggle options into `ip`. */
function netnsNameFor(name: string): string {
  if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) {
    throw new RangeError(`node name ${JSON.stringify(name)}: want [a-z][a-z0-9]{0,9}`);
  }
  return `${testTag()}-${name}`;
}

/** Kills (SIGKILL) what runs inside `ns`, then deletes it. Missing namespaces are fine. */
async function deleteNetns(ns: string): Promise<void> {
  const pids = await root.run({ argv: ["ip", "netns", "pids", ns] });
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await root.run({ argv: ["ip", "netns", "del", ns] });
}

/**
 * Creates a node: a network namespace with `lo` up.
 * Throws CommandFailedError when the namespace cannot be created (not root, name taken).
 */
export async function createNode(name: string): Promise<NodeHandle> {
  const netns = netnsNameFor(name);
  await runChecked(root, { argv: ["ip", "netns", "add", netns] });
  const release = onExitCleanup(() => deleteNetnsSync(netns), { leakName: `netns ${netns}` });
  const runner = new SpawnRunner({ netns });
  let done = false;
  const node: NodeHandle = {
    name,
    netns,
    runner,
    underlay: [],
    exec: (argv) => runner.run({ argv }),
    execChecked: (argv) => runChecked(runner, { argv }),
    async cleanup() {
      if (done) return;
      done = true;
      await deleteNetns(netns);
      release();
    },
  };
  try {
    await node.execChecked(["ip", "link", "set", "lo", "up"]);
  } catch (e) {
    await node.cleanup();
    throw e;
  }
  return node;
}

/** Addresses of a point-to-point underlay link. */
export interface LinkAddresses {
  /** Address of node a, e.g. `198.18.0.1`. */
  readonly addrA: string;
  /** Address of node b, e.g. `198.18.0.2`. */
  readonly addrB: string;
  /** Prefix length, e.g. 24. */
  readonly prefix: number;
}

/**
 * Joins two nodes with a veth pair (the underlay), addresses it and sets both ends up.
 * Device names are `ul0`, `ul1`... in each node. Multicast works on it (vxlan group mode).
 * Returns the two device names. Throws CommandFailedError if `ip` refuses.
 */
export async function linkNodes(a: NodeHandle, b: NodeHandle, addrs: LinkAddresses): Promise<{ devA: string; devB: string }> {
  const devA = `ul${a.underlay.length}`;
  const devB = `ul${b.underlay.length}`;
  await runChecked(root, {
    argv: ["ip", "-n", a.netns, "link", "add", devA, "type", "veth", "peer", "name", devB, "netns", b.netns],
  });
  await upWithAddress(a, devA, `${addrs.addrA}/${addrs.prefix}`);
  await upWithAddress(b, devB, `${addrs.addrB}/${addrs.prefix}`);
  return { devA, devB };
}

async function upWithAddress(node: NodeHandle, dev: string, cidr: string): Promise<void> {
  await node.execChecked(["ip", "addr", "add", cidr, "dev", dev]);
  await node.execChecked(["ip", "link", "set", dev, "up"]);
  node.underlay.push({ dev, cidr });
}

/** What createTopology builds. */
export interface TopologySpec {
  /** Node names, `[a-z][a-z0-9]{0,9}`. */
  readonly nodes: readonly string[];
  /**
   * The shared underlay: every node gets `ul0` on one L2 segment (a bridge with multicast
   * snooping off, in a switch namespace), addressed `${base}.${i + 1}/24`.
   * Default `{ base: "198.18.0" }`.
   */
  readonly underlay?: { readonly base: string };
}

/** Nodes on one underlay segment. */
export interface Topology {
  /** The nodes in the order given. */
  readonly nodes: readonly NodeHandle[];
  /** A node by its short name; throws RangeError for an unknown name. */
  node(name: string): NodeHandle;
  /** The underlay address (without prefix) of a node. */
  addressOf(name: string): string;
  /** Deletes every namespace (nodes and switch); idempotent, never throws for missing ones. */
  cleanup(): Promise<void>;
}

/**
 * Creates `spec.nodes` as namespaces on one shared underlay segment (works for any number of
 * nodes, and multicast reaches every node). On failure, everything made so far is removed.
 */
export async function createTopology(spec: TopologySpec): Promise<Topology> {
  const base = spec.underlay?.base ?? "198.18.0";
  const made: NodeHandle[] = [];
  const cleanup = async (): Promise<void> => {
    for (const n of [...made].reverse()) await n.cleanup();
  };
  try {
    const sw = await createNode("sw");
    made.push(sw);
    await sw.execChecked(["ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]);
    await sw.execChecked(["ip", "link", "set", "br0", "up"]);
    const nodes: NodeHandle[] = [];
    for (const [i, name] of spec.nodes.entries()) {
      const node = await createNode(name);
      made.push(node);
      nodes.push(node);
      await plugIntoSwitch(sw, node, `p${i}`, `${base}.${i + 1}/24`);
    }
    return topologyOf(nodes, cleanup);
  } catch (e) {
    await cleanup();
    throw e;
  }
}

async function plugIntoSwitch(sw: NodeHandle, node: NodeHandle, port: string, cidr: string): Promise<void> {
  const dev = `ul${node.underlay.length}`;
  await runChecked(root, {
    argv: ["ip", "-n", sw.netns, "link", "add", port, "type", "veth", "peer", "name", dev, "netns", node.netns],
  });
  await sw.execChecked(["ip", "link", "set", port, "master", "br0", "up"]);
  await upWithAddress(node, dev, cidr);
}

function topologyOf(nodes: NodeHandle[], cleanup: () => Promise<void>): Topology {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const node = (name: string): NodeHandle => {
    const n = byName.get(name);
    if (!n) throw new RangeError(`no node ${name} in this topology`);
    return n;
  };
  return {
    nodes,
    node,
    addressOf: (name) => (node(name).underlay[0]?.cidr ?? "").split("/")[0] ?? "",
    cleanup,
  };
}

/**
 * Runs `fn` with `n` nodes (`node1`..`nodeN`) on one underlay (198.18.0.1, .2, ...), and always
 * deletes them afterwards, also when `fn` throws; `fn`'s error is rethrown.
 */
export async function withNodes<T>(n: number, fn: (topo: Topology) => Promise<T>): Promise<T> {
  const topo = await createTopology({ nodes: Array.from({ length: n }, (_, i) => `node${i + 1}`) });
  try {
    return await fn(topo);
  } finally {
    await topo.cleanup();
  }
}
