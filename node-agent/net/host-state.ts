/**
 * A snapshot of the node's network state as the planners need it, and the function that reads
 * it through the HostRunner (one `ip -d -j addr show`, plus `bridge -j fdb show` and
 * `iptables-save -t nat` only when asked for).
 */
import type { HostRunner } from "../host/host-runner.js";
import { runChecked } from "../host/host-runner.js";
import { parseBridgeFdbJson, parseIpLinkJson, parseIptablesSave } from "./parsers.js";
import type { FdbEntry, IptablesTable, LinkInfo } from "./parsers.js";

/** The node's links (by name), fdb entries (by device) and nat table. */
export interface HostNetState {
  readonly links: ReadonlyMap<string, LinkInfo>;
  /** Undefined when not read. */
  readonly fdb?: ReadonlyMap<string, readonly FdbEntry[]>;
  /** Undefined when not read. */
  readonly nat?: IptablesTable;
}

/** Builds a HostNetState from parsed outputs (pure; used by readHostNetState and tests). */
export function hostNetState(links: readonly LinkInfo[], fdb?: readonly FdbEntry[], nat?: IptablesTable): HostNetState {
  const byDev = new Map<string, FdbEntry[]>();
  for (const e of fdb ?? []) {
    if (e.dev === undefined) continue;
    byDev.set(e.dev, [...(byDev.get(e.dev) ?? []), e]);
  }
  return {
    links: new Map(links.map((l) => [l.name, l])),
    ...(fdb !== undefined ? { fdb: byDev } : {}),
    ...(nat !== undefined ? { nat } : {}),
  };
}

/** What to read besides the links. */
export interface ReadOptions {
  readonly fdb?: boolean;
  readonly nat?: boolean;
  /** Read inside this network namespace (`ip -n NS`); fdb/nat are not read there. */
  readonly netns?: string;
  readonly signal?: AbortSignal;
}

/**
 * Reads the node (or the namespace `opts.netns`). The reads run in parallel.
 * Throws CommandFailedError when a read fails (tools missing, namespace gone).
 */
export async function readHostNetState(runner: HostRunner, opts: ReadOptions = {}): Promise<HostNetState> {
  const ro = opts.signal ? { signal: opts.signal } : {};
  const ipArgv: [string, ...string[]] = opts.netns ? ["ip", "-n", opts.netns, "-d", "-j", "addr", "show"] : ["ip", "-d", "-j", "addr", "show"];
  const [links, fdb, nat] = await Promise.all([
    runChecked(runner, { argv: ipArgv }, ro),
    opts.fdb ? runChecked(runner, { argv: ["bridge", "-j", "fdb", "show"] }, ro) : undefined,
    opts.nat ? runChecked(runner, { argv: ["iptables-save", "-t", "nat"] }, ro) : undefined,
  ]);
  const natTable = nat ? (parseIptablesSave(nat.stdout)["nat"] ?? { chains: [], rules: [] }) : undefined;
  return hostNetState(parseIpLinkJson(links.stdout), fdb ? parseBridgeFdbJson(fdb.stdout) : undefined, natTable);
}
