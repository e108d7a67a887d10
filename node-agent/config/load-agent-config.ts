/**
 * Loads the agent config (humstack's config.yaml as written, plus humops' keys; CONTRACT.md §4)
 * into AgentSettings. Unknown keys and bad values are errors with file:line:column; humstack
 * keys humops does not use are warnings. Defaults: nodeName = the short hostname, dataDir
 * /var/lib/humops, humstack's *DirPath keys win for what they name, relative paths resolve
 * against the config file's directory, capacity = the machine's when not limited.
 */
import { readFile } from "node:fs/promises";
import { cpus, hostname, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { AgentConfig } from "../../schemas/generated/agent-config.js";
import { parseBytes, parseVcpus } from "../../schemas/quantity.js";
import { findIgnoredHumstackKeys, IGNORED_HUMSTACK_KEYS, validateAgentConfig } from "../../schemas/validators.js";
import type { NodeEnvironment } from "../driver.js";
import type { AgentSettings, DownloadApiSettings, NatsSettings } from "./agent-settings.js";
import { AgentConfigError, type ConfigProblem } from "./errors.js";

/** The default data directory. */
export const DEFAULT_DATA_DIR = "/var/lib/humops";
/** The default NATS URL when neither the config nor HUMOPS_NATS_URL gives one. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** A loaded config: the settings and the warnings to log once. */
export interface LoadedAgentConfig {
  readonly settings: AgentSettings;
  readonly warnings: readonly ConfigProblem[];
}

/** Machine facts the defaults come from (injectable for tests). */
export interface MachineFacts {
  readonly hostname: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The facts of this machine. */
export function machineFacts(): MachineFacts {
  return { hostname: hostname(), cpus: cpus().length, memoryBytes: totalmem(), env: process.env };
}

/** Reads and resolves the config file at `path`. Throws AgentConfigError (with every problem and its line) when it cannot be used. */
export async function loadAgentConfig(path: string, facts: MachineFacts = machineFacts()): Promise<LoadedAgentConfig> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, "utf8");
  } catch (e) {
    throw new AgentConfigError(abs, [{ file: abs, line: 0, column: 0, pointer: "", message: (e as Error).message }], { cause: e });
  }
  return parseAgentConfig(text, { file: abs, baseDir: dirname(abs), facts });
}

/** Parses config text (pure but for the facts given). Throws AgentConfigError. */
export function parseAgentConfig(text: string, o: { file: string; baseDir: string; facts: MachineFacts }): LoadedAgentConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (pointer: string, message: string) => problemAt(doc, lines, { file: o.file, pointer, message });
  if (doc.errors.length > 0) {
    throw new AgentConfigError(o.file, doc.errors.map((e) => ({ ...at("", e.message), ...linePos(lines, e.pos[0]) })));
  }
  const value: unknown = doc.toJS() ?? {};
  const checked = validateAgentConfig(value);
  if (!checked.ok) throw new AgentConfigError(o.file, checked.errors.map((i) => at(i.pointer, i.message)));
  const warnings = findIgnoredHumstackKeys(value).map((p) => at(p, `humstack key not used by humops: ${IGNORED_HUMSTACK_KEYS[p]}`));
  const settings = resolveSettings(checked.value, o.baseDir, o.facts);
  if (!settings.ok) throw new AgentConfigError(o.file, settings.problems.map((p) => at(p.pointer, p.message)));
  return { settings: settings.value, warnings };
}

type Resolved = { ok: true; value: AgentSettings } | { ok: false; problems: Array<{ pointer: string; message: string }> };

/** Applies the defaults to a validated config. */
export function resolveSettings(cfg: AgentConfig, baseDir: string, facts: MachineFacts): Resolved {
  const problems: Array<{ pointer: string; message: string }> = [];
  const mem = cfg.limitMemory === undefined ? { ok: true as const, bytes: facts.memoryBytes } : parseBytes(cfg.limitMemory);
  if (!mem.ok) problems.push({ pointer: "/limitMemory", message: mem.message });
  const cpu = cfg.limitVcpus === undefined ? { ok: true as const, vcpus: facts.cpus } : parseVcpus(cfg.limitVcpus);
  if (!cpu.ok) problems.push({ pointer: "/limitVcpus", message: cpu.message });
  const nodeName = cfg.nodeName ?? facts.hostname.split(".")[0] ?? "";
  if (!NODE_NAME.test(nodeName)) {
    problems.push({ pointer: "/nodeName", message: `the hostname "${facts.hostname}" is not a valid node name: set nodeName (letters, digits, '_' or '-')` });
  }
  if (!mem.ok || !cpu.ok || problems.length > 0) return { ok: false, problems };
  const node = nodeEnvironment(cfg, baseDir, nodeName);
  const downloadAPI = downloadApiSettings(cfg, node.address, baseDir);
  return {
    ok: true,
    value: {
      node,
      capacity: { vcpus: cpu.vcpus, memoryBytes: mem.bytes },
      nats: natsSettings(cfg, facts),
      parallelLimit: cfg.blockStorageAgentConfig?.parallelLimit ?? 4,
      resyncIntervalMs: 30_000,
      journalMaxBytes: 10 * 1024 * 1024,
      accelerator: cfg.vm?.accelerator ?? "auto",
      logLevel: cfg.logLevel ?? "info",
      ...(downloadAPI ? { downloadAPI } : {}),
      raw: cfg,
    },
  };
}

