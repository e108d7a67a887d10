/**
 * The shared parts of the address checks: placing an address inside a CIDR (with the message
 * that says what to change) and an address book that reports a second user of one address.
 * Pure; ipaddr.js does the math.
 */
import type { ResourceKey } from "../../schemas/kinds.js";
import type { DesiredResource } from "../manifest/types.js";
import { fieldPath, positionOf, type ValidationContext } from "./context.js";
import { contains, isReserved, parseAddress, parseCidr, type Address, type Cidr } from "./ipv4.js";
import { str } from "./spec-access.js";

/** Who uses which address where: the first user wins, later ones are reported. */
export class AddressBook {
  private readonly users = new Map<string, Map<string, { res: DesiredResource; pointer: string }>>();
  private readonly ctx: ValidationContext;
  constructor(ctx: ValidationContext) {
    this.ctx = ctx;
  }

  /** Records `res` as a user of `a` in `scope`; a second user is reported (DUPLICATE_ADDRESS). */
  claim(scope: string, scopeName: string, a: Address, res: DesiredResource, pointer: string): void {
    let inScope = this.users.get(scope);
    if (!inScope) this.users.set(scope, (inScope = new Map()));
    const first = inScope.get(a.text);
    if (!first) {
      inScope.set(a.text, { res, pointer });
      return;
    }
    const at = positionOf(first.res, first.pointer);
    this.ctx.report(res, pointer, "DUPLICATE_ADDRESS", `${a.text} is already used in ${scopeName} by ${first.res.apiType} ${first.res.id} (${fieldPath(first.pointer)} at ${at.file}:${at.line}:${at.column}); give each user its own address`);
  }
}

/** One address to place: where it is written and the CIDR it must be in (undefined: syntax only). */
export interface Placement {
  readonly res: DesiredResource;
  readonly pointer: string;
  readonly text: string;
  readonly cidr: Cidr | undefined;
  readonly where: string;
}

/** Parses an address and checks it lies inside `cidr` as a host address; undefined when it is not usable. */
export function place(ctx: ValidationContext, p: Placement): Address | undefined {
  const a = parseAddress(p.text);
  if (!a) {
    ctx.report(p.res, p.pointer, "BAD_ADDRESS", `${fieldPath(p.pointer)} "${p.text}" is not an IPv4 address; write it as a.b.c.d`);
    return undefined;
  }
  if (!p.cidr) return a;
  if (!contains(p.cidr, a)) {
    ctx.report(p.res, p.pointer, "ADDRESS_OUTSIDE_CIDR", `${fieldPath(p.pointer)} ${a.text} is outside ${p.where} ${p.cidr.text}; pick an address inside ${p.cidr.text}`);
    return undefined;
  }
  if (isReserved(p.cidr, a)) {
    ctx.report(p.res, p.pointer, "ADDRESS_RESERVED", `${fieldPath(p.pointer)} ${a.text} is the network or broadcast address of ${p.cidr.text}; pick a host address`);
    return undefined;
  }
  if (a.prefix !== undefined && a.prefix !== p.cidr.range[1]) {
    ctx.report(p.res, p.pointer, "PREFIX_MISMATCH", `${fieldPath(p.pointer)} has prefix /${a.prefix} but ${p.where} is ${p.cidr.text}; write /${p.cidr.range[1]}`);
  }
  return a;
}

/** Parses the ipv4CIDR of every network (or pool), reporting bad ones; returns the good ones by key. */
export function cidrsOf(ctx: ValidationContext, apiType: "systemv0/network" | "corev0/externalippool"): Map<ResourceKey, Cidr> {
  const out = new Map<ResourceKey, Cidr>();
  for (const res of ctx.byType(apiType)) {
    const text = str(res.spec, "ipv4CIDR");
    if (text === undefined || text === "") continue;
    const parsed = parseCidr(text);
    if (parsed.ok) out.set(res.key, parsed.value);
    else ctx.report(res, "/spec/ipv4CIDR", "BAD_CIDR", `spec.ipv4CIDR: ${parsed.error}`);
  }
  return out;
}

