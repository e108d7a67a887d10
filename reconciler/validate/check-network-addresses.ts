/**
 * Network-side address checks (issue #3): every static address inside its network's CIDR
 * (VM NICs, router NICs, bindInternalIPv4Address, default_gateway), and no two users of one
 * address in one network (VM NICs, router NICs, the gateway). Pure.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { AddressBook, cidrsOf, place } from "./address-book.js";
import { fieldPath, type ValidationContext } from "./context.js";
import { contains, type Cidr } from "./ipv4.js";
import { arr, str } from "./spec-access.js";

const GATEWAY_ANNOTATION = "networkv0/default_gateway";

function netKey(res: DesiredResource, id: string): ResourceKey {
  return resourceKey({ apiType: "systemv0/network", group: res.group, namespace: res.namespace, id });
}

function checkNetworkGateways(ctx: ValidationContext, nets: Map<ResourceKey, Cidr>, book: AddressBook): void {
  for (const net of ctx.byType("systemv0/network")) {
    const gw = net.meta.annotations?.[GATEWAY_ANNOTATION];
    if (gw === undefined || gw === "") continue;
    const pointer = `/meta/annotations/networkv0~1default_gateway`;
    const a = place(ctx, { res: net, pointer, text: gw, cidr: nets.get(net.key), where: `the network's ipv4CIDR` });
    if (a) book.claim(net.key, `network ${net.id}`, a, net, pointer);
  }
}

interface Nic {
  readonly i: number;
  readonly id: string;
  readonly key: ResourceKey;
  readonly ip: string | undefined;
  readonly gw: string | undefined;
  readonly nameservers: readonly string[];
  /** Precomputed message parts and pointers (a re-plan builds no strings for valid NICs). */
  readonly where: string;
  readonly scopeName: string;
  readonly ipPointer: string;
}
const nicsMemo = new WeakMap<DesiredResource, readonly Nic[]>();

/** A VM's or router's NICs with their network keys (remembered per resource object). */
function nicsOf(res: DesiredResource): readonly Nic[] {
  let hit = nicsMemo.get(res);
  if (!hit) {
    hit = arr(res.spec, "nics").map((nic, i) => {
      const id = str(nic, "networkID") ?? "";
      const nameservers = arr(nic, "nameservers").filter((n): n is string => typeof n === "string");
      const texts = { where: `network ${id}'s ipv4CIDR`, scopeName: `network ${id}`, ipPointer: `/spec/nics/${i}/ipv4Address` };
      return { i, id, key: netKey(res, id), ip: str(nic, "ipv4Address") || undefined, gw: str(nic, "defaultGateway") || undefined, nameservers, ...texts };
    });
    nicsMemo.set(res, hit);
  }
  return hit;
}

function checkNic(ctx: ValidationContext, res: DesiredResource, nic: Nic, cidr: Cidr | undefined, book: AddressBook): void {
  const where = nic.where;
  if (nic.ip) {
    const a = place(ctx, { res, pointer: nic.ipPointer, text: nic.ip, cidr, where });
    if (a) book.claim(nic.key, nic.scopeName, a, res, nic.ipPointer);
  }
  if (nic.gw) place(ctx, { res, pointer: `/spec/nics/${nic.i}/defaultGateway`, text: nic.gw, cidr, where });
  nic.nameservers.forEach((ns, j) => place(ctx, { res, pointer: `/spec/nics/${nic.i}/nameservers/${j}`, text: ns, cidr: undefined, where }));
}

function checkNics(ctx: ValidationContext, nets: Map<ResourceKey, Cidr>, book: AddressBook, apiType: "systemv0/virtualrouter" | "systemv0/virtualmachine"): void {
  for (const res of ctx.byType(apiType)) {
    for (const nic of nicsOf(res)) checkNic(ctx, res, nic, nets.get(nic.key), book);
  }
}

function checkBindAddresses(ctx: ValidationContext, nets: Map<ResourceKey, Cidr>): void {
  for (const vr of ctx.byType("systemv0/virtualrouter")) {
    const cidrs = arr(vr.spec, "nics").flatMap((nic) => nets.get(netKey(vr, str(nic, "networkID") ?? "")) ?? []);
    arr(vr.spec, "externalIPs").forEach((eip, i) => {
      const text = str(eip, "bindInternalIPv4Address");
      if (!text) return;
      const pointer = `/spec/externalIPs/${i}/bindInternalIPv4Address`;
      const a = place(ctx, { res: vr, pointer, text, cidr: undefined, where: "" });
      if (!a || cidrs.length === 0 || cidrs.some((c) => contains(c, a))) return;
      const list = cidrs.map((c) => c.text).join(", ");
      ctx.report(vr, pointer, "ADDRESS_OUTSIDE_CIDR", `${fieldPath(pointer)} ${a.text} is in none of the router's networks (${list}); bind to an address inside one of them`);
    });
  }
}

/** Runs the network-side address checks; the claims order (gateway, routers, VMs) decides who is reported as the second user. */
export function checkNetworkAddresses(ctx: ValidationContext): void {
  const nets = cidrsOf(ctx, "systemv0/network");
  const book = new AddressBook(ctx);
  checkNetworkGateways(ctx, nets, book);
  checkNics(ctx, nets, book, "systemv0/virtualrouter");
  checkNics(ctx, nets, book, "systemv0/virtualmachine");
  checkBindAddresses(ctx, nets);
}

