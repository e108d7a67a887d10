/**
 * The digest of what cloud-init applies from a seed (users and NICs), which decides the
 * instance-id (cloud-init.ts). It is computed over the seed as agents first wrote it (YAML 1.2
 * text, network-config version 2), not over the files written now: the serialisation changed
 * (YAML 1.1-safe quoting, network-config version 1) without changing what is applied, and
 * instance-ids derived from this digest must not change with it, or every existing VM would run
 * cloud-init as a new instance (new SSH host keys) on its next boot. Pure.
 */
import { createHash } from "node:crypto";
import ipaddr from "ipaddr.js";
import { stringify } from "yaml";
import type { LoginUser, SeedNic } from "./cloud-init.js";

/** sha256 (hex) of users and NICs in their first serialisation. Golden-tested: it must never change for the same input. */
export function seedDigest(users: readonly LoginUser[], nics: readonly SeedNic[]): string {
  const userData = "#cloud-config\n" + stringify({ users: users.map(v2User) });
  const networkConfig = stringify({ version: 2, ethernets: Object.fromEntries(nics.map((n, i) => [`nic${i}`, v2Nic(n)])) });
  return createHash("sha256").update(userData).update("\0").update(networkConfig).digest("hex");
}

function v2User(u: LoginUser): Record<string, unknown> {
  return { name: u.username, groups: "sudo", sudo: "ALL=(ALL) NOPASSWD:ALL", shell: "/bin/bash", lock_passwd: true, ssh_authorized_keys: [...(u.sshAuthorizedKeys ?? [])] };
}

function v2Nic(n: SeedNic): Record<string, unknown> {
  const out: Record<string, unknown> = { match: { macaddress: n.mac } };
  if (n.ipv4Address) out["addresses"] = [`${ipaddr.parse(n.ipv4Address).toString()}/${n.prefix}`];
  if (n.defaultGateway) out["routes"] = [{ to: "default", via: n.defaultGateway }];
  if (n.nameservers && n.nameservers.length > 0) out["nameservers"] = { addresses: [...n.nameservers] };
  return out;
}
