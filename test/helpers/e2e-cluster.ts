/**
 * A whole humops cluster on this machine for end-to-end tests and the VM benchmark
 * (docs/e2e.md): node netns on one underlay, each running the real `humops agent` process
 * (`ip netns exec NODE node --import tsx cmd/humops.ts agent --config FILE`), an "infra" netns
 * on the same underlay through which the nodes reach nats-server and the image server, an
 * "internet" netns on the router node's external bridge, a git http-backend server and the real
 * `humops controller` process. Servers run in the root namespace on 127.0.0.1; the infra netns
 * forwards `198.18.0.1:PORT` to them through unix sockets (a filesystem socket is reachable from
 * every netns), so no interface, route or rule of the machine is touched. With `ceph`, a
 * single-node Ceph cluster runs in the infra netns too.
 */
import * as fs from "node:fs";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import git from "isomorphic-git";
import { parse } from "yaml";
import { createNode, createTopology, type NodeHandle, type Topology } from "./netns.js";
import { startNats, type NatsServer } from "./nats-server.js";
import { startGitServer, type GitServer } from "./git-server.js";
import { startHttpFixture, type FixtureFile, type HttpFixture, type SeenRequest } from "./http-fixture.js";
import { makeRepo, tempDir, type ManifestsRepo, type TempDir } from "./manifests-repo.js";
import { isAlive, spawnUntilReady, stopProcess, type ServerProcess } from "./process-control.js";
import { buildTinyGuest } from "./tiny-guest.js";
import { startCeph, type TestCeph } from "./ceph.js";
import { testTag } from "./test-tag.js";
import { deleteNetnsSync } from "./exit-cleanup.js";
import { isHumopsName, routerNetnsName } from "../../schemas/host-names.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const HUMOPS = ["node", "--import", "tsx", join(ROOT, "cmd/humops.ts")] as const;
/** The infra netns address (first on the underlay) and the ports it forwards. */
export const INFRA_ADDRESS = "198.18.0.1";
/** The port of every node's download API (docs/storage.md). */
export const DOWNLOAD_API_PORT = 8082;
const NATS_PORT = 4222;
const HTTP_PORT = 8080;

/** What startCluster builds. */
export interface ClusterOptions {
  /** Node names (netns and agent nodeName); default `["node1", "node2"]`. */
  readonly nodes?: readonly string[];
  /** The node carrying the external bridge and the "internet" netns; default the first. */
  readonly routerNode?: string;
  /** The external bridge the pool names; default `hmextbr`. */
  readonly externalBridge?: string;
  /** The controller's git poll interval; default `1s`. */
  readonly interval?: string;
  /** Each agent's limitMemory; default `4G`. */
  readonly limitMemory?: string;
  /** How to run humops for the agents (argv before `agent`); default from source with tsx. */
  readonly agentCommand?: readonly string[];
  /**
   * Start a single-node Ceph cluster in the infra netns (reached by the nodes over the
   * underlay) and give every agent a cephBackend whose ceph.conf is its own copy in a
   * non-default place, `<dir>/<node>-ceph/ceph.conf` (issue #13).
   */
  readonly ceph?: boolean;
  /** Each agent's `vm.powerOffTimeoutSeconds`; default 30. */
  readonly powerOffTimeoutSeconds?: number;
}

/** A running `humops agent` in its node's netns. */
export interface AgentProcess {
  readonly node: NodeHandle;
  readonly configPath: string;
  readonly dataDir: string;
  /** The agent's cephBackend.configPath, when the cluster has Ceph. */
  readonly cephConfPath?: string;
  /** The running process (undefined while stopped). */
  proc: ServerProcess | undefined;
  /** Output of the previous incarnations. */
  readonly past: string[];
  /** Everything every incarnation printed (pino JSON lines). */
  log(): string;
}

