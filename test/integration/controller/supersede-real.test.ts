// Issue #11, supersede and cancel, on real parts: the real `humops controller` and a real
// `humops agent` in a node netns over a real nats-server, manifests pushed to a git
// http-backend (test/helpers/e2e-cluster.ts), disks downloaded from an HTTP server that serves
// 64 KiB/s (4 MiB: 64 s). A newer generation, or a delete, of a disk whose download is running
// supersedes it: the download is aborted, its part file removed, and the newer command runs
// at once, long before the slow download could have ended.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { basename, join } from "node:path";
import { filesUnder, startCluster, waitFor, withClusterLogs, type E2eCluster } from "../../helpers/e2e-cluster.js";
import { baseFiles, disk, vm } from "../../e2e/scenario.js";

const T = suite("a running download is superseded by a newer spec or a delete (issue #11)");
const KiB = 1024;
const SLOW_BYTES = 4096 * KiB;
const SLOW_MS = (SLOW_BYTES / (64 * KiB)) * 1000;
const slowly = { chunkBytes: 16 * KiB, chunkDelayMs: 250 };
let c: E2eCluster;
let group: string;

const nsPath = (kind: string, id: string): string => `groups/${group}/namespaces/ns1/${kind}/${id}.yaml`;
const diskFiles = (): string[] => filesUnder(join(c.agents.get("node1")!.dataDir, "blockstorages"));
/** Part files of disks and of the HTTP download cache: an aborted download leaves none. */
const partFiles = (): string[] => [...diskFiles(), ...filesUnder(join(c.agents.get("node1")!.dataDir, "cache"))].map((f) => basename(f)).filter((f) => f.includes(".part"));

T("the cluster starts (one node)", async () => {
  c = await startCluster({ nodes: ["node1"] });
  group = `g${c.tag}`;
});

T.after(async () => {
  await c?.stop();
});

T("a spec change mid-download aborts it and downloads the new source at once", () =>
  withClusterLogs(c, async () => {
    const slow = c.serveFile("/a-slow.raw", { body: Buffer.alloc(SLOW_BYTES, 1), slow: slowly });
    const fast = c.serveFile("/a-fast.raw", { body: Buffer.alloc(SLOW_BYTES, 2) });
    await c.push({ ...baseFiles(group), "30-disk.yaml": disk(group, "dl1", "node1", { url: slow.url }) }, "a disk that downloads slowly");
    await waitFor("the slow download started", () => slow.requests() > 0, 60_000);
    // While it runs, the status branch shows it Reconciling with its progress (CONTRACT 6.1).
    const progress = await waitFor("the download's progress on the status branch", async () => {
      const s = await c.status(nsPath("blockstorage", "dl1"));
      const p = s?.["details"]?.["progress"];
      return s?.["ready"] === false && p?.["phase"] === "Downloading" && p["doneBytes"] > 0 ? { s, p } : undefined;
    }, 60_000);
    assert.is(progress.p["totalBytes"], SLOW_BYTES, "total bytes from Content-Length");
    assert.ok(progress.p["doneBytes"] < SLOW_BYTES);
    assert.is(progress.s["conditions"].find((x: { type: string }) => x.type === "Reconciling")?.status, "True", "Reconciling while it downloads");
    const tStart = Date.now();
    await c.push({ ...baseFiles(group), "30-disk.yaml": disk(group, "dl1", "node1", { url: fast.url }) }, "the same disk from another source");
    const ready = await waitFor("dl1 ready at generation 2", async () => {
      const s = await c.status(nsPath("blockstorage", "dl1"));
      return s?.["ready"] === true && s["generation"] === 2 ? s : undefined;
    }, 120_000);
    const tookMs = Date.now() - tStart;
    assert.ok(tookMs < SLOW_MS, `generation 2 ready ${tookMs} ms after the slow download started: it did not wait for it (${SLOW_MS} ms)`);
    assert.is(fast.requests(), 1, "the new source downloaded once");
    assert.is(slow.requests(), 1, "the old source was not asked again");
    assert.is(slow.transfers()[0]?.ended, "aborted", "the old download was aborted, not read to its end");
    assert.equal(partFiles(), [], "no part file left");
    console.log(`spec change mid-download: ready at generation 2 in ${tookMs} ms (the old download alone needed ${SLOW_MS} ms); state ${ready["state"]}`);
  }),
);

