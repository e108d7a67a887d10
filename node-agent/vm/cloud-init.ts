/**
 * The cloud-init NoCloud seed of a VM (pure): meta-data, user-data and network-config
 * (version 2, NICs matched by MAC), and the genisoimage command that packs them into an
 * ISO9660 volume labelled `cidata`.
 */
import { createHash } from "node:crypto";
import ipaddr from "ipaddr.js";
import { stringify } from "yaml";
import type { Command } from "../host/host-runner.js";

/** A login user as the VM spec has it. */
export interface LoginUser {
  readonly username: string;
  readonly sshAuthorizedKeys?: readonly string[];
}

/** A NIC with everything cloud-init needs. */
export interface SeedNic {
  readonly mac: string;
  /** Static IPv4 address without prefix (`10.0.0.1`), or undefined for none. */
  readonly ipv4Address?: string;
  /** Prefix length of the NIC's network. */
  readonly prefix: number;
  readonly defaultGateway?: string;
  readonly nameservers?: readonly string[];
}

/** What goes into the seed. */
export interface SeedInput {
  readonly uuid: string;
  readonly hostname: string;
  readonly users: readonly LoginUser[];
  readonly nics: readonly SeedNic[];
}

/** The three seed files plus the digest of what cloud-init applies (users and network). */
export interface SeedFiles {
  readonly metaData: string;
  readonly userData: string;
  readonly networkConfig: string;
  /** sha256 (hex) of user-data and network-config: when it changes, cloud-init must run again. */
  readonly digest: string;
}

/**
 * Renders the seed. `instanceId` is the VM's uuid while the seed's content is the one the VM
 * was first created with, and `<uuid>-<digest8>` after users or NICs changed, so cloud-init
 * re-runs exactly when what it applies changed (docs/vms.md).
 */
export function renderSeed(input: SeedInput, firstDigest?: string): SeedFiles {
  const userData = "#cloud-config\n" + stringify({ users: input.users.map(renderUser) });
  const networkConfig = stringify({ version: 2, ethernets: Object.fromEntries(input.nics.map((n, i) => [`nic${i}`, renderNic(n)])) });
  const digest = createHash("sha256").update(userData).update("\0").update(networkConfig).digest("hex");
  const instanceId = firstDigest === undefined || firstDigest === digest ? input.uuid : `${input.uuid}-${digest.slice(0, 8)}`;
  const metaData = stringify({ "instance-id": instanceId, "local-hostname": input.hostname });
  return { metaData, userData, networkConfig, digest };
}

function renderUser(u: LoginUser): Record<string, unknown> {
  return {
    name: u.username,
    groups: "sudo",
    sudo: "ALL=(ALL) NOPASSWD:ALL",
    shell: "/bin/bash",
    lock_passwd: true,
    ssh_authorized_keys: [...(u.sshAuthorizedKeys ?? [])],
  };
}

function renderNic(n: SeedNic): Record<string, unknown> {
  const out: Record<string, unknown> = { match: { macaddress: n.mac } };
  if (n.ipv4Address) out["addresses"] = [`${ipaddr.parse(n.ipv4Address).toString()}/${n.prefix}`];
  if (n.defaultGateway) out["routes"] = [{ to: "default", via: n.defaultGateway }];
  if (n.nameservers && n.nameservers.length > 0) out["nameservers"] = { addresses: [...n.nameservers] };
  return out;
}

/** The command that packs `<dir>/{meta-data,user-data,network-config}` into `isoPath` (label cidata). */
export function buildSeedIsoCommand(dir: string, isoPath: string): Command {
  return {
    argv: ["genisoimage", "-quiet", "-output", isoPath, "-volid", "cidata", "-joliet", "-rock", `${dir}/meta-data`, `${dir}/user-data`, `${dir}/network-config`],
  };
}
