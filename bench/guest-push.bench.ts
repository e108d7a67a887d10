/**
 * Push -> first SSH login for a stock Debian 12 cloud guest under TCG, the whole product (issue
 * #12): the scenario of test/e2e/debian-ssh.test.ts on the e2e cluster (real controller, two
 * real agents, git server, nats-server). A VXLAN network and a router with an external IP on
 * node1, and on node2 a 3 GiB disk from the image over HTTP and the VM. Host wall-clock seconds
 * from the `git push`; each phase ends when its sign first shows (polled every 100 ms):
 *
 * - disk in place: the disk's file on node2 (humops: the controller sees the commit, the agent
 *   downloads the qcow2 and converts it into the disk; bench storage measures that part alone);
 * - qemu started: the VM's pid file (humops: the controller sends the VM once the disk and the
 *   network are ready; the driver writes the seed and starts qemu);
 * - kernel, userspace and the cloud-init stages: serial console lines (the guest);
 * - first SSH login: `ssh USER@EXTERNAL_IP` from the internet netns succeeds (tried every 1 s;
 *   through the router's DNAT on node1 and VXLAN to node2);
 * - status Running: the status branch says so (the controller's status commit).
 *
 *   npm run bench -- guest-push      (GUEST_PUSH_RUNS=1 by default)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDebianGuest } from "../test/helpers/debian-guest.js";
import { startCluster } from "../test/helpers/e2e-cluster.js";
import { makeSshKey, sshArgv } from "../test/helpers/vm-node.js";
import { NET, debianFiles } from "../test/e2e/scenario.js";
import { SpawnRunner } from "../node-agent/host/spawn-runner.js";
import { vmPaths } from "../node-agent/vm/vm-layout.js";
import { markPhases } from "./lib/guest-markers.js";
import { percentile, reportFigures, type Figure } from "./lib/report.js";

const RUNS = Number(process.env["GUEST_PUSH_RUNS"] ?? 1);
const IMAGE = "/debian-12-ifupdown.qcow2";
const LIMIT_S = 900;

const guest = await buildDebianGuest({ flavour: "ifupdown" });
const keyDir = mkdtempSync(join(tmpdir(), "hmbench-key-"));
const { key, pub } = await makeSshKey(new SpawnRunner(), keyDir);
const c = await startCluster({ externalBridge: "hmextbr" });
const imageUrl = c.serveFile(IMAGE, { body: readFileSync(guest.diskPath) }).url;
const runs: Record<string, number>[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const group = `g${c.tag}r${i}`;
    const files = debianFiles({ group, imageUrl, externalBridge: "hmextbr", user: { username: "bench", sshAuthorizedKeys: [pub] }, vmNode: "node2" });
    const node2 = c.agents.get("node2")!;
    const paths = vmPaths(node2.dataDir, group, "ns1", "web");
    const diskFile = join(node2.dataDir, "blockstorages", group, "ns1", "webdisk.qcow2");
    const t: Record<string, number> = {};
    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    await c.push(files, `bench: debian run ${i}`);
    t["git push"] = since();
    let lastSsh = 0;
    while (since() < LIMIT_S) {
      if (t["disk in place"] === undefined && existsSync(diskFile)) t["disk in place"] = since();
      if (t["qemu started"] === undefined && existsSync(paths.pidFile)) t["qemu started"] = since();
      if (existsSync(paths.consoleLog)) markPhases(t, readFileSync(paths.consoleLog, "latin1"), since());
      if (t["status Running"] === undefined && (await c.status(`groups/${group}/namespaces/ns1/virtualmachine/web.yaml`))?.["state"] === "Running") t["status Running"] = since();
      if (t["first SSH login"] === undefined && t["qemu started"] !== undefined && since() - lastSsh >= 1) {
        lastSsh = since();
        if ((await c.inet.exec(sshArgv(key, `bench@${NET.externalIP}`, "true", 2))).exitCode === 0) t["first SSH login"] = since();
      }
      if (t["first SSH login"] !== undefined && t["cloud-init finished"] !== undefined && t["status Running"] !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (t["first SSH login"] === undefined) throw new Error(`run ${i}: no SSH login within ${LIMIT_S} s: ${JSON.stringify(t)}`);
    runs.push(t);
    await c.push({}, `bench: remove run ${i}\n\nHumops-Allow-Mass-Delete: yes`, Object.keys(files));
    for (const end = Date.now() + 300_000; (await c.statusFiles()).some((f) => f.includes(group)) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 500));
  }
} finally {
  await c.stop();
  rmSync(keyDir, { recursive: true, force: true });
}

const phases = [...new Set(runs.flatMap((r) => Object.keys(r)))].sort((a, b) => percentile(runs.map((r) => r[a] ?? Infinity), 50) - percentile(runs.map((r) => r[b] ?? Infinity), 50));
const figures: Figure[] = phases.map((p) => ({ name: `push -> ${p}${RUNS > 1 ? " (p50)" : ""}`, value: percentile(runs.flatMap((r) => (r[p] === undefined ? [] : [r[p]!])), 50), unit: "s" }));
reportFigures("guest-push", figures, { runs, image: { flavour: guest.flavour, qcow2Bytes: guest.sizeBytes } });
