/**
 * Identities the VM driver derives from the resource: uuid, MAC addresses, runtime directory
 * name. Deterministic, so a re-applied command or a restarted agent computes the same ones.
 */
import { createHash } from "node:crypto";
import { identityHash } from "../../schemas/host-names.js";

/** A stable RFC 4122 (version 5 style, name-based) uuid for the VM's key. */
export function deriveUuid(key: string): string {
  const h = createHash("sha256").update(`humops-vm\0${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The MAC of NIC `index`: locally administered unicast (`02:` prefix) plus 40 bits of
 * sha256(key, index), so two VMs or two NICs practically never share one.
 */
export function deriveMac(key: string, index: number): string {
  const h = createHash("sha256").update(`humops-mac\0${key}\0${index}`).digest();
  const bytes = [0x02, h[0]!, h[1]!, h[2]!, h[3]!, h[4]!];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The runtime directory name of a VM under `<dataDir>/vms/` (short: QMP socket paths are limited to 107 bytes). */
export function vmDirName(group: string, namespace: string, id: string): string {
  return identityHash(["vm", group, namespace, id], 16);
}
