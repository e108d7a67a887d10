/**
 * The spec of a `systemv0/virtualrouter` (humstack's fields), read from a command and checked:
 * every address parses (ipaddr.js), every port is 1..65535.
 */
import { NetSpecError } from "./errors.js";
import { ipv4, ipv4Cidr } from "./safety.js";

/** A port forward: traffic to destAddress:destPort (default address: natGatewayIP) goes to toDestAddress:toDestPort. */
export interface DnatRule {
  readonly destAddress?: string;
  readonly destPort: number;
  readonly toDestAddress: string;
  readonly toDestPort: number;
  /** humstack has no protocol field: absent means both TCP and UDP are forwarded. */
  readonly protocol?: "tcp" | "udp";
}

/** A router NIC: a veth into the network's bridge, with `ipv4Address` (`a.b.c.d/nn`) inside the router. */
export interface RouterNic {
  readonly networkID: string;
  readonly ipv4Address: string;
}

/** The virtual router spec as the driver uses it. */
export interface RouterSpec {
  readonly externalGateway: string;
  /** The SNAT address of every internal network, on the external side (`a.b.c.d` or `a.b.c.d/nn`). */
  readonly natGatewayIP: string;
  readonly nics: readonly RouterNic[];
  readonly externalIPs: readonly { readonly externalIPID: string; readonly bindInternalIPv4Address: string }[];
  readonly dnatRules: readonly DnatRule[];
}

type Obj = Record<string, unknown>;

function objects(res: string, v: unknown, what: string): Obj[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "object" || x === null)) throw new NetSpecError(res, `${what} must be a list of objects`);
  return v as Obj[];
}

function port(res: string, v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) throw new NetSpecError(res, `${what} must be a port 1..65535`);
  return v;
}

function text(res: string, v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new NetSpecError(res, `${what} must be a non-empty string`);
  return v;
}

function dnatRule(res: string, r: Obj, i: number): DnatRule {
  const at = `spec.dnatRules[${i}]`;
  const proto = r["protocol"];
  if (proto !== undefined && proto !== "tcp" && proto !== "udp") throw new NetSpecError(res, `${at}.protocol must be tcp or udp`);
  const dest = r["destAddress"];
  return {
    ...(dest !== undefined && dest !== "" ? { destAddress: ipv4(`${at}.destAddress`, text(res, dest, `${at}.destAddress`)) } : {}),
    destPort: port(res, r["destPort"], `${at}.destPort`),
    toDestAddress: ipv4(`${at}.toDestAddress`, text(res, r["toDestAddress"], `${at}.toDestAddress`)),
    toDestPort: port(res, r["toDestPort"], `${at}.toDestPort`),
    ...(proto !== undefined ? { protocol: proto } : {}),
  };
}

function readNic(res: string, n: Obj, i: number): RouterNic {
  const address = text(res, n["ipv4Address"], `spec.nics[${i}].ipv4Address`);
  ipv4Cidr(`spec.nics[${i}].ipv4Address`, address);
  return { networkID: text(res, n["networkID"], `spec.nics[${i}].networkID`), ipv4Address: address };
}

/** Reads and checks a router spec; throws NetSpecError or InvalidAddressError (terminal). */
export function readRouterSpec(resource: string, spec: Readonly<Record<string, unknown>>): RouterSpec {
  const nat = text(resource, spec["natGatewayIP"], "spec.natGatewayIP");
  if (nat.includes("/")) ipv4Cidr("spec.natGatewayIP", nat);
  else ipv4("spec.natGatewayIP", nat);
  return {
    externalGateway: ipv4("spec.externalGateway", text(resource, spec["externalGateway"], "spec.externalGateway")),
    natGatewayIP: nat,
    nics: objects(resource, spec["nics"], "spec.nics").map((n, i) => readNic(resource, n, i)),
    externalIPs: objects(resource, spec["externalIPs"], "spec.externalIPs").map((e, i) => ({
      externalIPID: text(resource, e["externalIPID"], `spec.externalIPs[${i}].externalIPID`),
      bindInternalIPv4Address: ipv4(`spec.externalIPs[${i}].bindInternalIPv4Address`, text(resource, e["bindInternalIPv4Address"], `spec.externalIPs[${i}].bindInternalIPv4Address`)),
    })),
    dnatRules: objects(resource, spec["dnatRules"], "spec.dnatRules").map((r, i) => dnatRule(resource, r, i)),
  };
}