/** The cluster. */
export interface E2eCluster {
  readonly tag: string;
  readonly topology: Topology;
  readonly inet: NodeHandle;
  readonly agents: ReadonlyMap<string, AgentProcess>;
  /** The URL the nodes fetch the tiny guest qcow2 from. */
  readonly imageUrl: string;
  /** Serves `file` on the image server at `path` (absolute): the URL the nodes use, and how many requests it had. */
  serveFile(path: string, file: FixtureFile): { url: string; requests: () => number; transfers: () => SeenRequest["transfer"][] };
  readonly dir: string;
  /** The Ceph cluster (ClusterOptions.ceph); `rbd()` runs in the infra netns. */
  readonly ceph: TestCeph | undefined;
  /** The controller's output so far (pino JSON lines). */
  controllerLog(): string;
  readonly controllerPid: number;
  /** Stops the controller process (with `signal`) and starts it again on the same work dir; resolves once it logged `controller started`. */
  restartController(signal?: NodeJS.Signals): Promise<void>;
  /** Starts one more `humops controller` on the same repository and NATS with its own work dir (issue #15); stopped with the cluster. */
  startExtraController(name: string): Promise<ServerProcess>;
  /** The bare manifests repository (git --git-dir) the status branch lives in. */
  readonly bareRepo: string;
  /** Commits `files` (and removes `remove`) in the manifests repo and pushes; returns the sha. */
  push(files: Readonly<Record<string, string>>, message: string, remove?: readonly string[]): Promise<string>;
  /** A status branch file parsed, or undefined. */
  status(path: string): Promise<Record<string, any> | undefined>;
  /** Every path on the status branch. */
  statusFiles(): Promise<string[]>;
  /** Starts the agent of `name` (again); resolves once it logged `agent started`. */
  startAgent(name: string): Promise<void>;
  /** Sends `signal` to the agent of `name` and waits for its exit. */
  stopAgent(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Stops everything it started, by pid, and removes every namespace and temp dir. */
  stop(): Promise<void>;
}

/** Polls `check` every 250 ms until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs: number): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The inline forwarder run in the infra netns: `host:port` -> unix socket, per mapping. */
const FORWARDER = `
const net = require("net");
const maps = JSON.parse(process.argv[1]);
let up = 0;
for (const m of maps) {
  net.createServer((c) => {
    const u = net.connect(m.path);
    c.pipe(u).pipe(c);
    c.on("error", () => u.destroy());
    u.on("error", () => c.destroy());
  }).listen(m.port, m.host, () => { if (++up === maps.length) console.log("forwarding ready"); });
}
`;

/** Serves unix socket `path` by piping each connection to 127.0.0.1:`port`. */
function unixToTcp(path: string, port: number): Promise<Server> {
  const server = createServer((c) => {
    const t = createConnection(port, "127.0.0.1");
    c.pipe(t).pipe(c);
    c.on("error", () => t.destroy());
    t.on("error", () => c.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve(server));
  });
}

interface Infra {
  readonly nats: NatsServer;
  readonly git: GitServer;
  readonly http: HttpFixture;
  readonly sockets: Server[];
  readonly forwarder: ServerProcess;
}

async function startInfra(infra: NodeHandle, dir: string, stack: Array<() => Promise<void>>): Promise<Infra> {
  const nats = await startNats();
  stack.push(() => nats.stop());
  const gitServer = await startGitServer();
  stack.push(() => gitServer.stop());
  const http = await startHttpFixture();
  stack.push(() => http.close());
  const guest = await buildTinyGuest();
  http.set("/tiny-guest.qcow2", { body: readFileSync(guest.diskPath) });
  const maps = [
    { host: INFRA_ADDRESS, port: NATS_PORT, path: join(dir, "nats.sock"), to: nats.port },
    { host: INFRA_ADDRESS, port: HTTP_PORT, path: join(dir, "http.sock"), to: Number(new URL(http.baseUrl).port) },
  ];
  const sockets: Server[] = [];
  for (const m of maps) sockets.push(await unixToTcp(m.path, m.to));
  stack.push(async () => void (await Promise.all(sockets.map((s) => new Promise((r) => s.close(r))))));
  const forwarder = (
    await spawnUntilReady({ argv: ["ip", "netns", "exec", infra.netns, "node", "-e", FORWARDER, JSON.stringify(maps)], ready: /forwarding ready/, what: "infra forwarder" })
  ).proc;
  stack.push(() => stopProcess(forwarder.child));
  return { nats, git: gitServer, http, sockets, forwarder };
}

/** What an agent's config file says. */
interface AgentSetup {
  readonly address: string;
  readonly limitMemory: string;
  readonly ceph?: { readonly confPath: string; readonly pool: string };
  readonly powerOffTimeoutSeconds: number;
}

function agentConfig(name: string, dataDir: string, a: AgentSetup): string {
  return [
    `nodeName: ${name}`,
    `nodeAddress: ${a.address}`,
    `dataDir: ${dataDir}`,
    `limitVcpus: "8"`,
    `limitMemory: ${a.limitMemory}`,
    `logLevel: debug`,
    `nats:`,
    `  url: nats://${INFRA_ADDRESS}:${NATS_PORT}`,
    `vm:`,
    `  accelerator: tcg`,
    `  powerOffTimeoutSeconds: ${a.powerOffTimeoutSeconds}`,
    // Each node serves its download API on its underlay address (humstack's port; the nodes are
    // separate netns): node2 fetches node1's image entity through it (issue #6).
    `blockStorageAgentConfig:`,
    `  downloadAPI:`,
    `    listenAddress: ${a.address}`,
    `    listenPort: ${DOWNLOAD_API_PORT}`,
    ...(a.ceph ? ["  cephBackend:", `    configPath: ${a.ceph.confPath}`, `    poolName: ${a.ceph.pool}`] : []),
    `networkAgentConfig:`,
    `  vxlan:`,
    `    devName: ul0`,
    `    group: 239.1.1.1`,
    "",
  ].join("\n");
}

/** Makes the external bridge on the router node and the "internet" netns on it (203.0.113.254/24). */
async function plugInternet(routerNode: NodeHandle, inet: NodeHandle, bridge: string): Promise<void> {
  await routerNode.execChecked(["ip", "link", "add", bridge, "type", "bridge"]);
  await routerNode.execChecked(["ip", "link", "set", bridge, "up"]);
  await routerNode.execChecked(["ip", "link", "add", "extp0", "type", "veth", "peer", "name", "eth0", "netns", inet.netns]);
  await routerNode.execChecked(["ip", "link", "set", "extp0", "master", bridge, "up"]);
  await inet.execChecked(["ip", "addr", "add", "203.0.113.254/24", "dev", "eth0"]);
  await inet.execChecked(["ip", "link", "set", "eth0", "up"]);
}

function startController(gitUrl: string, natsUrl: string, workDir: string, interval: string): Promise<ServerProcess> {
  const argv = [...HUMOPS, "controller", "--repo", gitUrl, "--nats", natsUrl, "--interval", interval, "--work-dir", workDir] as const;
  return spawnUntilReady({ argv, ready: /"msg":"controller started"/, what: "humops controller", timeoutMs: 60_000 }).then((s) => s.proc);
}

function makeAgent(node: NodeHandle, dir: string, setup: Omit<AgentSetup, "ceph"> & { readonly ceph: TestCeph | undefined }): AgentProcess {
  const dataDir = join(dir, node.name);
  mkdirSync(dataDir, { recursive: true });
  let ceph: AgentSetup["ceph"];
  if (setup.ceph) {
    // Each node its own copy, nowhere near /etc/ceph: the VM's drive must use the one of its node.
    const confPath = join(dir, `${node.name}-ceph`, "ceph.conf");
    mkdirSync(join(dir, `${node.name}-ceph`));
    fs.copyFileSync(setup.ceph.confPath, confPath);
    ceph = { confPath, pool: setup.ceph.pool };
  }
  const configPath = join(dir, `${node.name}.yaml`);
  writeFileSync(configPath, agentConfig(node.name, dataDir, { address: setup.address, limitMemory: setup.limitMemory, powerOffTimeoutSeconds: setup.powerOffTimeoutSeconds, ...(ceph ? { ceph } : {}) }));
  const agent: AgentProcess = { node, configPath, dataDir, ...(ceph ? { cephConfPath: ceph.confPath } : {}), proc: undefined, past: [], log: () => agent.past.join("") + (agent.proc?.output() ?? "") };
  return agent;
}

/** Runs `fn`; a failure gets the last `lines` log lines of the controller and every agent added to its message. */
export async function withClusterLogs<T>(c: E2eCluster, fn: () => Promise<T>, lines = 30): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const tail = (s: string) => s.split("\n").slice(-lines).join("\n");
    (e as Error).message += `\n--- logs ---\n${[`controller:\n${tail(c.controllerLog())}`, ...[...c.agents].map(([n, a]) => `${n}:\n${tail(a.log())}`)].join("\n")}`;
    throw e;
  }
}

