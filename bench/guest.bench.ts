/**
 * A stock Debian 12 cloud guest under TCG, phase by phase (issue #12), through the VM driver on
 * a netns node, as test/host/vm/debian-guest.test.ts boots it. The times are host wall-clock
 * seconds from the driver's apply. A phase ends when its marker first shows on the serial
 * console (polled every 100 ms) or, for the login, when `ssh` first succeeds (tried every 1 s):
 *
 * - disk: a qcow2 overlay on the cached image (humops: the disk driver; an HTTP disk adds its
 *   download and conversion, bench storage);
 * - qemu started: apply -> qemu running with QMP answering (humops: the VM driver);
 * - kernel: -> `Linux version` (firmware and syslinux, no menu timeout: the image);
 * - userspace: -> `systemd[1]` (kernel and Debian's initramfs);
 * - cloud-init init-local, init, modules:config, modules:final, finished (the guest; humops's
 *   part is the seed: NoCloud on a local ISO, so no datasource is probed over the network);
 * - first SSH login as the declared user with the declared key.
 *
 *   npm run bench -- guest          (GUEST_FLAVOURS=ifupdown,netplan by default)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDebianGuest, type DebianGuestFlavour } from "../test/helpers/debian-guest.js";
import { createNode } from "../test/helpers/netns.js";
import { VmDriver } from "../node-agent/vm/vm-driver.js";
import type { ResourceCommand } from "../node-agent/driver.js";
import { addNetworkBridge, makeSshKey, sshArgv, vmDiskAndContext } from "../test/helpers/vm-node.js";
import { reportFigures, type Figure } from "./lib/report.js";
import { markPhases } from "./lib/guest-markers.js";

const FLAVOURS = (process.env["GUEST_FLAVOURS"] ?? "ifupdown,netplan").split(",") as DebianGuestFlavour[];

async function bootOnce(flavour: DebianGuestFlavour): Promise<Record<string, number>> {
  const t: Record<string, number> = {};
  const built = performance.now();
  const guest = await buildDebianGuest({ flavour });
  t["image build (cached after the first)"] = (performance.now() - built) / 1000;
  const dataDir = mkdtempSync(join(tmpdir(), "hmbench-deb-"));
  const node = await createNode(`bg${flavour.slice(0, 3)}`);
  try {
    await addNetworkBridge(node, "198.18.21.254/24");
    const { key, pub } = await makeSshKey(node.runner, dataDir);
    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    const { disk, ctx } = await vmDiskAndContext({ runner: node.runner, nodeName: "bench", dataDir, baseImage: guest.diskPath });
    t["disk"] = since();
    const cmd: ResourceCommand = {
      key: "systemv0/virtualmachine/g1/ns1/benchvm", apiType: "systemv0/virtualmachine", id: "benchvm", group: "g1", namespace: "ns1", annotations: {}, generation: 1,
      spec: {
        requestVcpus: "2000m", limitVcpus: "2000m", requestMemory: "1G", limitMemory: "1G", blockStorageIDs: ["bs1"], actionState: "PowerOn",
        nics: [{ networkID: "net1", ipv4Address: "198.18.21.5", defaultGateway: "198.18.21.254" }],
        loginUsers: [{ username: "bench", sshAuthorizedKeys: [pub] }],
      },
      context: { disks: [{ blockStorageID: "bs1", path: disk, format: "qcow2" }], networks: { net1: { ipv4CIDR: "198.18.21.0/24" } } },
    };
    const driver = new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 60_000 });
    const started = await driver.apply(cmd, ctx);
    t["qemu started"] = since();
    const consoleLog = started.details["consoleLog"] as string;
    let lastSsh = 0;
    while (since() < 900) {
      const log = existsSync(consoleLog) ? readFileSync(consoleLog, "latin1") : "";
      markPhases(t, log, since());
      if (t["first SSH login"] === undefined && since() - lastSsh >= 1) {
        lastSsh = since();
        const r = await node.exec(sshArgv(key, "bench@198.18.21.5", "true", 2));
        if (r.exitCode === 0) t["first SSH login"] = since();
      }
      if (t["first SSH login"] !== undefined && t["cloud-init finished"] !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await driver.remove(cmd, ctx);
    return t;
  } finally {
    await node.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const figures: Figure[] = [];
const runs: Record<string, Record<string, number>> = {};
for (const flavour of FLAVOURS) {
  const t = await bootOnce(flavour);
  runs[flavour] = t;
  for (const [phase, s] of Object.entries(t)) figures.push({ name: `${flavour}: ${phase.startsWith("image") ? phase : `apply -> ${phase}`}`, value: s, unit: "s" });
}
reportFigures("guest", figures, { runs });
