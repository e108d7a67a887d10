// test-file-timeout-s: 1800
// A stock Debian 12 cloud guest (cloud-init 22.4 from Debian's packages, test/helpers/debian-guest.ts)
// booted by the VM driver on a real netns node under TCG, netplan flavour (the ifupdown flavour,
// the renderer cloud-init 22.4 failed on, is booted the same way through the whole product by
// test/e2e/debian-ssh.test.ts, with the same checks; HUMOPS_DEBIAN_FLAVOURS=ifupdown,netplan
// runs both here): from the node, `ssh USER@ADDRESS` with a key made for the test logs in, and the
// hostname, the declared address and route, and passwordless sudo are what the spec says;
// cloud-init reports done, without errors; the guest agent reports the address; the delete
// leaves nothing behind. This is the seed proven on the real thing, not on the tiny guest.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDebianGuest, type DebianGuestFlavour } from "../../helpers/debian-guest.js";
import { assertNoLeaks, createNode, snapshotHost, type NodeHandle } from "../../helpers/netns.js";
import { until } from "../../helpers/until.js";
import { VmDriver } from "../../../node-agent/vm/vm-driver.js";
import { isAlive } from "../../../node-agent/host/process-liveness.js";
import type { ResourceCommand } from "../../../node-agent/driver.js";
import { addNetworkBridge, assertGuestAsDeclared, makeSshKey, sshArgv, vmDiskAndContext } from "../../helpers/vm-node.js";

const deb = suite("a stock Debian 12 cloud guest");
/** Under TCG a first boot to sshd takes two to four minutes on this 2-CPU machine. */
const BOOT_MS = 600_000;

const FLAVOURS = (process.env["HUMOPS_DEBIAN_FLAVOURS"] ?? "netplan").split(",") as DebianGuestFlavour[];
for (const flavour of FLAVOURS) {
  deb(`${flavour}: SSH with the declared key; hostname, address, route and sudo as declared; cloud-init done`, async () => {
    const before = await snapshotHost();
    const guest = await buildDebianGuest({ flavour });
    const dataDir = mkdtempSync(join(tmpdir(), "hmdeb-"));
    let node: NodeHandle | undefined;
    try {
      node = await createNode(`deb${flavour.slice(0, 3)}`);
      await addNetworkBridge(node, "198.18.20.254/24");
      const { key, pub } = await makeSshKey(node.runner, dataDir);
      const { disk, ctx } = await vmDiskAndContext({ runner: node.runner, nodeName: "deb", dataDir, baseImage: guest.diskPath });
      const cmd: ResourceCommand = {
        key: "systemv0/virtualmachine/g1/ns1/debvm",
        apiType: "systemv0/virtualmachine",
        id: "debvm",
        group: "g1",
        namespace: "ns1",
        annotations: {},
        generation: 1,
        spec: {
          requestVcpus: "2000m", limitVcpus: "2000m", requestMemory: "1G", limitMemory: "1G",
          blockStorageIDs: ["bs1"], actionState: "PowerOn", hostname: "web-01",
          nics: [{ networkID: "net1", ipv4Address: "198.18.20.5", defaultGateway: "198.18.20.254", nameservers: ["198.18.20.254"] }],
          loginUsers: [{ username: "alice", sshAuthorizedKeys: [pub] }],
        },
        context: { disks: [{ blockStorageID: "bs1", path: disk, format: "qcow2" }], networks: { net1: { ipv4CIDR: "198.18.20.0/24" } } },
      };
      const driver = new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 60_000 });
      const started = await driver.apply(cmd, ctx);
      assert.is(started.state, "Running");
      const consoleLog = started.details["consoleLog"] as string;
      const log = () => (existsSync(consoleLog) ? readFileSync(consoleLog, "latin1") : "");
      const ssh = (remote: string) => node!.exec(sshArgv(key, "alice@198.18.20.5", remote, 5));
      try {
        await until("an SSH login as alice", async () => (await ssh("true")).exitCode === 0, BOOT_MS, 3000);
      } catch (e) {
        throw new Error(`${(e as Error).message}; serial console:\n${log().slice(-6000)}`);
      }
      await assertGuestAsDeclared(ssh, { hostname: "web-01", address: "198.18.20.5", prefix: 24, gateway: "198.18.20.254" });
      const guestFacts = async () => (await driver.inventory(ctx, [cmd])).resources[0]?.details["guest"] as Record<string, unknown> | undefined;
      await until("the guest agent's address in the guest facts", async () => (await guestFacts())?.["addressSource"] === "guest-agent", 120_000, 2000);
      assert.equal(await guestFacts(), { address: "198.18.20.5", addressSource: "guest-agent", cloudInit: "done" });

      const pid = started.details["pid"] as number;
      await driver.remove(cmd, ctx);
      assert.not.ok(isAlive(pid), "qemu stopped");
      assert.equal(await driver.inventory(ctx, []), { resources: [], orphans: [] });
    } finally {
      await node?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await assertNoLeaks(before);
  });
}

deb.run();
