/**
 * The leak guard of real-host tests: take `snapshotHost()` before, `assertNoLeaks(before)`
 * after. It only reads the machine's own namespace (`ip netns list`, `ip -j link`,
 * `iptables-save`), never changes it.
 *
 * What counts as a leak, so that parallel tests of other processes do not trip it:
 * - a network namespace that appeared and carries this process's tag, or is one of
 *   `opts.names` (e.g. the router netns names the test made its agent create);
 * - a link in the root namespace that appeared and carries the tag or a humops name (no humops
 *   link may ever be in the root namespace, whoever made it);
 * - any iptables rule that appeared in the root namespace (nothing may ever add one);
 * - a dead netns entry (`dead-netns`), by the same rule as a netns: listed in /run/netns but
 *   held by no mount namespace on the machine, what an agent run in `ip netns exec NODE` and
 *   killed leaves of its routers (issue #13). Every `ip -n NAME` refuses it.
 *
 * Humops-named namespaces are not reported by default: netns names are global and
 * deterministic, so another process running the same test at the same time makes the same
 * ones. Pass `names`, or `humopsNetns: true` when nothing else runs on the machine.
 */
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../node-agent/host/host-runner.js";
import { isHumopsName } from "../../schemas/host-names.js";
import { mountedNetnsEntries } from "../../node-agent/host/netns-mounts.js";
import { testTag } from "./test-tag.js";

/** What the root namespace held at one moment. */
export interface HostSnapshot {
  readonly netns: readonly string[];
  readonly links: readonly string[];
  readonly iptables: readonly string[];
  /** Listed netns that no mount namespace on the machine holds (dead entries); absent: none. */
  readonly deadNetns?: readonly string[];
}

/** One object that appeared during the test and was not removed. */
export interface Leak {
  readonly kind: "netns" | "dead-netns" | "link" | "iptables";
  readonly name: string;
}

/** Options of findLeaks/assertNoLeaks. */
export interface LeakOptions {
  /** The tag marking this test's objects; default `testTag()`. */
  readonly tag?: string;
  /** Report new humops-named (`isHumopsName`) links in the root namespace; default true. */
  readonly humopsNames?: boolean;
  /** Report every new humops-named netns too; default false (see file header). */
  readonly humopsNetns?: boolean;
  /** Host object names (netns or root links) this test made and must have removed. */
  readonly names?: readonly string[];
}

const root = new SpawnRunner();

/** Parses `ip netns list` output (`name` or `name (id: 3)` per line). */
export function parseNetnsList(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((n) => n !== "");
}

/** The rule lines of `iptables-save` output, without comments and counters. */
export function parseIptablesRules(stdout: string): string[] {
  const rules: string[] = [];
  let table = "";
  for (const line of stdout.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1);
    else if (line.startsWith("-A ") || line.startsWith("-I ")) rules.push(`${table} ${line}`);
  }
  return rules;
}

/**
 * Reads the root namespace: netns names (and which are dead entries), link names, iptables rules.
 * Throws CommandFailedError when `ip` or `iptables-save` fail (not root, not installed).
 */
export async function snapshotHost(): Promise<HostSnapshot> {
  const [netns, links, ipt] = await Promise.all([
    runChecked(root, { argv: ["ip", "netns", "list"] }),
    runChecked(root, { argv: ["ip", "-j", "link", "show"] }),
    runChecked(root, { argv: ["iptables-save"] }),
  ]);
  const linkNames = (JSON.parse(links.stdout) as Array<{ ifname: string }>).map((l) => l.ifname);
  const names = parseNetnsList(netns.stdout);
  const held = mountedNetnsEntries();
  return { netns: names, links: linkNames, iptables: parseIptablesRules(ipt.stdout), deadNetns: names.filter((n) => !held.has(n)) };
}

/** Compares `before` with `after` (default: a new snapshot) and returns what leaked. */
export async function findLeaks(before: HostSnapshot, opts: LeakOptions = {}, after?: HostSnapshot): Promise<Leak[]> {
  const now = after ?? (await snapshotHost());
  const tag = opts.tag ?? testTag();
  const named = new Set(opts.names ?? []);
  const ours = (humops: boolean) => (n: string): boolean => n.includes(tag) || named.has(n) || (humops && isHumopsName(n));
  const appeared = (was: readonly string[], is: readonly string[]): string[] => {
    const old = new Set(was);
    return is.filter((x) => !old.has(x));
  };
  const dead = appeared(before.deadNetns ?? [], now.deadNetns ?? []).filter(ours(opts.humopsNetns ?? false));
  return [
    ...appeared(before.netns, now.netns).filter(ours(opts.humopsNetns ?? false)).filter((n) => !dead.includes(n)).map((name) => ({ kind: "netns" as const, name })),
    ...dead.map((name) => ({ kind: "dead-netns" as const, name })),
    ...appeared(before.links, now.links).filter(ours(opts.humopsNames ?? true)).map((name) => ({ kind: "link" as const, name })),
    ...appeared(before.iptables, now.iptables).map((name) => ({ kind: "iptables" as const, name })),
  ];
}

/** Thrown by assertNoLeaks; `leaks` lists what was left behind. */
export class HostLeakError extends Error {
  override readonly name = "HostLeakError";
  readonly code = "HOST_LEAK" as const;
  readonly leaks: readonly Leak[];

  constructor(leaks: readonly Leak[], options?: ErrorOptions) {
    super(`left behind on the host: ${leaks.map((l) => (l.kind === "dead-netns" ? `netns ${l.name} (a dead entry: its namespace is gone, the file stayed)` : `${l.kind} ${l.name}`)).join(", ")}`, options);
    this.leaks = leaks;
  }
}

/** Throws HostLeakError when anything of this test is left in the root namespace (see file header). */
export async function assertNoLeaks(before: HostSnapshot, opts: LeakOptions = {}): Promise<void> {
  const leaks = await findLeaks(before, opts);
  if (leaks.length > 0) throw new HostLeakError(leaks);
}
