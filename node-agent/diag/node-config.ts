/**
 * Which agent nodectl looks at: its config file (the agent's own `--config`) resolved into
 * the NodeEnvironment the drivers use, plus where the agent keeps its diagnostics socket,
 * journal and last commands. Without a config file: the agent whose data lives in
 * /var/lib/humops (CONTRACT.md §3).
 *
 * This is nodectl's reading of the agent config; the agent's own loader (node-agent/config/)
 * applies the same defaults (dataDir /var/lib/humops, `*DirPath` keys win, relative paths
 * resolved against the config file's directory).
 */
import { readFile } from "node:fs/promises";
import { cpus, hostname, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";
import type { AgentConfig } from "../../schemas/generated/agent-config.js";
import { validateAgentConfig } from "../../schemas/validators.js";
import type { NodeEnvironment } from "../driver.js";
import { capacityOf, type Amount } from "./allocation.js";
import { NodectlConfigError } from "./errors.js";

/** The default data directory of an agent started without `dataDir`. */
export const DEFAULT_DATA_DIR = "/var/lib/humops";

/** Everything nodectl needs to find one agent and read its node. */
export interface NodectlTarget {
  /** The config file read, or undefined for the default agent. */
  readonly configPath?: string;
  readonly env: NodeEnvironment;
  /** The agent's diagnostics socket: `<dataDir>/nodectl.sock`. */
  readonly socketPath: string;
  /** The agent's command journal: `<dataDir>/journal.jsonl` (rotated copies `.1`, `.2`...). */
  readonly journalPath: string;
  /** The last command per resource: `<dataDir>/state/`. */
  readonly stateDir: string;
  /** The NATS settings, for doctor (never printed with credentials). */
  readonly nats?: AgentConfig["nats"];
  /** The config's vm.accelerator (auto, kvm, tcg). */
  readonly accelerator?: "auto" | "kvm" | "tcg";
  /** The node's capacity as the agent registers it (config limits, else the machine's). */
  readonly capacity: Amount;
}

/** The socket path of the agent whose data lives in `dataDir`. */
export function diagSocketPath(dataDir: string): string {
  return join(dataDir, "nodectl.sock");
}

/** Resolves a validated agent config (read from `baseDir`) into a target (pure). */
export function targetFromConfig(cfg: AgentConfig, baseDir: string, configPath?: string): NodectlTarget {
  const abs = (p: string): string => resolve(baseDir, p);
  const dataDir = abs(cfg.dataDir ?? DEFAULT_DATA_DIR);
  const bs = cfg.blockStorageAgentConfig;
  const ceph = bs?.cephBackend;
  const vx = cfg.networkAgentConfig?.vxlan;
  const vl = cfg.networkAgentConfig?.vlan;
  const env: NodeEnvironment = {
    nodeName: cfg.nodeName ?? hostname(),
    address: cfg.nodeAddress ?? "127.0.0.1",
    dataDir,
    blockStorageDir: abs(bs?.blockStorageDirPath ?? cfg.imageAgentConfig?.blockStorageDirPath ?? join(dataDir, "blockstorages")),
    imageDir: abs(bs?.imageDirPath ?? cfg.imageAgentConfig?.imageDirPath ?? join(dataDir, "images")),
    ...(vx?.devName ? { vxlan: { devName: vx.devName, ...(vx.group ? { group: vx.group } : {}), ...(vx.mode ? { mode: vx.mode } : {}) } } : {}),
    ...(vl?.devName ? { vlan: { devName: vl.devName } } : {}),
    ...(ceph ? { ceph: { confPath: abs(ceph.configPath), pool: ceph.poolName, ...(ceph.user ? { user: ceph.user } : {}) } } : {}),
  };
  return {
    ...(configPath !== undefined ? { configPath } : {}),
    env,
    socketPath: diagSocketPath(dataDir),
    journalPath: join(dataDir, "journal.jsonl"),
    stateDir: join(dataDir, "state"),
    ...(cfg.nats ? { nats: cfg.nats } : {}),
    ...(cfg.vm?.accelerator ? { accelerator: cfg.vm.accelerator } : {}),
    capacity: capacityOf(cfg, { vcpus: cpus().length, memoryBytes: totalmem() }),
  };
}

/**
 * Reads the agent config at `path` (or, without one, the default agent's target).
 * Throws NodectlConfigError when the file cannot be read, is not YAML or is invalid.
 */
export async function loadNodectlTarget(path?: string): Promise<NodectlTarget> {
  if (path === undefined) return targetFromConfig({}, "/");
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (e: unknown) {
    throw new NodectlConfigError(abs, `cannot read agent config ${abs}: ${(e as Error).message}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = parse(text) ?? {};
  } catch (e: unknown) {
    throw new NodectlConfigError(abs, `agent config ${abs} is not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  const res = validateAgentConfig(doc);
  if (!res.ok) {
    const issues = res.errors.map((i) => `${i.pointer || "/"}: ${i.message}`).join("; ");
    throw new NodectlConfigError(abs, `agent config ${abs} is invalid: ${issues}`);
  }
  return targetFromConfig(res.value, dirname(abs), abs);
}
