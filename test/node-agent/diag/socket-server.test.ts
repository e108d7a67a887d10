import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { DriverContext, ObservedResource, ResourceCommand, ResourceDriver } from "../../../node-agent/driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { AgentUnreachableError, DiagProtocolError } from "../../../node-agent/diag/errors.js";
import { startDiagServer, type DiagServer } from "../../../node-agent/diag/socket-server.js";
import { requestAgent } from "../../../node-agent/diag/socket-client.js";
import { bridgeName } from "../../../schemas/host-names.js";

const ORPHAN = bridgeName("g", "ns", "gone");
const known: ResourceCommand = { key: "systemv0/network/g/ns/n1", apiType: "systemv0/network", id: "n1", group: "g", namespace: "ns", annotations: {}, spec: {}, generation: 2, context: {} };

/** A driver whose host is a table: one resource, one humops orphan, one foreign "orphan". */
class TableDriver implements ResourceDriver {
  readonly apiType = "systemv0/network" as const;
  seen: ResourceCommand[][] = [];
  async apply(): Promise<ObservedResource> {
    throw new Error("not used");
  }
  async remove(): Promise<void> {}
  async inventory(_ctx: DriverContext, k: readonly ResourceCommand[]) {
    this.seen.push([...k]);
    return { resources: k.map((c) => ({ key: c.key, apiType: c.apiType, state: "Available", generation: c.generation, details: {} })), orphans: [`link ${ORPHAN}`, "link eth0"] };
  }
}
class BrokenDriver implements ResourceDriver {
  readonly apiType = "systemv0/virtualrouter" as const;
  async apply(): Promise<ObservedResource> {
    throw new Error("not used");
  }
  async remove(): Promise<void> {}
  async inventory(): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    throw new Error("ip netns list failed");
  }
}

interface Ctx {
  dir: string;
  sock: string;
  runner: RecordingRunner;
  driver: TableDriver;
  server: DiagServer;
}
const T = suite<Ctx>("diag socket server and client");

T.before(async (c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-diag-"));
  c.sock = join(c.dir, "data", "nodectl.sock");
  c.runner = new RecordingRunner().onPrefix(["ip", "link", "del"], { exitCode: 0 });
  c.driver = new TableDriver();
  const ctx: DriverContext = { runner: c.runner, log: pino({ level: "silent" }), signal: new AbortController().signal, node: { nodeName: "n1", address: "127.0.0.1", dataDir: join(c.dir, "data"), blockStorageDir: "/x", imageDir: "/y" } };
  c.server = await startDiagServer({
    socketPath: c.sock,
    getStatus: () => ({ version: "9.9.9", nodeName: "n1", startedAt: "2026-11-22T00:00:00.000Z", pid: 42 }),
    drivers: [c.driver, new BrokenDriver()],
    driverContext: () => ctx,
    knownCommands: () => [known],
    log: pino({ level: "silent" }),
  });
});
T.after(async (c) => {
  await c.server.close();
  rmSync(c.dir, { recursive: true, force: true });
});

T("the socket exists with mode 0600 and answers status", async (c) => {
  assert.is((statSync(c.sock).mode & 0o777).toString(8), "600");
  const s = await requestAgent(c.sock, "status", {});
  assert.equal([s.version, s.nodeName, s.pid], ["9.9.9", "n1", 42]);
});

T("inventory runs the live drivers over the known commands; a failing driver is reported, not fatal", async (c) => {
  const inv = await requestAgent(c.sock, "inventory", {});
  assert.is(inv.source, "agent");
  assert.equal(c.driver.seen.at(-1)!.map((k) => k.key), [known.key]);
  assert.equal(inv.kinds.map((k) => [k.apiType, k.resources.length, k.orphans.length, k.error ?? null]), [
    ["systemv0/network", 1, 2, null],
    ["systemv0/virtualrouter", 0, 0, "ip netns list failed"],
  ]);
});

