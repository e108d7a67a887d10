/**
 * What a VM driver test needs on a node: the network's bridge with its gateway address (in the
 * node's netns), a qcow2 overlay `bs1.qcow2` on a guest image, the DriverContext, and an SSH
 * key and command line to log in to the guest.
 */
import { readFileSync } from "node:fs";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { pino } from "pino";
import { runChecked, type HostRunner } from "../../node-agent/host/host-runner.js";
import { bridgeName } from "../../schemas/host-names.js";
import type { DriverContext } from "../../node-agent/driver.js";
import type { NodeHandle } from "./netns.js";

/** Builds the bridge of g1/ns1/net1 with `gatewayCidr` on `node`. */
export async function addNetworkBridge(node: NodeHandle, gatewayCidr: string): Promise<string> {
  const br = bridgeName("g1", "ns1", "net1");
  await node.execChecked(["ip", "link", "add", br, "type", "bridge"]);
  await node.execChecked(["ip", "addr", "add", gatewayCidr, "dev", br]);
  await node.execChecked(["ip", "link", "set", br, "up"]);
  return br;
}

/** A copy-on-write disk `dataDir/bs1.qcow2` on `baseImage`, and the driver context of a node named `nodeName`. */
export async function vmDiskAndContext(o: { runner: HostRunner; nodeName: string; dataDir: string; baseImage: string }): Promise<{ disk: string; ctx: DriverContext }> {
  const disk = join(o.dataDir, "bs1.qcow2");
  await runChecked(o.runner, { argv: ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", o.baseImage, disk] });
  const ctx: DriverContext = {
    runner: o.runner,
    log: pino({ level: "silent" }),
    signal: new AbortController().signal,
    node: { nodeName: o.nodeName, address: "198.18.0.1", dataDir: o.dataDir, blockStorageDir: o.dataDir, imageDir: o.dataDir },
  };
  return { disk, ctx };
}

/** A new ed25519 key pair `dir/id_ed25519` made on `runner`; returns its path and the public key line. */
export async function makeSshKey(runner: HostRunner, dir: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, "id_ed25519");
  await runChecked(runner, { argv: ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "humops-test", "-f", key] });
  return { key, pub: readFileSync(`${key}.pub`, "utf8").trim() };
}

/** The argv of `ssh -i KEY DEST REMOTE`, non-interactive, trusting a guest's fresh host key. */
export function sshArgv(key: string, dest: string, remote: string, connectTimeoutS: number): [string, ...string[]] {
  return ["ssh", "-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", `ConnectTimeout=${connectTimeoutS}`, "-o", "LogLevel=ERROR", dest, remote];
}

/** What a guest must be, as its spec declares it. */
export interface DeclaredGuest {
  readonly hostname: string;
  readonly address: string;
  readonly prefix: number;
  readonly gateway: string;
}

const escaped = (s: string): string => s.replaceAll(".", "\\.");

/**
 * Asserts, over `ssh` (a logged-in command runner), that the guest is what its spec declares:
 * the hostname, the address and default route, passwordless sudo, and cloud-init done without errors.
 */
export async function assertGuestAsDeclared(ssh: (remote: string) => Promise<{ exitCode: number; stdout: string; stderr: string }>, want: DeclaredGuest): Promise<void> {
  const facts = await ssh("hostname; ip -4 -o addr show scope global; ip -4 route show default; sudo -n id -u; cloud-init status --wait --long");
  assert.is(facts.exitCode, 0, facts.stderr);
  const [hostname, ...rest] = facts.stdout.trim().split("\n");
  assert.is(hostname, want.hostname);
  assert.match(facts.stdout, new RegExp(`inet ${escaped(want.address)}/${want.prefix} `));
  assert.match(facts.stdout, new RegExp(`^default via ${escaped(want.gateway)} `, "m"));
  assert.ok(rest.includes("0"), `passwordless sudo gives uid 0:\n${facts.stdout}`);
  assert.match(facts.stdout, /status: done/);
  assert.not.match(facts.stdout, /errors: \[.+\]/);
}
