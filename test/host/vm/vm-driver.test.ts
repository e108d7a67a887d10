// The VM driver on a real netns node under TCG: boot with cloud-init, reachability on the
// network's bridge, adoption by a restarted agent, a qemu killed by hand, graceful
// PowerOff/PowerOn, and removal that leaves nothing behind.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, linkSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildTinyGuest } from "../../helpers/tiny-guest.js";
import { assertNoLeaks, createNode, snapshotHost, type NodeHandle } from "../../helpers/netns.js";
import { VmDriver } from "../../../node-agent/vm/vm-driver.js";
import { isAlive } from "../../../node-agent/host/process-liveness.js";
import { tapName } from "../../../schemas/host-names.js";
import type { ResourceCommand } from "../../../node-agent/driver.js";
import { addNetworkBridge, vmDiskAndContext } from "../../helpers/vm-node.js";

const vm = suite("vm driver on a real node");

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return await check();
}

vm("boot, adopt, drift, power cycle, delete", async () => {
  const before = await snapshotHost();
  const guest = await buildTinyGuest();
  const dataDir = mkdtempSync(join(tmpdir(), "hmvm-"));
  let node: NodeHandle | undefined;
  try {
    node = await createNode("vm");
    await addNetworkBridge(node, "198.18.10.254/24");
    const { disk, ctx } = await vmDiskAndContext({ runner: node.runner, nodeName: "vm", dataDir, baseImage: guest.diskPath });
    const cmd = (actionState: string, generation: number): ResourceCommand => ({
      key: "systemv0/virtualmachine/g1/ns1/vm1",
      apiType: "systemv0/virtualmachine",
      id: "vm1",
      group: "g1",
      namespace: "ns1",
      annotations: {},
      generation,
      spec: {
        requestVcpus: "1000m", limitVcpus: "1000m", requestMemory: "256M", limitMemory: "256M",
        blockStorageIDs: ["bs1"], actionState,
        nics: [{ networkID: "net1", ipv4Address: "198.18.10.5", defaultGateway: "198.18.10.254", nameservers: ["198.18.10.254"] }],
        loginUsers: [{ username: "test", sshAuthorizedKeys: ["ssh-ed25519 AAAA test"] }],
      },
      context: { disks: [{ blockStorageID: "bs1", path: disk, format: "qcow2" }], networks: { net1: { ipv4CIDR: "198.18.10.0/24" } } },
    });
    const driver = new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 30_000 });
    const first = await driver.apply(cmd("PowerOn", 1), ctx);
    assert.is(first.state, "Running");
    const pid = first.details["pid"] as number;
    assert.ok(isAlive(pid));
    const consoleLog = first.details["consoleLog"] as string;
    const log = () => (existsSync(consoleLog) ? readFileSync(consoleLog, "latin1") : "");
    assert.ok(await waitFor(() => log().includes("humops-guest: ready"), 90_000), `guest did not come up:\n${log()}`);
    assert.match(log(), /humops-guest: nic eth0 mac 02(:[0-9a-f]{2}){5} address 198\.18\.10\.5\/24 gateway 198\.18\.10\.254/);
    assert.match(log(), "humops-guest: users test");
    // Guest facts: the tiny guest has no guest agent (its channel stays closed), so the address is the declared one.
    assert.ok(existsSync(join(dirname(consoleLog), "qga.sock")), "qemu listens on the guest agent channel's socket");
    const facts = async () => (await driver.inventory(ctx, [cmd("PowerOn", 1)])).resources[0]!.details["guest"];
    assert.equal(await facts(), { address: "198.18.10.5", addressSource: "declared", cloudInit: "done" });
    assert.ok(await waitFor(async () => (await node!.exec(["ping", "-c1", "-W1", "198.18.10.5"])).exitCode === 0, 20_000), "guest answers ping on the bridge");

    // A restarted agent (a new driver) adopts the running VM instead of starting it twice.
    const again = await new VmDriver({ accelerator: "tcg" }).apply(cmd("PowerOn", 1), ctx);
    assert.is(again.details["pid"], pid);
    const inv = await new VmDriver({ accelerator: "tcg" }).inventory(ctx, [cmd("PowerOn", 1)]);
    assert.is(inv.resources.length, 1);
    assert.is(inv.resources[0]!.state, "Running");
    assert.equal(inv.orphans, []);

    // qemu killed by hand: reported as drift, started again by the next apply.
    process.kill(pid, "SIGKILL");
    assert.ok(await waitFor(() => !isAlive(pid), 10_000));
    const drifted = (await driver.inventory(ctx, [cmd("PowerOn", 1)])).resources[0]!;
    assert.is(drifted.state, "Stopped");
    assert.is(drifted.reason, "GuestShutdown");
    assert.ok((drifted.drift ?? []).length > 0);
    const restarted = await driver.apply(cmd("PowerOn", 1), ctx);
    assert.is(restarted.state, "Running");
    assert.is.not(restarted.details["pid"], pid);
    // The new boot's cloud-init result, not the previous boot's `done`.
    assert.is.not((restarted.details["guest"] as { cloudInit: string }).cloudInit, "done");
    assert.ok(await waitFor(() => (log().match(/humops-guest: ready/g) ?? []).length >= 2, 90_000), "guest booted again");
    assert.equal(await facts(), { address: "198.18.10.5", addressSource: "declared", cloudInit: "done" });

    // PowerOff is graceful: the guest logs its shutdown; taps are removed.
    const off = await driver.apply(cmd("PowerOff", 2), ctx);
    assert.is(off.state, "Stopped");
    assert.is(off.reason, undefined);
    assert.match(log(), "humops-guest: power button, shutting down");
    assert.is((await node.exec(["ip", "link", "show", tapName("g1", "ns1", "vm1", 0)])).exitCode, 1, "tap removed");
    const on = await driver.apply(cmd("PowerOn", 3), ctx);
    assert.is(on.state, "Running");
    // The button only works once the guest listens for it (`ready`): pressed earlier, the guest
    // would shut down only on a re-press, 10 s later (issue #13).
    assert.ok(await waitFor(() => (log().match(/humops-guest: ready/g) ?? []).length >= 3, 90_000), "guest booted a third time");

    // Delete: a graceful stop, then taps and runtime files removed.
    const lastPid = on.details["pid"] as number;
    const kept = join(dataDir, "console-kept.log"); // a second name for the log: the delete removes the VM dir
    linkSync(consoleLog, kept);
    await driver.remove(cmd("PowerOn", 3), ctx);
    assert.not.ok(isAlive(lastPid), "qemu stopped");
    assert.is((readFileSync(kept, "latin1").match(/humops-guest: power button, shutting down/g) ?? []).length, 2, "the delete shut the guest down, not quit it");
    assert.is((await node.exec(["ip", "link", "show", tapName("g1", "ns1", "vm1", 0)])).exitCode, 1, "tap removed");
    const leftover = await driver.inventory(ctx, []);
    assert.equal(leftover, { resources: [], orphans: [] });
  } finally {
    await node?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
  await assertNoLeaks(before);
});

vm.run();
