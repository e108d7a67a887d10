/**
 * The node's own nat table, shared with whatever else runs there: humops only ever touches its
 * chain `HUMOPS-POSTROUTING` (jumped to from POSTROUTING) and, inside it, rules whose comment
 * is the resource key that owns them. Pure renderers of `iptables-restore --noflush` lines.
 */
import type { Op } from "./ops.js";
import { commentOf } from "./parsers.js";
import type { IptablesTable } from "./parsers.js";

/** humops' chain in the node's nat table. */
export const NODE_NAT_CHAIN = "HUMOPS-POSTROUTING";
/** The jump from POSTROUTING, as iptables-save prints it. */
export const NODE_NAT_JUMP = `-A POSTROUTING -j ${NODE_NAT_CHAIN}`;

/** The MASQUERADE rule of a network, exactly as iptables-save prints it. */
export function masqueradeRule(cidr: string, comment: string): string {
  return `-A ${NODE_NAT_CHAIN} -s ${cidr} ! -d ${cidr} -m comment --comment "${comment}" -j MASQUERADE`;
}

/** Ops creating the chain and the jump when missing (shared by all networks). */
export function natBaseOps(nat: IptablesTable): Op[] {
  const ops: Op[] = [];
  if (!nat.chains.includes(NODE_NAT_CHAIN)) ops.push({ why: `nat chain ${NODE_NAT_CHAIN} missing`, tool: "nat", line: `:${NODE_NAT_CHAIN} - [0:0]` });
  if (!nat.rules.includes(NODE_NAT_JUMP)) ops.push({ why: `jump to ${NODE_NAT_CHAIN} missing`, tool: "nat", line: NODE_NAT_JUMP });
  return ops;
}

/** The rules in humops' chain owned by `comment`. */
export function ownedRules(nat: IptablesTable, comment: string): string[] {
  return nat.rules.filter((r) => r.startsWith(`-A ${NODE_NAT_CHAIN} `) && commentOf(r) === comment);
}

/** Ops making the rules owned by `comment` exactly `wanted` (deleting stale ones, adding missing ones). */
export function natRuleOps(nat: IptablesTable, comment: string, wanted: readonly string[]): Op[] {
  const have = ownedRules(nat, comment);
  const stale = have.filter((r) => !wanted.includes(r)).map((r): Op => ({ why: `nat rule of ${comment} stale`, tool: "nat", line: `-D${r.slice(2)}` }));
  const missing = wanted.filter((r) => !have.includes(r)).map((r): Op => ({ why: `nat rule of ${comment} missing`, tool: "nat", line: r }));
  return [...stale, ...missing];
}
