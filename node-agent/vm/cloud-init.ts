/**
 * The cloud-init NoCloud seed of a VM (pure): meta-data, user-data and network-config, and the
 * genisoimage command that packs them into an ISO9660 volume labelled `cidata`.
 *
 * Written for the cloud-init of Debian 12 (22.4), Ubuntu 22.04/24.04 (22.x-24.x) and RHEL-like 9
 * (23.x) with each of their renderers (ifupdown/ENI, netplan, networkd, sysconfig,
 * NetworkManager); docs/vms.md says why each choice:
 * - network-config version 1: one `physical` entry per NIC, matched by MAC and named `nicN`,
 *   with a `static` subnet whose `gateway` every renderer maps to its native default route;
 * - YAML that a YAML 1.1 parser (PyYAML, what cloud-init reads with) reads back as written:
 *   every string double-quoted (yaml11.ts).
 */
import ipaddr from "ipaddr.js";
import type { Command } from "../host/host-runner.js";
import { seedDigest } from "./seed-digest.js";
import { toYaml11, type Yaml11Value } from "./yaml11.js";

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
  /** sha256 (hex) of users and NICs (seed-digest.ts): when it changes, cloud-init must run again. */
  readonly digest: string;
}

/**
 * Renders the seed. `instanceId` is the VM's uuid while the seed's content is the one the VM
 * was first created with, and `<uuid>-<digest8>` after users or NICs changed, so cloud-init
 * re-runs exactly when what it applies changed (docs/vms.md).
 */
export function renderSeed(input: SeedInput, firstDigest?: string): SeedFiles {
  const userData = "#cloud-config\n" + toYaml11({ users: input.users.map(renderUser) });
  const networkConfig = toYaml11({ version: 1, config: input.nics.map(renderNic) });
  const digest = seedDigest(input.users, input.nics);
  const instanceId = firstDigest === undefined || firstDigest === digest ? input.uuid : `${input.uuid}-${digest.slice(0, 8)}`;
  const metaData = toYaml11({ "instance-id": instanceId, "local-hostname": input.hostname });
  return { metaData, userData, networkConfig, digest };
}

function renderUser(u: LoginUser): Yaml11Value {
  return {
    name: u.username,
    groups: "sudo",
    sudo: "ALL=(ALL) NOPASSWD:ALL",
    shell: "/bin/bash",
    lock_passwd: true,
    ssh_authorized_keys: [...(u.sshAuthorizedKeys ?? [])],
  };
}

/**
 * One NIC as a v1 `physical` entry. Its static subnet carries the gateway and the nameservers;
 * a NIC without an address has no subnet, so neither has anywhere to go (docs/vms.md).
 */
function renderNic(n: SeedNic, index: number): Yaml11Value {
  const nic = { type: "physical", name: `nic${index}`, mac_address: n.mac.toLowerCase() };
  if (!n.ipv4Address) return nic;
  const subnet: Record<string, Yaml11Value> = { type: "static", address: `${ipaddr.parse(n.ipv4Address).toString()}/${n.prefix}` };
  if (n.defaultGateway) subnet["gateway"] = ipaddr.parse(n.defaultGateway).toString();
  if (n.nameservers && n.nameservers.length > 0) subnet["dns_nameservers"] = [...n.nameservers];
  return { ...nic, subnets: [subnet] };
}

/** The command that packs `<dir>/{meta-data,user-data,network-config}` into `isoPath` (label cidata). */
export function buildSeedIsoCommand(dir: string, isoPath: string): Command {
  return {
    argv: ["genisoimage", "-quiet", "-output", isoPath, "-volid", "cidata", "-joliet", "-rock", `${dir}/meta-data`, `${dir}/user-data`, `${dir}/network-config`],
  };
}
