/**
 * IPv4 parsing for the address checks, on ipaddr.js (no hand-written CIDR math). Strict:
 * four decimal parts only (`10.1` or `0x0a.0.0.1` are rejected). Pure.
 */
import ipaddr from "ipaddr.js";

/** A parsed IPv4 network. */
export interface Cidr {
  readonly text: string;
  readonly range: [ipaddr.IPv4, number];
  readonly network: string;
  readonly broadcast: string;
}

/** A parsed address, optionally written with a prefix (`10.0.0.254/24`). */
export interface Address {
  readonly addr: ipaddr.IPv4;
  readonly text: string;
  readonly prefix?: number;
}

/** Parses `a.b.c.d/n`; an error string says what is wrong (syntax, or host bits set). */
export function parseCidr(text: string): { ok: true; value: Cidr } | { ok: false; error: string } {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) {
    return { ok: false, error: `"${text}" is not an IPv4 CIDR (write it as a.b.c.d/prefix, e.g. 10.0.0.0/24)` };
  }
  const range = ipaddr.IPv4.parseCIDR(text);
  const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
  if (network !== range[0].toString()) {
    return { ok: false, error: `"${text}" has host bits set; write the network address ${network}/${range[1]}` };
  }
  return { ok: true, value: { text, range, network, broadcast: ipaddr.IPv4.broadcastAddressFromCIDR(text).toString() } };
}

/** Parses `a.b.c.d` or `a.b.c.d/n`; undefined when it is neither. */
export function parseAddress(text: string): Address | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return ipaddr.IPv4.isValidFourPartDecimal(text) ? { addr: ipaddr.IPv4.parse(text), text } : undefined;
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
  return { addr, text: addr.toString(), prefix };
}

/** True when `a` lies inside `cidr`. */
export function contains(cidr: Cidr, a: Address): boolean {
  return a.addr.match(cidr.range);
}

/** True when `a` is the network or broadcast address of `cidr` (no host may use it); /31 and /32 have none. */
export function isReserved(cidr: Cidr, a: Address): boolean {
  if (cidr.range[1] >= 31) return false;
  return a.text === cidr.network || a.text === cidr.broadcast;
}
