/**
 * A snapshot of the node's network state as the planners need it, and the function that reads
 * it through the HostRunner (one `ip -d -j addr show`, or one `ip -batch` of per-device reads, plus
 * `bridge -j fdb show` and `iptables-save -t nat` only when asked for).
 */
import { CommandFailedError } from "../host/errors.js";
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
  /**
   * Read only these links (one `ip -d -j -force -batch -` with an `addr show dev D` line each;
   * a missing one is simply absent), and the fdb of those that are vxlan links. The full read costs O(links on
   * the node) (about 1.6 KB of JSON per bridge), a scoped one O(1): used for single applies.
   */
  readonly devices?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Reads the node (or the namespace `opts.netns`). The reads run in parallel.
 * Throws CommandFailedError when a read fails (tools missing, namespace gone).
 */
export async function readHostNetState(runner: HostRunner, opts: ReadOptions = {}): Promise<HostNetState> {
  if (opts.devices !== undefined && opts.netns === undefined) return readScoped(runner, opts.devices, opts);
  const ro = opts.signal ? { signal: opts.signal } : {};
  const ipArgv: [string, ...string[]] = opts.netns ? ["ip", "-n", opts.netns, "-d", "-j", "addr", "show"] : ["ip", "-d", "-j", "addr", "show"];
  const [links, fdb, nat] = await Promise.all([
    runChecked(runner, { argv: ipArgv }, ro),
    opts.fdb ? runChecked(runner, { argv: ["bridge", "-j", "fdb", "show"] }, ro) : undefined,
    readNat(runner, opts),
  ]);
  return hostNetState(parseIpLinkJson(links.stdout), fdb ? parseBridgeFdbJson(fdb.stdout) : undefined, nat);
}

async function readNat(runner: HostRunner, opts: ReadOptions): Promise<IptablesTable | undefined> {
  if (!opts.nat) return undefined;
  const res = await runChecked(runner, { argv: ["iptables-save", "-t", "nat"] }, opts.signal ? { signal: opts.signal } : {});
  return parseIptablesSave(res.stdout)["nat"] ?? { chains: [], rules: [] };
}

/** Runs a per-device read; a device that does not exist gives undefined, any other failure throws. */
async function readDevice(runner: HostRunner, argv: [string, ...string[]], signal?: AbortSignal): Promise<string | undefined> {
  const res = await runner.run({ argv }, signal ? { signal } : {});
  if (res.exitCode === 0) return res.stdout;
  if (/does not exist|Cannot find device/.test(res.stderr)) return undefined;
  throw new CommandFailedError({ argv, exitCode: res.exitCode, stderr: res.stderr });
}

/** True when every line of a `-force -batch` stderr only says that a device does not exist. */
function onlyMissingDevices(stderr: string): boolean {
  return stderr
    .split("\n")
    .filter((l) => l.trim() !== "")
    .every((l) => /^Device ".*" does not exist\.$|^Cannot find device ".*"$|^Command failed -:\d+$/.test(l.trim()));
}

/** Reads the given links with one `ip -d -j -force -batch -` (one `addr show dev D` line each; missing ones are absent). */
async function readLinks(runner: HostRunner, devices: readonly string[], signal?: AbortSignal): Promise<LinkInfo[]> {
  if (devices.length === 0) return [];
  const argv: [string, ...string[]] = ["ip", "-d", "-j", "-force", "-batch", "-"];
  const res = await runner.run({ argv, stdin: devices.map((d) => `addr show dev ${d}`).join("\n") + "\n" }, signal ? { signal } : {});
  if (res.exitCode !== 0 && !onlyMissingDevices(res.stderr)) throw new CommandFailedError({ argv, exitCode: res.exitCode, stderr: res.stderr });
  return res.stdout.split("\n").flatMap((line) => parseIpLinkJson(line));
}

async function readScoped(runner: HostRunner, devices: readonly string[], opts: ReadOptions): Promise<HostNetState> {
  const [links, nat] = await Promise.all([readLinks(runner, [...new Set(devices)], opts.signal), readNat(runner, opts)]);
  if (!opts.fdb) return hostNetState(links, undefined, nat);
  const vxlans = links.filter((l) => l.kind === "vxlan").map((l) => l.name);
  const fdbs = await Promise.all(vxlans.map((d) => readDevice(runner, ["bridge", "-j", "fdb", "show", "dev", d], opts.signal)));
  return hostNetState(links, fdbs.flatMap((o, i) => (o === undefined ? [] : parseBridgeFdbJson(o, vxlans[i]))), nat);
}