T("gc: dry run removes nothing; a real run deletes only the humops link", async (c) => {
  const dry = await requestAgent(c.sock, "gc", { dryRun: true });
  assert.equal(dry.items.map((i) => [i.orphan, i.action]), [[`link ${ORPHAN}`, "would-remove"], ["link eth0", "refused"]]);
  assert.equal(c.runner.argvs, []);
  const real = await requestAgent(c.sock, "gc", { dryRun: false });
  assert.equal(real.items.map((i) => [i.orphan, i.action]), [[`link ${ORPHAN}`, "removed"], ["link eth0", "refused"]]);
  assert.equal(c.runner.argvs, [["ip", "link", "del", "dev", ORPHAN]]);
});

T("a line that is not a request gets BAD_REQUEST, and the connection stays usable", async (c) => {
  const lines = await new Promise<string[]>((resolve, reject) => {
    const s = createConnection(c.sock);
    let buf = "";
    s.on("error", reject);
    s.on("data", (d) => {
      buf += d.toString();
      const got = buf.split("\n").filter(Boolean);
      if (got.length === 2) {
        s.end();
        resolve(got);
      }
    });
    s.write("hello\n");
    s.write(JSON.stringify({ v: 1, id: 7, method: "status", params: {} }) + "\n");
  });
  const [bad, ok] = lines.map((l) => JSON.parse(l));
  assert.equal([bad.ok, bad.error.code], [false, "BAD_REQUEST"]);
  assert.equal([ok.ok, ok.id, ok.result.version], [true, 7, "9.9.9"]);
});

T("a second agent on the same live socket is refused", async (c) => {
  try {
    await startDiagServer({ socketPath: c.sock, getStatus: () => { throw new Error("x"); }, drivers: [], driverContext: () => { throw new Error("x"); }, knownCommands: () => [], log: pino({ level: "silent" }) });
    assert.unreachable("should refuse");
  } catch (e) {
    assert.match((e as Error).message, "another agent answers");
  }
});

T("a stale socket file of a dead agent is replaced; close removes the socket; then the client says unreachable", async (c) => {
  const stale = join(c.dir, "stale.sock");
  writeFileSync(stale, "");
  const s = await startDiagServer({ socketPath: stale, getStatus: () => ({ version: "1", nodeName: "x", startedAt: "2026-11-22T00:00:00.000Z", pid: 1 }), drivers: [], driverContext: () => { throw new Error("x"); }, knownCommands: () => [], log: pino({ level: "silent" }) });
  assert.is((await requestAgent(stale, "status", {})).nodeName, "x");
  await s.close();
  assert.not.ok(existsSync(stale));
  try {
    await requestAgent(stale, "status", {});
    assert.unreachable("should fail");
  } catch (e) {
    assert.instance(e, AgentUnreachableError);
    assert.is((e as AgentUnreachableError).code, "AGENT_UNREACHABLE");
    assert.match((e as Error).message, "no socket");
  }
});

T("a busy agent refuses a real gc but still lists with --dry-run", async (c) => {
  const path = join(c.dir, "busy.sock");
  const runner = new RecordingRunner();
  const ctx: DriverContext = { runner, log: pino({ level: "silent" }), signal: new AbortController().signal, node: { nodeName: "n1", address: "127.0.0.1", dataDir: c.dir, blockStorageDir: "/x", imageDir: "/y" } };
  const s = await startDiagServer({ socketPath: path, getStatus: () => ({ version: "1", nodeName: "n1", startedAt: "2026-11-22T00:00:00.000Z", pid: 1 }), drivers: [new TableDriver()], driverContext: () => ctx, knownCommands: () => [], log: pino({ level: "silent" }), inflight: () => 2 });
  try {
    assert.is((await requestAgent(path, "gc", { dryRun: true })).items[0]!.action, "would-remove");
    try {
      await requestAgent(path, "gc", { dryRun: false });
      assert.unreachable("busy");
    } catch (e) {
      assert.instance(e, DiagProtocolError);
      assert.match((e as Error).message, "AGENT_BUSY");
    }
    assert.equal(runner.argvs, []);
  } finally {
    await s.close();
  }
});

T.run();
