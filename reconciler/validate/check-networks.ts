/**
 * Network checks (issue #3): `networkv0/network_type` is VXLAN, VLAN or Bridge; a VXLAN id
 * is 1..16777215 and unique across the cluster (one VNI is one L2 segment on every node); a
 * VLAN id is 1..4094. Pure.
 */
import type { DesiredResource } from "../manifest/types.js";
import { positionOf, type ValidationContext } from "./context.js";
import { str } from "./spec-access.js";

/** The annotation that selects a network's type. */
export const NETWORK_TYPE_ANNOTATION = "networkv0/network_type";
const TYPE_POINTER = "/meta/annotations/networkv0~1network_type";
const TYPES = ["VXLAN", "VLAN", "Bridge"] as const;
const ID_RANGE = { VXLAN: 16_777_215, VLAN: 4094 } as const;

/** A network's type; a missing annotation means Bridge (reported as a warning). */
export function networkType(annotations: Readonly<Record<string, string>> | undefined): string {
  return annotations?.[NETWORK_TYPE_ANNOTATION] ?? "Bridge";
}

function checkType(ctx: ValidationContext, net: DesiredResource): string | undefined {
  const type = net.meta.annotations?.[NETWORK_TYPE_ANNOTATION];
  if (type === undefined) {
    ctx.report(net, "/meta", "MISSING_NETWORK_TYPE", `annotation ${NETWORK_TYPE_ANNOTATION} is not set, so the network is a plain Bridge; set it to VXLAN, VLAN or Bridge`, "warning");
    return "Bridge";
  }
  if ((TYPES as readonly string[]).includes(type)) return type;
  ctx.report(net, TYPE_POINTER, "BAD_NETWORK_TYPE", `annotation ${NETWORK_TYPE_ANNOTATION} is "${type}"; use one of ${TYPES.join(", ")}`);
  return undefined;
}

function checkId(ctx: ValidationContext, net: DesiredResource, type: "VXLAN" | "VLAN"): number | undefined {
  const id = str(net.spec, "id") ?? "";
  const max = ID_RANGE[type];
  const n = /^[0-9]{1,9}$/.test(id) ? Number(id) : NaN;
  if (n >= 1 && n <= max) return n;
  ctx.report(net, "/spec/id", "BAD_NETWORK_ID", `spec.id "${id}" is not a ${type} id; a ${type} network needs a whole number from 1 to ${max}`);
  return undefined;
}

/** Runs the network checks in key order, so the second holder of a VNI is the one reported. */
export function checkNetworks(ctx: ValidationContext): void {
  const vnis = new Map<number, DesiredResource>();
  for (const net of ctx.byType("systemv0/network")) {
    const type = checkType(ctx, net);
    if (type !== "VXLAN" && type !== "VLAN") continue;
    const id = checkId(ctx, net, type);
    if (type !== "VXLAN" || id === undefined) continue;
    const first = vnis.get(id);
    if (!first) {
      vnis.set(id, net);
      continue;
    }
    const at = positionOf(first, "/spec/id");
    ctx.report(net, "/spec/id", "DUPLICATE_VXLAN_ID", `VXLAN id ${id} is already used by network ${first.group ?? ""}/${first.namespace ?? ""}/${first.id} (${at.file}:${at.line}:${at.column}); VXLAN ids are unique across the cluster, pick another`);
  }
}
