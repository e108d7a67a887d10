/**
 * What the controller resolves and sends in `ResourceCommand.context` for the net drivers.
 * The controller owns the cluster view (which nodes carry a network, the external IP pool, the
 * namespaces of referenced networks); the agent only applies it. `readNetworkContext` and
 * `readRouterContext` check the shape and every address before anything reaches the host.
 */
import { NetSpecError } from "./errors.js";
import { ipv4, ipv4Cidr } from "./safety.js";

/** Context of a `systemv0/network` command. */
export interface NetworkContext {
  /**
   * Underlay addresses (nodeAddress) of the OTHER nodes that carry this network. Used only for
   * VXLAN in head-end-replication mode (agent config `vxlan.mode: static`, or no `vxlan.group`):
   * one all-zero fdb entry per peer floods broadcast/unknown traffic to it. Empty or absent:
   * no peers (a network on a single node).
   */
  readonly peers?: readonly string[];
}

/** One external IP a router carries, resolved from `corev0/externalip` and its pool. */
export interface RouterExternalIP {
  /** `spec.externalIPs[].externalIPID` of the router. */
  readonly externalIPID: string;
  /** The externalip's `ipv4Address`, e.g. `203.0.113.10`. */
  readonly address: string;
  /** The externalip's `ipv4Prefix`, e.g. 24. */
  readonly prefix: number;
  /** Where traffic to `address` is sent (DNAT), and whose outgoing traffic leaves as `address` (SNAT). */
  readonly bindInternalIPv4Address: string;
}

/** A network a router NIC attaches to: where its bridge is (bridgeName(group, namespace, id)) and its CIDR. */
export interface RouterNetworkRef {
  readonly group: string;
  readonly namespace: string;
  /** The network's `spec.ipv4CIDR`: traffic from it leaves with natGatewayIP (SNAT). */
  readonly ipv4CIDR: string;
}

/** Context of a `systemv0/virtualrouter` command. */
export interface RouterContext {
  /** The pool's `bridgeName` (e.g. `exBr`): must exist on the node, humops never creates it. */
  readonly externalBridge: string;
  /** Prefix length of the pool's `ipv4CIDR`, used for natGatewayIP when it has no `/nn`. */
  readonly externalPrefix: number;
  /** Every `spec.externalIPs` entry, resolved. */
  readonly externalIPs: readonly RouterExternalIP[];
  /** Every network named by `spec.nics[].networkID`, by that id. */
  readonly networks: Readonly<Record<string, RouterNetworkRef>>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(res: string, v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new NetSpecError(res, `${what} must be a non-empty string`);
  return v;
}

function prefixOf(res: string, v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 32) throw new NetSpecError(res, `${what} must be an integer 0..32`);
  return v;
}

/** Checks a network command's context; throws NetSpecError (or InvalidAddressError for a bad peer). */
export function readNetworkContext(resource: string, raw: unknown): NetworkContext {
  if (raw === undefined) return {};
  if (!isObj(raw)) throw new NetSpecError(resource, "context must be an object");
  const peers = raw["peers"];
  if (peers === undefined) return {};
  if (!Array.isArray(peers)) throw new NetSpecError(resource, "context.peers must be an array of addresses");
  return { peers: peers.map((p, i) => ipv4(`context.peers[${i}]`, str(resource, p, `context.peers[${i}]`))) };
}

function readExternalIP(res: string, v: unknown, i: number): RouterExternalIP {
  const at = `context.externalIPs[${i}]`;
  if (!isObj(v)) throw new NetSpecError(res, `${at} must be an object`);
  return {
    externalIPID: str(res, v["externalIPID"], `${at}.externalIPID`),
    address: ipv4(`${at}.address`, str(res, v["address"], `${at}.address`)),
    prefix: prefixOf(res, v["prefix"], `${at}.prefix`),
    bindInternalIPv4Address: ipv4(`${at}.bindInternalIPv4Address`, str(res, v["bindInternalIPv4Address"], `${at}.bindInternalIPv4Address`)),
  };
}

function readNetworks(res: string, v: unknown): Record<string, RouterNetworkRef> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new NetSpecError(res, "context.networks must be an object keyed by network id");
  const out: Record<string, RouterNetworkRef> = {};
  for (const [id, n] of Object.entries(v)) {
    if (!isObj(n)) throw new NetSpecError(res, `context.networks.${id} must be an object`);
    out[id] = {
      group: str(res, n["group"], `context.networks.${id}.group`),
      namespace: str(res, n["namespace"], `context.networks.${id}.namespace`),
      ipv4CIDR: ipv4Cidr(`context.networks.${id}.ipv4CIDR`, str(res, n["ipv4CIDR"], `context.networks.${id}.ipv4CIDR`)).network,
    };
  }
  return out;
}

/** Checks a router command's context; throws NetSpecError or InvalidAddressError. */
export function readRouterContext(resource: string, raw: unknown): RouterContext {
  if (!isObj(raw)) throw new NetSpecError(resource, "context must be an object with externalBridge, externalPrefix, externalIPs, networks");
  const eips = raw["externalIPs"] ?? [];
  if (!Array.isArray(eips)) throw new NetSpecError(resource, "context.externalIPs must be an array");
  return {
    externalBridge: str(resource, raw["externalBridge"], "context.externalBridge"),
    externalPrefix: prefixOf(resource, raw["externalPrefix"], "context.externalPrefix"),
    externalIPs: eips.map((e, i) => readExternalIP(resource, e, i)),
    networks: readNetworks(resource, raw["networks"]),
  };
}
