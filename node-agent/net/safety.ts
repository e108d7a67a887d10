/**
 * The last gate before argv: every interface name, address and comment the net drivers put on
 * a command line passes one of these checks. Ids are schema-checked upstream; this is defence
 * in depth, so a bug or a bad context can never smuggle an option or a foreign name into `ip`.
 */
import ipaddr from "ipaddr.js";
import { isHumopsName } from "../../schemas/host-names.js";
import { InvalidAddressError, UnsafeNameError } from "./errors.js";

const DEVICE_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const COMMENT = /^[A-Za-z0-9_.:/-]{1,200}$/;

/** Returns `name` when it is a humops host name; throws UnsafeNameError otherwise. */
export function humopsIfName(what: string, name: string): string {
  if (!isHumopsName(name)) throw new UnsafeNameError(what, name);
  return name;
}

/**
 * Returns `name` when it is a humops name or a configured device/bridge name matching
 * `^[A-Za-z0-9_.-]{1,15}$` that does not start with `-` (never an option); throws UnsafeNameError.
 */
export function deviceName(what: string, name: string): string {
  if (isHumopsName(name)) return name;
  if (!DEVICE_NAME.test(name) || name.startsWith("-") || name === "." || name === "..") {
    throw new UnsafeNameError(what, name);
  }
  return name;
}

/** Returns the dotted-quad form of an IPv4 address; throws InvalidAddressError when ipaddr.js rejects it. */
export function ipv4(what: string, value: string): string {
  if (typeof value !== "string" || !ipaddr.IPv4.isValidFourPartDecimal(value)) {
    throw new InvalidAddressError(what, String(value));
  }
  return ipaddr.IPv4.parse(value).toString();
}

/** An IPv4 address with its prefix length, and the network it lies in. */
export interface Ipv4Cidr {
  /** The address as written (dotted quad). */
  readonly address: string;
  readonly prefix: number;
  /** `network/prefix`, as iptables-save prints it, e.g. `10.0.0.0/24`. */
  readonly network: string;
}

/** Parses `a.b.c.d/nn`; throws InvalidAddressError when it is not one. */
export function ipv4Cidr(what: string, value: string): Ipv4Cidr {
  const slash = typeof value === "string" ? value.indexOf("/") : -1;
  if (slash < 0) throw new InvalidAddressError(what, String(value));
  const address = ipv4(what, value.slice(0, slash));
  const prefixText = value.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,2}$/.test(prefixText) || prefix > 32) throw new InvalidAddressError(what, value);
  return { address, prefix, network: `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()}/${prefix}` };
}

/** Parses an address written with or without `/nn`; without one, `defaultPrefix` applies. */
export function ipv4WithPrefix(what: string, value: string, defaultPrefix: number): Ipv4Cidr {
  if (typeof value === "string" && value.includes("/")) return ipv4Cidr(what, value);
  return ipv4Cidr(what, `${ipv4(what, value)}/${defaultPrefix}`);
}

/** Returns `text` when it is safe as an iptables comment (resource keys and ids); throws UnsafeNameError. */
export function natComment(text: string): string {
  if (!COMMENT.test(text)) throw new UnsafeNameError("iptables comment", text);
  return text;
}
