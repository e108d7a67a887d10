/**
 * A netns node running real humops pieces for the nodectl tests: a data dir and agent config,
 * a VXLAN network and a Local disk applied by the real drivers, the last commands and a
 * journal written as the agent runtime writes them, and the diagnostics socket served by
 * startDiagServer (the "agent"). Output documents are checked against the shipped schema.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { pino } from "pino";
import type { DriverContext, ResourceCommand } from "../../../node-agent/driver.js";
import { NetworkDriver } from "../../../node-agent/net/network-driver.js";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { hostDrivers } from "../../../node-agent/diag/inventory.js";
import { loadNodectlTarget, type NodectlTarget } from "../../../node-agent/diag/node-config.js";
import { startDiagServer, type DiagServer } from "../../../node-agent/diag/socket-server.js";
import type { AgentStatusSnapshot } from "../../../node-agent/diag/agent-status.js";
import { runNodectl } from "../../../cmd/nodectl/program.js";
import schema from "../../../node-agent/diag/nodectl-output.schema.json" with { type: "json" };
import type { NodeHandle } from "../../helpers/netns.js";
import { testTag } from "../../helpers/netns.js";

export const GROUP = testTag();
export const NET_KEY = `systemv0/network/${GROUP}/ns1/net1` as const;
export const DISK_KEY = `systemv0/blockstorage/${GROUP}/ns1/disk1` as const;

const addFormats = addFormatsModule.default;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv, ["date-time"]);
const validate = ajv.compile(schema);

/** Throws with ajv's errors unless `doc` is valid nodectl output. */
export function assertValidOutput(doc: unknown): void {
  if (!validate(doc)) throw new Error(`output does not match nodectl-output.schema.json: ${JSON.stringify(validate.errors)}\n${JSON.stringify(doc)}`);
}

export const netCmd: ResourceCommand = {
  key: NET_KEY,
  apiType: "systemv0/network",
  id: "net1",
  group: GROUP,
  namespace: "ns1",
  annotations: { "networkv0/network_type": "VXLAN", "networkv0/default_gateway": "198.19.7.1/24" },
  spec: { id: "4242", ipv4CIDR: "198.19.7.0/24" },
  generation: 3,
  context: {},
};

export const diskCmd: ResourceCommand = {
  key: DISK_KEY,
  apiType: "systemv0/blockstorage",
  id: "disk1",
  group: GROUP,
  namespace: "ns1",
  annotations: {},
  spec: { limitSize: "64M" },
  generation: 1,
  context: {},
};

/** Writes the config of an agent whose data lives in `dataDir`; returns its path. */
export function writeConfig(dir: string, dataDir: string, natsUrl: string, devName = "ul0"): string {
  const path = join(dir, `agent-${devName}.yaml`);
  writeFileSync(path, [`nodeName: n1`, `nodeAddress: 198.18.9.1`, `dataDir: ${dataDir}`, `nats:`, `  url: ${natsUrl}`, `networkAgentConfig:`, `  vxlan:`, `    devName: ${devName}`, `    mode: static`, ""].join("\n"));
  return path;
}