/** Starts the cluster; on failure, everything made so far is stopped and removed. */
export async function startCluster(opts: ClusterOptions = {}): Promise<E2eCluster> {
  const names = opts.nodes ?? ["node1", "node2"];
  const stack: Array<() => Promise<void>> = [];
  const unwind = async (): Promise<void> => {
    for (const f of stack.reverse().splice(0)) await f().catch((e: unknown) => console.error("cleanup:", e));
  };
  const netnsBefore = new Set(humopsNetns());
  try {
    const tmp: TempDir = await tempDir("e2e");
    stack.push(() => tmp.cleanup());
    const topology = await createTopology({ nodes: ["infra", ...names] });
    stack.push(() => topology.cleanup());
    const inet = await createNode("inet");
    stack.push(() => inet.cleanup());
    await plugInternet(topology.node(opts.routerNode ?? names[0]!), inet, opts.externalBridge ?? "hmextbr");
    const infra = await startInfra(topology.node("infra"), tmp.path, stack);
    const ceph = opts.ceph ? await startCeph({ netns: topology.node("infra").netns, address: INFRA_ADDRESS, pool: "hme2e" }) : undefined;
    if (ceph) stack.push(() => ceph.stop());
    const bare = infra.git.createBareRepo("manifests");
    const repo = await makeRepo();
    stack.push(() => repo.cleanup());
    await repo.push(infra.git.url("manifests"));
    const startCtl = () => startController(infra.git.url("manifests"), infra.nats.url, join(tmp.path, "controller"), opts.interval ?? "1s");
    const controller: ControllerHolder = { proc: await startCtl(), past: [], start: startCtl };
    stack.push(() => stopProcess(controller.proc.child, 15_000));
    const agents = new Map(names.map((n) => [n, makeAgent(topology.node(n), tmp.path, { address: topology.addressOf(n), limitMemory: opts.limitMemory ?? "4G", powerOffTimeoutSeconds: opts.powerOffTimeoutSeconds ?? 30, ceph })]));
    const agentCommand = opts.agentCommand ?? HUMOPS;
    const extra: ServerProcess[] = [];
    stack.push(async () => {
      for (const x of extra) await stopProcess(x.child, 15_000);
    });
    const cluster = clusterHandle({ topology, inet, agents, infra, ceph, repo, bare, extra, controller, dir: tmp.path, unwind, agentCommand });
    stack.push(async () => routerNetnsOf(agents).forEach(deleteNetnsSync));
    // A router the agents were still creating when the test ended has no state file yet: any
    // humops netns that appeared while this cluster ran is its own (host files run one at a
    // time) and goes with it, so a later file that lists the host's netns does not see it.
    stack.push(async () => humopsNetns().filter((n) => !netnsBefore.has(n)).forEach(deleteNetnsSync));
    stack.push(async () => {
      for (const n of agents.keys()) await cluster.stopAgent(n, "SIGTERM");
    });
    for (const n of names) await cluster.startAgent(n);
    return cluster;
  } catch (e) {
    await unwind();
    throw e;
  }
}