/** humstack's defaults: listen 0.0.0.0:8082, advertised as nodeAddress (issue #6). */
function downloadApiSettings(cfg: AgentConfig, nodeAddress: string, baseDir: string): DownloadApiSettings | undefined {
  const api = cfg.blockStorageAgentConfig?.downloadAPI;
  if (api === undefined) return undefined;
  return {
    listenAddress: api.listenAddress ?? "0.0.0.0",
    listenPort: api.listenPort ?? 8082,
    advertiseAddress: api.advertiseAddress ?? nodeAddress,
    ...(api.tokenFile !== undefined ? { tokenFile: resolve(baseDir, api.tokenFile) } : {}),
  };
}

function nodeEnvironment(cfg: AgentConfig, baseDir: string, nodeName: string): NodeEnvironment {
  const abs = (p: string): string => resolve(baseDir, p);
  const dataDir = abs(cfg.dataDir ?? DEFAULT_DATA_DIR);
  const bs = cfg.blockStorageAgentConfig;
  const img = cfg.imageAgentConfig;
  const ceph = bs?.cephBackend;
  const vx = cfg.networkAgentConfig?.vxlan;
  const vl = cfg.networkAgentConfig?.vlan;
  return {
    nodeName,
    address: cfg.nodeAddress ?? "127.0.0.1",
    dataDir,
    blockStorageDir: abs(bs?.blockStorageDirPath ?? img?.blockStorageDirPath ?? join(dataDir, "blockstorages")),
    imageDir: abs(bs?.imageDirPath ?? img?.imageDirPath ?? join(dataDir, "images")),
    ...(vx?.devName ? { vxlan: { devName: vx.devName, ...(vx.group ? { group: vx.group } : {}), ...(vx.mode ? { mode: vx.mode } : {}) } } : {}),
    ...(vl?.devName ? { vlan: { devName: vl.devName } } : {}),
    ...(ceph ? { ceph: { confPath: abs(ceph.configPath), pool: ceph.poolName, ...(ceph.user ? { user: ceph.user } : {}) } } : {}),
  };
}

function natsSettings(cfg: AgentConfig, facts: MachineFacts): NatsSettings {
  const n = cfg.nats ?? {};
  const url = n.url ?? facts.env["HUMOPS_NATS_URL"] ?? DEFAULT_NATS_URL;
  return {
    servers: url.split(",").map((s) => s.trim()),
    ...(n.user !== undefined ? { user: n.user } : {}),
    ...(n.password !== undefined ? { password: n.password } : {}),
    ...(n.token !== undefined ? { token: n.token } : {}),
    ...(n.credsFile !== undefined ? { credsFile: n.credsFile } : {}),
  };
}

function linePos(lines: LineCounter, offset: number): { line: number; column: number } {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

/** Locates a JSON pointer in the YAML document: the key's position when it is a key, else its value's. */
function problemAt(doc: Document, lines: LineCounter, o: { file: string; pointer: string; message: string }): ConfigProblem {
  const path = o.pointer === "" ? [] : o.pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (let n = path.length; n >= 0; n--) {
    const pos = keyOffset(doc, path.slice(0, n));
    if (pos !== undefined) return { file: o.file, pointer: o.pointer, message: o.message, ...linePos(lines, pos) };
  }
  return { file: o.file, pointer: o.pointer, message: o.message, line: 1, column: 1 };
}

function keyOffset(doc: Document, path: string[]): number | undefined {
  if (path.length === 0) return doc.contents?.range?.[0];
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const items = (parent as { items?: Array<{ key?: unknown }> } | null)?.items;
  const pair = items?.find((it) => isNode(it.key) && String((it.key as { value?: unknown }).value) === path.at(-1));
  if (pair && isNode(pair.key)) return pair.key.range?.[0];
  const node = doc.getIn(path, true);
  return isNode(node) ? node.range?.[0] : undefined;
}