T("a VM and its disk deleted mid-download: both gone at once, no file left, no qemu started", () =>
  withClusterLogs(c, async () => {
    const slow = c.serveFile("/b-slow.raw", { body: Buffer.alloc(SLOW_BYTES, 3), slow: slowly });
    const files = {
      ...baseFiles(group),
      "30-disk.yaml": disk(group, "dl1", "node1", { url: c.serveFile("/a-fast.raw", { body: Buffer.alloc(SLOW_BYTES, 2) }).url }),
      "31-disk.yaml": disk(group, "dl2", "node1", { url: slow.url }),
      "40-vm.yaml": vm(group, { id: "vm2", node: "node1", disk: "dl2", address: "198.19.10.31", power: "PowerOn" }),
    };
    await c.push(files, "a VM whose disk downloads slowly");
    await waitFor("the slow download started", () => slow.requests() > 0, 60_000);
    const tDelete = Date.now();
    const { ["31-disk.yaml"]: _d, ["40-vm.yaml"]: _v, ...rest } = files;
    await c.push(rest, "remove the VM and its disk", ["31-disk.yaml", "40-vm.yaml"]);
    await waitFor("dl2 and vm2 gone from the status branch", async () =>
      (await c.status(nsPath("blockstorage", "dl2"))) === undefined && (await c.status(nsPath("virtualmachine", "vm2"))) === undefined, 120_000);
    // Gone from the status is not enough (a disk still downloading is in no inventory yet): the
    // download itself must stop, long before its end.
    await waitFor("the slow download aborted", () => slow.transfers()[0]?.ended === "aborted", 60_000);
    const tookMs = Date.now() - tDelete;
    assert.ok(tookMs < SLOW_MS, `both gone and the download aborted ${tookMs} ms after the delete, before it could have ended (${SLOW_MS} ms)`);
    assert.ok(slow.transfers()[0]!.sent < SLOW_BYTES, "the body was not sent in full");
    assert.equal(diskFiles().map((f) => basename(f)).filter((f) => f.startsWith("dl2")), [], "no file of dl2");
    assert.equal(partFiles(), [], "no part file");
    assert.equal(filesUnder(join(c.agents.get("node1")!.dataDir, "vms")), [], "no VM files: qemu never started");
    assert.is(slow.requests(), 1, "downloaded once, never restarted");
    console.log(`delete mid-download: gone in ${tookMs} ms`);
  }),
);

T("the controller killed (SIGKILL) amid many in-flight downloads: the restarted one adopts them, each runs once, nothing is left half-done", () =>
  withClusterLogs(c, async () => {
    const N = 8;
    const bytes = 1024 * KiB; // 16 s each at 64 KiB/s
    const servers = Array.from({ length: N }, (_, i) => c.serveFile(`/many-${i}.raw`, { body: Buffer.alloc(bytes, i + 10), slow: slowly }));
    const files: Record<string, string> = { ...baseFiles(group) };
    servers.forEach((s, i) => (files[`60-many-${i}.yaml`] = disk(group, `many${i}`, "node1", { url: s.url })));
    await c.push(files, `${N} disks that download slowly`);
    await waitFor("every download started", () => servers.every((s) => s.requests() > 0), 60_000);
    await c.restartController("SIGKILL");
    await waitFor("every disk ready", async () => {
      for (let i = 0; i < N; i++) if ((await c.status(nsPath("blockstorage", `many${i}`)))?.["ready"] !== true) return false;
      return true;
    }, 180_000);
    assert.equal(servers.map((s) => s.requests()), servers.map(() => 1), "each download ran once: adopted, not started again");
    assert.equal(servers.map((s) => s.transfers()[0]?.ended), servers.map(() => "complete"), "none was cut by the restart");
    assert.equal(partFiles(), [], "no part file");
  }),
);

T.run();
