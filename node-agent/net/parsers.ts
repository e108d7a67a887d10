/**
 * Pure parsers of what the net drivers read from a host: `ip -d -j addr show` (links with their
 * kind, master, vxlan/vlan data and addresses; `ip -j link` parses the same way, without
 * addresses), `bridge -j fdb show`, `iptables-save`, `ip -j netns list`, `ip -j route`.
 * Unit-tested on outputs captured from a real kernel (test/node-agent/net/fixtures/).
 */

/** One IPv4/IPv6 address of a link. */
export interface LinkAddress {
  readonly family: "inet" | "inet6";
  readonly address: string;
  readonly prefix: number;
  readonly scope: string;
}

/** What the net drivers need to know about one link. */
export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  /** `linkinfo.info_kind`: bridge, vxlan, vlan, veth...; undefined for plain devices. */
  readonly kind?: string;
  readonly master?: string;
  /** The administrative UP flag. */
  readonly isUp: boolean;
  /** The lower device (`link`) of a vlan, or the peer of a veth in the same netns. */
  readonly parent?: string;
  readonly vxlan?: { readonly id: number; readonly group?: string; readonly local?: string; readonly dev?: string; readonly port?: number };
  readonly vlanId?: number;
  readonly addresses: readonly LinkAddress[];
}

type Json = Record<string, unknown>;

function parseJsonArray(what: string, stdout: string): Json[] {
  const text = stdout.trim();
  if (text === "") return [];
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v)) throw new SyntaxError(`${what}: expected a JSON array`);
  return v.filter((x): x is Json => typeof x === "object" && x !== null);
}

function optStr(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function vxlanOf(data: Json): NonNullable<LinkInfo["vxlan"]> {
  const group = optStr(data["group"]);
  const local = optStr(data["local"]);
  const dev = optStr(data["link"]);
  const port = typeof data["port"] === "number" ? data["port"] : undefined;
  return {
    id: Number(data["id"]),
    ...(group !== undefined ? { group } : {}),
    ...(local !== undefined ? { local } : {}),
    ...(dev !== undefined ? { dev } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}

function addressesOf(raw: unknown): LinkAddress[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((a): a is Json => typeof a === "object" && a !== null)
    .filter((a) => a["family"] === "inet" || a["family"] === "inet6")
    .map((a) => ({
      family: a["family"] as "inet" | "inet6",
      address: String(a["local"]),
      prefix: Number(a["prefixlen"]),
      scope: String(a["scope"] ?? ""),
    }));
}

function linkOf(l: Json): LinkInfo {
  const info = (l["linkinfo"] ?? {}) as Json;
  const kind = optStr(info["info_kind"]);
  const data = (info["info_data"] ?? {}) as Json;
  const master = optStr(l["master"]);
  const parent = optStr(l["link"]);
  const flags = Array.isArray(l["flags"]) ? (l["flags"] as unknown[]) : [];
  return {
    name: String(l["ifname"]),
    index: Number(l["ifindex"]),
    ...(kind !== undefined ? { kind } : {}),
    ...(master !== undefined ? { master } : {}),
    ...(parent !== undefined ? { parent } : {}),
    isUp: flags.includes("UP"),
    ...(kind === "vxlan" ? { vxlan: vxlanOf(data) } : {}),
    ...(kind === "vlan" ? { vlanId: Number(data["id"]) } : {}),
    addresses: addressesOf(l["addr_info"]),
  };
}

/** Parses `ip -d -j link show` or `ip -d -j addr show` output. Throws SyntaxError on non-JSON. */
export function parseIpLinkJson(stdout: string): LinkInfo[] {
  return parseJsonArray("ip -j link", stdout).map(linkOf);
}

/** One forwarding database entry of `bridge -j fdb show`. */
export interface FdbEntry {
  readonly mac: string;
  readonly dev?: string;
  /** Remote VTEP of a vxlan entry. */
  readonly dst?: string;
  readonly state?: string;
}

/** Parses `bridge -j fdb show [dev X]`; entries of `show dev X` carry no `ifname`, so `dev` defaults to `devDefault`. */
export function parseBridgeFdbJson(stdout: string, devDefault?: string): FdbEntry[] {
  return parseJsonArray("bridge -j fdb", stdout).map((e) => {
    const dev = optStr(e["ifname"]) ?? devDefault;
    const dst = optStr(e["dst"]);
    const state = optStr(e["state"]);
    return { mac: String(e["mac"]), ...(dev !== undefined ? { dev } : {}), ...(dst !== undefined ? { dst } : {}), ...(state !== undefined ? { state } : {}) };
  });
}

/** One table of `iptables-save`: chain names and rule lines (`-A CHAIN ...`) in order. */
export interface IptablesTable {
  readonly chains: readonly string[];
  readonly rules: readonly string[];
}

/** Parses `iptables-save [-t T]` into tables by name; comment lines and counters are dropped. */
export function parseIptablesSave(stdout: string): Record<string, IptablesTable> {
  const out: Record<string, { chains: string[]; rules: string[] }> = {};
  let cur: { chains: string[]; rules: string[] } | undefined;
  for (const raw of stdout.split("\n")) {
    const line = raw.trimEnd();
    if (line.startsWith("*")) {
      cur = { chains: [], rules: [] };
      out[line.slice(1)] = cur;
    } else if (cur && line.startsWith(":")) {
      cur.chains.push(line.slice(1).split(" ")[0] ?? "");
    } else if (cur && line.startsWith("-A ")) {
      cur.rules.push(line);
    }
  }
  return out;
}

/** Splits an iptables-save rule line into arguments, honouring double quotes and `\"` escapes. */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQuotes = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && inQuotes && i + 1 < line.length) {
      cur += line[++i];
    } else if (c === '"') {
      inQuotes = !inQuotes;
      has = true;
    } else if (c === " " && !inQuotes) {
      if (has || cur !== "") out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur !== "") out.push(cur);
  return out;
}

/** The `--comment` of a rule line, or undefined. */
export function commentOf(line: string): string | undefined {
  const args = splitRule(line);
  const i = args.indexOf("--comment");
  return i >= 0 ? args[i + 1] : undefined;
}

/** Parses `ip -j netns list` (names only). */
export function parseNetnsListJson(stdout: string): string[] {
  return parseJsonArray("ip -j netns list", stdout).map((n) => String(n["name"]));
}

/** The gateway of the default route in `ip -j route show default`, or undefined. */
export function parseDefaultGateway(stdout: string): string | undefined {
  const r = parseJsonArray("ip -j route", stdout).find((x) => x["dst"] === "default");
  return r ? optStr(r["gateway"]) : undefined;
}
