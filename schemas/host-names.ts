/**
 * Deterministic host object names (bridges, vxlan/vlan links, taps, veths, netns, files).
 *
 * Linux interface names hold at most 15 characters, so a name is a short role prefix plus a
 * hash of the resource identity. The hash is sha256 over the identity parts joined with NUL
 * separators (so `a/bc` and `ab/c` never collide, unlike a crc32 of a concatenation), encoded
 * in base32 (lowercase, [a-z2-7]); 10 characters give 50 bits. See docs/naming.md.
 *
 * Every humops name starts with `hm` and a role letter, so the agent can tell its own objects
 * from foreign ones (`isHumopsName`).
 */
import { createHash } from "node:crypto";

/** Roles and their prefixes. Each prefix is 3 characters plus a hash. */
export const NAME_PREFIX = {
  bridge: "hmb",
  vxlan: "hmx",
  vlan: "hml",
  tap: "hmt",
  routerExternalVeth: "hme",
  routerNicVeth: "hmn",
  netns: "hmr",
} as const;

/** A role of a host name. */
export type NameRole = keyof typeof NAME_PREFIX;

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** The base32 (lowercase) sha256 hash of the NUL-joined parts, `length` characters long. */
export function identityHash(parts: readonly string[], length = 10): string {
  const digest = createHash("sha256").update(parts.join("\0")).digest();
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= length) break;
  }
  return out;
}

/** Name of a role's host object for the resource identified by `parts` (e.g. group, namespace, id). */
export function hostName(role: NameRole, parts: readonly string[]): string {
  return `${NAME_PREFIX[role]}${identityHash([role, ...parts], 12)}`;
}

/** Bridge of a network on every node that carries it. */
export function bridgeName(group: string, namespace: string, networkId: string): string {
  return hostName("bridge", [group, namespace, networkId]);
}

/** The VXLAN link of a network. */
export function vxlanName(group: string, namespace: string, networkId: string): string {
  return hostName("vxlan", [group, namespace, networkId]);
}

/** The VLAN link of a network. */
export function vlanName(group: string, namespace: string, networkId: string): string {
  return hostName("vlan", [group, namespace, networkId]);
}

/** The tap of a VM's NIC number `index`. */
export function tapName(group: string, namespace: string, vmId: string, index: number): string {
  return hostName("tap", [group, namespace, vmId, String(index)]);
}

/** The network namespace of a virtual router. */
export function routerNetnsName(group: string, namespace: string, routerId: string): string {
  return hostName("netns", [group, namespace, routerId]);
}

/** True when `name` has the shape of a humops host object name (prefix plus 12 base32 characters). */
export function isHumopsName(name: string): boolean {
  return /^hm[bxltenr][a-z2-7]{12}$/.test(name);
}

/** The role of a humops name, or undefined for a foreign name. */
export function roleOfName(name: string): NameRole | undefined {
  if (!isHumopsName(name)) return undefined;
  const prefix = name.slice(0, 3);
  return (Object.keys(NAME_PREFIX) as NameRole[]).find((r) => NAME_PREFIX[r] === prefix);
}