/** Writes the last commands (one wrapped, one bare, as both forms are read) and a journal. */
export function writeAgentFiles(t: NodectlTarget, now: number): void {
  mkdirSync(join(t.stateDir, "systemv0"), { recursive: true });
  writeFileSync(join(t.stateDir, "systemv0", "network.json"), JSON.stringify({ op: "apply", command: netCmd }));
  writeFileSync(join(t.stateDir, "systemv0", "disk.json"), JSON.stringify(diskCmd));
  const at = (s: number) => new Date(now - s * 1000).toISOString();
  const lines = [
    { at: at(7200), event: "received", commandId: "c-old", key: NET_KEY, op: "apply", generation: 2 },
    { at: at(7199), event: "result", commandId: "c-old", key: NET_KEY, ok: false, durationMs: 40, error: { reason: "MissingDevice", message: "vxlan device ul0 not found" } },
    { at: at(30), event: "received", commandId: "c-net-3", key: NET_KEY, op: "apply", generation: 3 },
    { at: at(30), event: "started", commandId: "c-net-3", key: NET_KEY, generation: 3 },
    { at: at(29), event: "result", commandId: "c-net-3", key: NET_KEY, generation: 3, ok: true, durationMs: 120, observed: { state: "Available" } },
    { at: at(20), event: "received", commandId: "c-disk-1", key: DISK_KEY, op: "apply", generation: 1 },
    { at: at(19), event: "result", commandId: "c-disk-1", key: DISK_KEY, generation: 1, ok: true, durationMs: 300 },
  ];
  writeFileSync(t.journalPath, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
}

/** The node under test. */
export interface NodectlNode {
  readonly node: NodeHandle;
  readonly dir: string;
  readonly configPath: string;
  readonly target: NodectlTarget;
  readonly ctx: DriverContext;
  agent?: DiagServer;
}

/** Writes the last commands of `cmds` as the agent does (one file per resource). */
export function writeStateFiles(t: NodectlTarget, cmds: readonly ResourceCommand[]): void {
  mkdirSync(t.stateDir, { recursive: true });
  for (const c of cmds) writeFileSync(join(t.stateDir, `${c.apiType.split("/")[1]}-${c.id}.json`), JSON.stringify({ command: c }));
}

/** Makes the data dir, the config and an underlay device `ul0` on `node`; applies nothing. */
export async function prepareBareNode(node: NodeHandle, natsUrl: string): Promise<NodectlNode> {
  const dir = mkdtempSync(join(tmpdir(), `hm-nctl-${GROUP}-`));
  const configPath = writeConfig(dir, join(dir, "data"), natsUrl);
  const target = await loadNodectlTarget(configPath);
  await node.execChecked(["ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0p"]);
  await node.execChecked(["ip", "addr", "add", "198.18.9.1/24", "dev", "ul0"]);
  await node.execChecked(["ip", "link", "set", "ul0", "up"]);
  const ctx: DriverContext = { runner: node.runner, log: pino({ level: "silent" }), signal: new AbortController().signal, node: target.env };
  return { node, dir, configPath, target, ctx };
}

/** Makes the data dir, config, host objects (a VXLAN network, a Local disk) and agent files on `node`. */
export async function prepareNode(node: NodeHandle, natsUrl: string): Promise<NodectlNode> {
  const n = await prepareBareNode(node, natsUrl);
  const { dir, configPath, target, ctx } = n;
  await new NetworkDriver().apply(netCmd, ctx);
  await new BlockStorageDriver().apply(diskCmd, ctx);
  writeAgentFiles(target, Date.now());
  return { node, dir, configPath, target, ctx };
}

/** Starts the agent's diagnostics socket for `n` (what the agent runtime does at start). */
export async function startAgentSocket(n: NodectlNode, natsUrl: string, known: readonly ResourceCommand[] = [netCmd, diskCmd]): Promise<DiagServer> {
  const started = new Date(Date.now() - 65_000).toISOString();
  const status: AgentStatusSnapshot = {
    version: "0.1.0",
    nodeName: "n1",
    startedAt: started,
    pid: process.pid,
    nats: { connected: true, server: natsUrl, lastMessageAt: new Date().toISOString(), reconnects: 2 },
    controllerLastSeenAt: new Date().toISOString(),
    capacity: { vcpus: 8, memoryBytes: 8 * 1024 ** 3 },
    allocated: { vcpus: 0, memoryBytes: 0 },
    accelerator: { accelerator: "tcg", reason: "test" },
  };
  n.agent = await startDiagServer({
    socketPath: n.target.socketPath,
    getStatus: () => status,
    drivers: hostDrivers(),
    driverContext: () => n.ctx,
    knownCommands: () => known,
    log: pino({ level: "silent" }),
  });
  return n.agent;
}

/** Runs nodectl in-process on the node; returns exit code, stdout, stderr, and stdout parsed as JSON when asked. */
export async function nodectl(n: NodectlNode, args: readonly string[]): Promise<{ code: number; out: string; err: string; json: any }> {
  let out = "";
  let err = "";
  const code = await runNodectl(["--config", n.configPath, ...args], {
    runner: n.node.runner,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
    env: {},
  });
  const json = args.includes("json") && out.trim().startsWith("{") ? JSON.parse(out) : undefined;
  if (json !== undefined) assertValidOutput(json);
  return { code, out, err, json };
}

/** Removes the temp dir (the node's namespace is the caller's). */
export function removeDir(n: NodectlNode | undefined): void {
  if (n) rmSync(n.dir, { recursive: true, force: true });
}
