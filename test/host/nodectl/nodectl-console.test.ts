/**
 * `nodectl console VM --attach` on a real qemu under TCG with the tiny guest (a shell on its
 * serial console), driven through a real pty (`script`): typed keys reach the guest's shell and
 * its answer comes back, Ctrl-] detaches with exit 0, attaching is the default on a terminal,
 * console.log keeps growing while attached and after. Refusals: stdin not a terminal (unless
 * --force), and a running VM without a console socket (one started before it existed).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pino } from "pino";
import { runNodectl } from "../../../cmd/nodectl/program.js";
import { VmDriver } from "../../../node-agent/vm/vm-driver.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import type { DriverContext, ResourceCommand } from "../../../node-agent/driver.js";
import { buildTinyGuest } from "../../helpers/tiny-guest.js";
import { assertNoLeaks, snapshotHost, type HostSnapshot } from "../../helpers/netns.js";
import { writeConfig } from "./node-fixture.js";

interface Ctx {
  before: HostSnapshot;
  dir: string;
  config: string;
  ctx: DriverContext;
  cmd: ResourceCommand;
  consoleLog: string;
  consoleSocket: string;
}
const T = suite<Ctx>("nodectl console --attach on a real pty");
const ROOT = new URL("../../../", import.meta.url).pathname;

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !check()) await new Promise((r) => setTimeout(r, 200));
  return check();
}

/** nodectl as its own process under `script`, so its stdin and stdout are a real pty. */
function underPty(config: string, args: string): { child: ChildProcess; out: () => string; exit: Promise<number | null> } {
  const nodectl = `${process.execPath} --import tsx ${join(ROOT, "cmd/nodectl.ts")} --config ${config} ${args}`;
  const child = spawn("script", ["-qfec", nodectl, "/dev/null"], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "dumb" } });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString("latin1")));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString("latin1")));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out: () => out, exit };
}

T.before(async (c) => {
  c.before = await snapshotHost();
  const guest = await buildTinyGuest();
  c.dir = mkdtempSync(join(tmpdir(), "hmcon-"));
  const dataDir = join(c.dir, "data");
  c.config = writeConfig(c.dir, dataDir, "nats://127.0.0.1:1");
  const runner = new SpawnRunner();
  c.ctx = { runner, log: pino({ level: "silent" }), signal: new AbortController().signal, node: { nodeName: "n1", address: "198.18.9.1", dataDir, blockStorageDir: c.dir, imageDir: c.dir } };
  const disk = join(c.dir, "bs1.qcow2");
  await runChecked(runner, { argv: ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", guest.diskPath, disk] });
  c.cmd = {
    key: "systemv0/virtualmachine/g1/ns1/con1", apiType: "systemv0/virtualmachine", id: "con1", group: "g1", namespace: "ns1", annotations: {}, generation: 1,
    spec: { requestVcpus: "1000m", limitVcpus: "1000m", requestMemory: "256M", limitMemory: "256M", blockStorageIDs: ["bs1"], actionState: "PowerOn", nics: [] },
    context: { disks: [{ blockStorageID: "bs1", path: disk, format: "qcow2" }], networks: {} },
  };
  const o = await new VmDriver({ accelerator: "tcg" }).apply(c.cmd, c.ctx);
  c.consoleLog = o.details["consoleLog"] as string;
  c.consoleSocket = o.details["consoleSocket"] as string;
  const log = () => (existsSync(c.consoleLog) ? readFileSync(c.consoleLog, "latin1") : "");
  assert.ok(await waitFor(() => log().includes("built-in shell"), 120_000), `the guest's shell did not come up:\n${log()}`);
});

T.after(async (c) => {
  if (c.cmd) await new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 1000 }).remove(c.cmd, c.ctx).catch(() => undefined);
  if (c.dir) rmSync(c.dir, { recursive: true, force: true });
  if (c.before) await assertNoLeaks(c.before);
});

T("--attach: keys reach the guest's shell, its answer comes back, Ctrl-] detaches with exit 0; the log is still written", async (c) => {
  const log = () => readFileSync(c.consoleLog, "latin1");
  const s = underPty(c.config, "console con1 --attach");
  try {
    assert.ok(await waitFor(() => s.out().includes("Ctrl-] detaches"), 60_000), `not attached:\n${s.out()}`);
    assert.ok(s.out().includes("built-in shell"), "the log's end is printed first");
    s.child.stdin!.write("echo hi-$((6*7))\r");
    assert.ok(await waitFor(() => s.out().includes("hi-42"), 60_000), `no answer from the guest:\n${s.out()}`);
    assert.ok(await waitFor(() => log().includes("hi-42"), 10_000), "console.log is written while attached");
    s.child.stdin!.write("\x1d");
    assert.is(await s.exit, 0, s.out());
    assert.match(s.out(), "detached; the log is still written");
  } finally {
    s.child.kill();
  }
  // After detaching qemu still logs: another session (piped input, --force) makes the guest write.
  const size = readFileSync(c.consoleLog).length;
  const input = new PassThrough();
  let out = "";
  const run = runNodectl(["--config", c.config, "console", "con1", "--attach", "--force"], { runner: c.ctx.runner, out: (t) => void (out += t), err: () => undefined, isTTY: false, env: {}, stdin: input });
  input.write("echo again-$((1+1))\r");
  assert.ok(await waitFor(() => out.includes("again-2"), 60_000), out);
  input.end();
  assert.is(await run, 0);
  assert.ok(readFileSync(c.consoleLog).length > size && log().includes("again-2"), "the log grew after the first session");
});

T("on a terminal, nodectl console attaches by default", async (c) => {
  const s = underPty(c.config, "console con1");
  try {
    assert.ok(await waitFor(() => s.out().includes("Ctrl-] detaches"), 60_000), `not attached:\n${s.out()}`);
    s.child.stdin!.write("\x1d");
    assert.is(await s.exit, 0, s.out());
  } finally {
    s.child.kill();
  }
});

T("refuses clearly: stdin not a terminal without --force; a running VM without a console socket", async (c) => {
  let err = "";
  let out = "";
  const deps = { runner: c.ctx.runner, out: (t: string) => void (out += t), err: (t: string) => void (err += t), isTTY: false, env: {}, stdin: new PassThrough() };
  assert.is(await runNodectl(["--config", c.config, "console", "con1", "--attach"], deps), 2);
  assert.match(err, "--attach needs a terminal on stdin");
  assert.is(await runNodectl(["--config", c.config, "console", "con1"], deps), 0, "off a terminal, the log is printed as before");
  assert.ok(out.includes("built-in shell"));
  // A VM started before console sockets existed has none: qemu runs, the path is absent.
  rmSync(c.consoleSocket);
  err = "";
  assert.is(await runNodectl(["--config", c.config, "console", "con1", "--attach", "--force"], deps), 1);
  assert.match(err, "was started before interactive consoles existed");
});

T.run();
