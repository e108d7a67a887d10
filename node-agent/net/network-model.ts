/**
 * What one `systemv0/network` command asks of a node, in host terms: link names, VXLAN/VLAN
 * parameters, the gateway address and the MASQUERADE rule. Pure; every name and address is
 * checked here, so planners and renderers downstream only see safe values.
 */
import { bridgeName, vlanName, vxlanName } from "../../schemas/host-names.js";
import type { NodeEnvironment, ResourceCommand } from "../driver.js";
import { readNetworkContext } from "./context.js";
import { NetSpecError } from "./errors.js";
import { deviceName, humopsIfName, ipv4, ipv4Cidr, natComment } from "./safety.js";
import type { Ipv4Cidr } from "./safety.js";

/** The annotation that selects the network type (humstack's). */
export const NETWORK_TYPE_ANNOTATION = "networkv0/network_type";
/** The annotation `a.b.c.d/nn`: gateway address on the bridge plus NAPT for the network. */
export const DEFAULT_GATEWAY_ANNOTATION = "networkv0/default_gateway";
/** The VXLAN UDP port, always explicit (the kernel's default is 8472, not IANA's 4789). */
export const VXLAN_PORT = 4789;

/** A network type humstack knows. */
export type NetworkType = "Bridge" | "VXLAN" | "VLAN";

/** A VXLAN link: multicast when `group` is set, head-end replication to `peers` otherwise. */
export interface VxlanModel {
  readonly name: string;
  readonly id: number;
  readonly dev: string;
  readonly port: number;
  readonly group?: string;
  readonly local?: string;
  readonly peers: readonly string[];
}

/** The host objects of one network on one node. */
export interface NetworkModel {
  readonly key: string;
  readonly type: NetworkType;
  readonly bridge: string;
  readonly vxlan?: VxlanModel;
  readonly vlan?: { readonly name: string; readonly id: number; readonly dev: string };
  readonly gateway?: Ipv4Cidr;
  /** The MASQUERADE rule's source CIDR (spec.ipv4CIDR, else the gateway's network) and comment. */
  readonly masquerade?: { readonly cidr: string; readonly comment: string };
  /** Links of the other network types (vxlan/vlan names of this identity): removed when present. */
  readonly unusedLinks: readonly string[];
}

/** Every link name a network identity can own on a node, whatever its type. */
export function networkLinkNames(cmd: Pick<ResourceCommand, "group" | "namespace" | "id">): { bridge: string; vxlan: string; vlan: string } {
  const g = cmd.group ?? "";
  const ns = cmd.namespace ?? "";
  return {
    bridge: humopsIfName("bridge", bridgeName(g, ns, cmd.id)),
    vxlan: humopsIfName("vxlan", vxlanName(g, ns, cmd.id)),
    vlan: humopsIfName("vlan", vlanName(g, ns, cmd.id)),
  };
}

function typeOf(cmd: ResourceCommand): NetworkType {
  const t = cmd.annotations[NETWORK_TYPE_ANNOTATION] ?? "Bridge";
  if (t === "Bridge" || t === "VXLAN" || t === "VLAN") return t;
  throw new NetSpecError(cmd.key, `annotation ${NETWORK_TYPE_ANNOTATION} ${JSON.stringify(t)}: want Bridge, VXLAN or VLAN`);
}

function idOf(cmd: ResourceCommand, max: number): number {
  const raw = cmd.spec["id"];
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || !/^\d{1,8}$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new NetSpecError(cmd.key, `spec.id ${JSON.stringify(raw)}: want an integer 1..${max}`);
  }
  return Number(text);
}

function vxlanOf(cmd: ResourceCommand, node: NodeEnvironment, name: string): VxlanModel {
  if (!node.vxlan) throw new NetSpecError(cmd.key, "VXLAN network but the agent config has no networkAgentConfig.vxlan");
  const base = { name, id: idOf(cmd, 16_777_215), dev: deviceName("vxlan.devName", node.vxlan.devName), port: VXLAN_PORT };
  const isStatic = node.vxlan.mode === "static" || node.vxlan.group === undefined || node.vxlan.group === "";
  if (!isStatic) return { ...base, group: ipv4("vxlan.group", node.vxlan.group ?? ""), peers: [] };
  const peers = [...new Set(readNetworkContext(cmd.key, cmd.context).peers ?? [])].sort();
  return { ...base, local: ipv4("nodeAddress", node.address), peers };
}

function gatewayOf(cmd: ResourceCommand): Pick<NetworkModel, "gateway" | "masquerade"> {
  const gw = cmd.annotations[DEFAULT_GATEWAY_ANNOTATION];
  if (gw === undefined || gw === "") return {};
  const gateway = ipv4Cidr(DEFAULT_GATEWAY_ANNOTATION, gw);
  const cidrText = cmd.spec["ipv4CIDR"];
  const cidr = typeof cidrText === "string" ? ipv4Cidr("spec.ipv4CIDR", cidrText).network : gateway.network;
  return { gateway, masquerade: { cidr, comment: natComment(cmd.key) } };
}

/**
 * The host model of a network command on `node`.
 * Throws NetSpecError (unknown type, bad id, VXLAN/VLAN without agent config), UnsafeNameError
 * or InvalidAddressError: all terminal, re-sending the same command cannot succeed.
 */
export function networkModel(cmd: ResourceCommand, node: NodeEnvironment): NetworkModel {
  const names = networkLinkNames(cmd);
  const type = typeOf(cmd);
  const unusedLinks = type === "VXLAN" ? [names.vlan] : type === "VLAN" ? [names.vxlan] : [names.vxlan, names.vlan];
  const base = { key: natComment(cmd.key), type, bridge: names.bridge, ...gatewayOf(cmd), unusedLinks };
  if (type === "VXLAN") return { ...base, vxlan: vxlanOf(cmd, node, names.vxlan) };
  if (type === "VLAN") {
    if (!node.vlan) throw new NetSpecError(cmd.key, "VLAN network but the agent config has no networkAgentConfig.vlan");
    return { ...base, vlan: { name: names.vlan, id: idOf(cmd, 4094), dev: deviceName("vlan.devName", node.vlan.devName) } };
  }
  return base;
}
