// test-file-timeout-s: 1800
// Issue #12: a stock Debian 12 cloud guest, as a user runs one, end to end. The manifests are pushed
// to the git server: a VXLAN network, a router on node1 with an external IP bound to the VM's
// address, a disk on node2 downloaded over HTTP from the Debian image
// (test/helpers/debian-guest.ts, ifupdown flavour: the renderer cloud-init 22.4 failed on), and a
// VM on node2 with a hostname and a login user whose key is made here. The real controller and
// agents run it, and then, from the "internet" netns, `ssh alice@EXTERNAL_IP` with that key logs
// in: through the router's DNAT on node1 and the VXLAN overlay to node2. The hostname, the
// declared address, the default route and passwordless sudo are what the manifests say.
// Removing the manifests leaves nothing behind.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDebianGuest } from "../helpers/debian-guest.js";
import { findLeaks, snapshotHost, type HostSnapshot } from "../helpers/netns.js";
import { isAlive } from "../helpers/process-control.js";
import { filesUnder, humopsLinks, readText, startCluster, waitFor, withClusterLogs, type E2eCluster } from "../helpers/e2e-cluster.js";
import { assertGuestAsDeclared, makeSshKey, sshArgv } from "../helpers/vm-node.js";
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { routerNetnsName } from "../../schemas/host-names.js";
import { DEBIAN_HOSTNAME, NET, debianFiles } from "./scenario.js";

const deb = suite("a stock Debian cloud guest, pushed and reached over SSH through the router");
const BRIDGE = "hmextbr";
const IMAGE = "/debian-12-ifupdown.qcow2";
/** Under TCG on this 2-CPU machine: download and conversion, then a first boot to sshd (1-3 min). */
const LOGIN_MS = 600_000;
let c: E2eCluster;
let before: HostSnapshot;
let group: string;
let keyDir: string;
let key: string;
let pub: string;
let imageUrl: string;

const vmStatusPath = (): string => `groups/${group}/namespaces/ns1/virtualmachine/web.yaml`;
const files = () => debianFiles({ group, imageUrl, externalBridge: BRIDGE, user: { username: "alice", sshAuthorizedKeys: [pub] }, vmNode: "node2" });
const ssh = (remote: string) => c.inet.exec(sshArgv(key, `alice@${NET.externalIP}`, remote, 5));
const explained = <T>(fn: () => Promise<T>): Promise<T> => withClusterLogs(c, fn, 25);

// In a test, not a before hook: uvu swallows a hook's error, and a missing prerequisite must fail the file.
deb("the cluster starts, serving the Debian image over HTTP", async () => {
  before = await snapshotHost();
  const guest = await buildDebianGuest({ flavour: "ifupdown" });
  keyDir = mkdtempSync(join(tmpdir(), "hmdeb-key-"));
  ({ key, pub } = await makeSshKey(new SpawnRunner(), keyDir));
  c = await startCluster({ externalBridge: BRIDGE });
  imageUrl = c.serveFile(IMAGE, { body: readFileSync(guest.diskPath) }).url;
  group = `g${c.tag}`;
  for (const [name, a] of c.agents) assert.ok(a.proc && isAlive(a.proc.pid), `agent ${name} runs`);
});

deb.after(async () => {
  await c?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

deb("push -> ssh alice@EXTERNAL_IP from outside: hostname, address, route and sudo as declared; cloud-init done", () =>
  explained(async () => {
    await c.push(files(), "e2e: a Debian web server behind the router");
    const consoleLog = await waitFor("web Running on node2", async () => {
      const s = await c.status(vmStatusPath());
      return s?.["state"] === "Running" && s["node"] === "node2" ? String(s["details"]["consoleLog"]) : undefined;
    }, LOGIN_MS);
    try {
      await waitFor("an SSH login as alice through the external IP", async () => (await ssh("true")).exitCode === 0, LOGIN_MS);
    } catch (e) {
      throw new Error(`${(e as Error).message}; serial console:\n${readText(consoleLog).slice(-6000)}`);
    }
    await assertGuestAsDeclared(ssh, { hostname: DEBIAN_HOSTNAME, address: NET.vmA, prefix: 24, gateway: NET.gateway });
    // The login came in through the router: the guest sees the outside address, not the router's.
    const from = await ssh("echo $SSH_CONNECTION");
    assert.match(from.stdout, /^203\.0\.113\.254 /, from.stdout);
  }),
);

deb("the status branch shows the guest's own facts: the address from its guest agent, cloud-init done", () =>
  explained(async () => {
    const guestOf = async () => ((await c.status(vmStatusPath()))?.["details"] as { guest?: unknown } | undefined)?.guest;
    await waitFor("web's guest facts from the guest agent", async () => JSON.stringify(await guestOf()) === JSON.stringify({ address: NET.vmA, addressSource: "guest-agent", cloudInit: "done" }), 180_000);
  }),
);

deb("removing the manifests leaves no qemu, link, rule, disk file or router netns", () =>
  explained(async () => {
    const pid = (await c.status(vmStatusPath()))?.["details"]?.["pid"] as number;
    assert.ok(isAlive(pid), "qemu runs before the delete");
    await c.push({}, "e2e: remove the web server\n\nHumops-Allow-Mass-Delete: yes", Object.keys(files()));
    await waitFor("no status file of the scenario left", async () => (await c.statusFiles()).filter((f) => f.includes(group)).length === 0, 240_000);
    await waitFor(`qemu ${pid} gone`, () => !isAlive(pid), 60_000);
    assert.is.not((await ssh("true")).exitCode, 0, "the external IP no longer logs in");
    for (const [name, a] of c.agents) {
      assert.equal(await humopsLinks(a.node), [], `${name}: humops links left`);
      assert.not.match((await a.node.execChecked(["iptables-save"])).stdout, /humops|HUMOPS|hm-/, `${name}: iptables rules left`);
      assert.equal(["vms", "blockstorages", "images"].flatMap((d) => filesUnder(join(a.dataDir, d))), [], `${name}: files left`);
    }
    const leaks = await findLeaks(before, { names: [routerNetnsName(group, "ns1", "vr1")] });
    assert.equal(leaks.filter((l) => !l.name.includes(c.tag)), [], "router netns and root links");
  }),
);

deb.run();
