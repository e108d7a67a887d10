/**
 * Pool-side address checks (issue #3): the pool's CIDR and gateway, every externalip inside its
 * pool's CIDR, a router's natGatewayIP and externalGateway inside its pool, and external IPs
 * and NAT gateway IPs unique in their pool. Pure.
 */
import { resourceKey, type ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { AddressBook, cidrsOf, place } from "./address-book.js";
import type { ValidationContext } from "./context.js";
import { contains, parseAddress, type Cidr } from "./ipv4.js";
import { arr, str } from "./spec-access.js";

function poolKey(id: string): ResourceKey {
  return resourceKey({ apiType: "corev0/externalippool", id });
}

/** The pool a router's external side is in: its first external IP's pool, else the pool holding its externalGateway. */
export function routerPoolKey(ctx: ValidationContext, vr: DesiredResource, pools: ReadonlyMap<ResourceKey, Cidr>): ResourceKey | undefined {
  for (const eip of arr(vr.spec, "externalIPs")) {
    const key = resourceKey({ apiType: "corev0/externalip", group: vr.group, namespace: vr.namespace, id: str(eip, "externalIPID") ?? "" });
    const pool = str(ctx.resources.get(key)?.spec, "poolID");
    if (pool) return poolKey(pool);
  }
  const gw = parseAddress(str(vr.spec, "externalGateway") ?? "");
  if (!gw) return undefined;
  return [...pools.entries()].find(([, c]) => contains(c, gw))?.[0];
}

function checkPoolGateways(ctx: ValidationContext, pools: Map<ResourceKey, Cidr>, book: AddressBook): void {
  for (const pool of ctx.byType("corev0/externalippool")) {
    const gw = str(pool.spec, "defaultGateway");
    if (!gw) continue;
    const a = place(ctx, { res: pool, pointer: "/spec/defaultGateway", text: gw, cidr: pools.get(pool.key), where: "the pool's ipv4CIDR" });
    if (a) book.claim(pool.key, `externalippool ${pool.id}`, a, pool, "/spec/defaultGateway");
  }
}

function checkExternalIps(ctx: ValidationContext, pools: Map<ResourceKey, Cidr>, book: AddressBook): void {
  for (const eip of ctx.byType("corev0/externalip")) {
    const id = str(eip.spec, "poolID") ?? "";
    const text = str(eip.spec, "ipv4Address");
    if (!text) continue;
    const cidr = pools.get(poolKey(id));
    const a = place(ctx, { res: eip, pointer: "/spec/ipv4Address", text, cidr, where: `externalippool ${id}'s ipv4CIDR` });
    if (!a) continue;
    book.claim(poolKey(id), `externalippool ${id}`, a, eip, "/spec/ipv4Address");
    const prefix = eip.spec["ipv4Prefix"];
    if (cidr && typeof prefix === "number" && prefix !== cidr.range[1]) {
      ctx.report(eip, "/spec/ipv4Prefix", "PREFIX_MISMATCH", `spec.ipv4Prefix is ${prefix} but externalippool ${id} is ${cidr.text}; write ${cidr.range[1]}`);
    }
  }
}

function checkRouters(ctx: ValidationContext, pools: Map<ResourceKey, Cidr>, book: AddressBook): void {
  for (const vr of ctx.byType("systemv0/virtualrouter")) {
    const key = routerPoolKey(ctx, vr, pools);
    const cidr = key ? pools.get(key) : undefined;
    const where = key ? `externalippool ${key.split("/").pop() ?? ""}'s ipv4CIDR` : "";
    const gw = str(vr.spec, "externalGateway");
    if (gw) place(ctx, { res: vr, pointer: "/spec/externalGateway", text: gw, cidr, where });
    const nat = str(vr.spec, "natGatewayIP");
    if (!nat) continue;
    const a = place(ctx, { res: vr, pointer: "/spec/natGatewayIP", text: nat, cidr, where });
    if (a && key && cidr) book.claim(key, `externalippool ${key.split("/").pop() ?? ""}`, a, vr, "/spec/natGatewayIP");
    else if (a && !key && pools.size > 0) {
      ctx.report(vr, "/spec/natGatewayIP", "NO_POOL_FOR_ADDRESS", `no externalippool holds natGatewayIP ${a.text} (the router has no external IP and its externalGateway is in no pool); set externalGateway to a pool's gateway or add an external IP`);
    }
  }
}

/** Runs the pool-side checks; claims in the order gateway, external IPs, routers. */
export function checkPoolAddresses(ctx: ValidationContext): void {
  const pools = cidrsOf(ctx, "corev0/externalippool");
  const book = new AddressBook(ctx);
  checkPoolGateways(ctx, pools, book);
  checkExternalIps(ctx, pools, book);
  checkRouters(ctx, pools, book);
}
