/**
 * A real single-node Ceph cluster for tests: one ceph-mon on 127.0.0.1 (free port) and one
 * ceph-osd with bluestore on a 4 GiB sparse file outside the OSD data dir, `auth = none`,
 * pool size 1, in a temp dir with its own ceph.conf and fsid; then an RBD pool. About 10 s.
 * Daemons run in the foreground as children of the test (as the current user, root here) and
 * are stopped by pid; `stop()` removes everything. Spawning here is test infrastructure.
 * With `netns`/`address` the cluster runs inside that network namespace on that address (the
 * end-to-end test's infra netns, so node netns reach it over their underlay).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServerStartError } from "./errors.js";
import { onExitCleanup } from "./exit-cleanup.js";
import { findExecutable, stopProcess } from "./process-control.js";
import { testTag } from "./test-tag.js";

/** A running test cluster. */
export interface TestCeph {
  readonly dir: string;
  readonly confPath: string;
  readonly pool: string;
  /** `rbd -c CONF ARGS...` synchronously; throws on failure (test convenience). */
  rbd(...args: string[]): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Where the cluster runs: the netns (none: this one) and the address the mon and OSD bind. */
interface Place {
  readonly netns?: string;
  readonly address: string;
}

function conf(dir: string, fsid: string, port: number, address: string): string {
  return `[global]
fsid = ${fsid}
mon host = v2:${address}:${port}
public addr = ${address}
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
mon data = ${dir}/mon
osd data = ${dir}/osd0
osd objectstore = bluestore
bluestore block path = ${dir}/block0
bluestore block create = true
bluestore block size = 4294967296
osd memory target = 939524096
bluestore cache autotune = false
`;
}

/** `argv` as run in `place`'s netns. */
function inPlace(place: Place, argv: readonly [string, ...string[]]): readonly [string, ...string[]] {
  return place.netns === undefined ? argv : ["ip", "netns", "exec", place.netns, ...argv];
}

function run(argv: readonly [string, ...string[]], what: string): string {
  const [file, ...args] = argv;
  const res = spawnSync(file, args, { encoding: "utf8", timeout: 60_000 });
  if (res.status !== 0) throw new ServerStartError({ what, reason: `${argv.join(" ")} exited ${res.status}`, log: `${res.stdout}\n${res.stderr}` });
  return res.stdout;
}

function daemon(argv: readonly [string, ...string[]]): ChildProcess {
  const [file, ...args] = argv;
  const child = spawn(file, args, { stdio: "ignore" });
  const release = onExitCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  child.once("exit", release);
  return child;
}

/** Polls `ceph osd stat` until one OSD is up (the cluster can store data). */
async function waitOsdUp(place: Place, confPath: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    const [file, ...args] = inPlace(place, ["ceph", "-c", confPath, "--connect-timeout", "5", "osd", "stat", "--format", "json"]);
    const res = spawnSync(file, args, { encoding: "utf8", timeout: 10_000 });
    last = `${res.stdout}${res.stderr}`;
    if (res.status === 0 && (JSON.parse(res.stdout) as { num_up_osds?: number }).num_up_osds === 1) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new ServerStartError({ what: "ceph-osd", reason: `not up after ${timeoutMs} ms`, log: last });
}

/** Options of startCeph. */
export interface CephOptions {
  /** The pool to create and RBD-initialise; default `hmtest`. */
  readonly pool?: string;
  /** Run the daemons (and `rbd()`) in this network namespace; default this one. */
  readonly netns?: string;
  /** The address the mon and OSD bind; default 127.0.0.1. */
  readonly address?: string;
}

/** Starts a cluster with pool `pool` (RBD-initialised). Throws PrerequisiteMissingError without the Ceph packages. */
export async function startCeph(opts: CephOptions = {}): Promise<TestCeph> {
  for (const b of ["ceph-mon", "ceph-osd", "monmaptool", "ceph", "rbd"]) findExecutable(b, "apt-get install ceph-mon ceph-osd ceph-common");
  const dir = mkdtempSync(join(tmpdir(), `hm-ceph-${testTag()}-`));
  for (const d of ["mon", "osd0", "run", "log"]) mkdirSync(join(dir, d));
  const fsid = randomUUID();
  const port = await freePort();
  const confPath = join(dir, "ceph.conf");
  const place: Place = { address: opts.address ?? "127.0.0.1", ...(opts.netns !== undefined ? { netns: opts.netns } : {}) };
  const at = (argv: readonly [string, ...string[]]) => inPlace(place, argv);
  writeFileSync(confPath, conf(dir, fsid, port, place.address));
  const pool = opts.pool ?? "hmtest";
  const daemons: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const d of daemons.reverse()) await stopProcess(d, 5_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(["monmaptool", "--create", "--fsid", fsid, "--addv", "a", `[v2:${place.address}:${port}]`, join(dir, "monmap")], "monmaptool");
    run(at(["ceph-mon", "-c", confPath, "--mkfs", "-i", "a", "--monmap", join(dir, "monmap")]), "ceph-mon --mkfs");
    daemons.push(daemon(at(["ceph-mon", "-c", confPath, "-i", "a", "-f"])));
    const osdUuid = randomUUID();
    run(at(["ceph", "-c", confPath, "--connect-timeout", "15", "osd", "new", osdUuid]), "ceph osd new");
    run(at(["ceph-osd", "-c", confPath, "-i", "0", "--mkfs", "--osd-uuid", osdUuid]), "ceph-osd --mkfs");
    daemons.push(daemon(at(["ceph-osd", "-c", confPath, "-i", "0", "-f"])));
    await waitOsdUp(place, confPath, 30_000);
    run(at(["ceph", "-c", confPath, "osd", "pool", "create", pool, "8"]), "ceph osd pool create");
    run(at(["rbd", "-c", confPath, "pool", "init", pool]), "rbd pool init");
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, confPath, pool, rbd: (...args) => run(at(["rbd", "-c", confPath, ...args]), "rbd"), stop };
}