/** The humops-named entries of /run/netns (what `ip netns list` shows), dead ones included. */
function humopsNetns(): string[] {
  try {
    return readdirSync("/run/netns").filter(isHumopsName);
  } catch {
    return [];
  }
}

/**
 * The router netns the agents' last commands name. Their names are global (not under a node's
 * netns), so a test that fails before removing its router would leave them: stop() deletes them.
 */
function routerNetnsOf(agents: ReadonlyMap<string, AgentProcess>): string[] {
  const out: string[] = [];
  for (const a of agents.values()) {
    let files: string[] = [];
    try {
      files = readdirSync(join(a.dataDir, "state"));
    } catch {
      continue;
    }
    for (const f of files) {
      const m = /^systemv0\/virtualrouter\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(decodeURIComponent(f.replace(/\.json$/, "")));
      if (m) out.push(routerNetnsName(m[1]!, m[2]!, m[3]!));
    }
  }
  return out;
}

/** The controller process, restartable. */
interface ControllerHolder {
  proc: ServerProcess;
  /** Output of the processes before a restart. */
  readonly past: string[];
  readonly start: () => Promise<ServerProcess>;
}

interface Parts {
  topology: Topology;
  inet: NodeHandle;
  agents: Map<string, AgentProcess>;
  infra: Infra;
  ceph: TestCeph | undefined;
  repo: ManifestsRepo;
  bare: string;
  /** startExtraController()'s processes. */
  extra: ServerProcess[];
  controller: ControllerHolder;
  dir: string;
  unwind: () => Promise<void>;
  agentCommand: readonly string[];
}

function clusterHandle(p: Parts): E2eCluster {
  const agentOf = (name: string): AgentProcess => {
    const a = p.agents.get(name);
    if (!a) throw new RangeError(`no agent ${name}`);
    return a;
  };
  return {
    tag: testTag(),
    topology: p.topology,
    inet: p.inet,
    agents: p.agents,
    imageUrl: `http://${INFRA_ADDRESS}:${HTTP_PORT}/tiny-guest.qcow2`,
    serveFile(path, file) {
      p.infra.http.set(path, file);
      const seen = () => p.infra.http.requests.filter((r) => r.path === path);
      return { url: `http://${INFRA_ADDRESS}:${HTTP_PORT}${path}`, requests: () => seen().length, transfers: () => seen().map((r) => r.transfer) };
    },
    dir: p.dir,
    ceph: p.ceph,
    controllerLog: () => p.controller.past.join("") + p.controller.proc.output(),
    get controllerPid() {
      return p.controller.proc.pid;
    },
    bareRepo: p.bare,
    async startExtraController(name) {
      const proc = await startController(p.infra.git.url("manifests"), p.infra.nats.url, join(p.dir, `controller-${name}`), "1s");
      p.extra.push(proc);
      return proc;
    },
    async restartController(signal = "SIGTERM") {
      await stopProcess(p.controller.proc.child, 15_000, signal);
      p.controller.past.push(p.controller.proc.output());
      p.controller.proc = await p.controller.start();
    },
    async push(files, message, remove = []) {
      const sha = await p.repo.commit(files, message, { remove });
      await p.repo.push(p.infra.git.url("manifests"));
      return sha;
    },
    status: (path) => readStatusFile(p.bare, path),
    statusFiles: () => listStatusFiles(p.bare),
    async startAgent(name) {
      const a = agentOf(name);
      if (a.proc && isAlive(a.proc.pid)) return;
      if (a.proc) a.past.push(a.proc.output());
      const argv = ["ip", "netns", "exec", a.node.netns, ...p.agentCommand, "agent", "--config", a.configPath] as const;
      a.proc = (await spawnUntilReady({ argv, ready: /"msg":"agent started"/, what: `humops agent ${name}`, timeoutMs: 60_000 })).proc;
    },
    async stopAgent(name, signal = "SIGTERM") {
      const a = agentOf(name);
      if (a.proc) await stopProcess(a.proc.child, 15_000, signal);
    },
    async stop() {
      const keep = process.env["HUMOPS_E2E_LOGS"];
      if (keep) saveLogs(keep, p);
      await p.unwind();
    },
  };
}

/** Writes every process's output into `dir` (HUMOPS_E2E_LOGS=DIR keeps them after a run). */
function saveLogs(dir: string, p: Parts): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "controller.log"), p.controller.past.join("") + p.controller.proc.output());
  for (const [n, a] of p.agents) writeFileSync(join(dir, `agent-${n}.log`), a.past.join("") + (a.proc?.output() ?? ""));
}

/** Reads `path` from the status branch of the bare repository; undefined when absent. */
export async function readStatusFile(gitdir: string, path: string): Promise<Record<string, any> | undefined> {
  try {
    const oid = await git.resolveRef({ fs, gitdir, ref: "refs/heads/status" });
    const { blob } = await git.readBlob({ fs, gitdir, oid, filepath: path });
    return parse(Buffer.from(blob).toString("utf8")) as Record<string, any>;
  } catch {
    return undefined;
  }
}

/** Every path on the status branch of the bare repository (empty before the first status commit). */
export async function listStatusFiles(gitdir: string): Promise<string[]> {
  try {
    return await git.listFiles({ fs, gitdir, ref: "refs/heads/status" });
  } catch {
    return [];
  }
}

/** The humops-named links (bridges, vxlan, taps, router veths) in a node's netns. */
export async function humopsLinks(node: NodeHandle): Promise<string[]> {
  const links = JSON.parse((await node.execChecked(["ip", "-j", "link", "show"])).stdout) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).filter(isHumopsName);
}

/** Files (not directories) under `dir`, recursively; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return fs.statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A file's text ("" when it does not exist yet), read as latin1 (a console log is not UTF-8). */
export function readText(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return "";
  }
}
