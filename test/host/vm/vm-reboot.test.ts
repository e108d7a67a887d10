// Reboot requests (`humops/restart-requested-at`, issue #12) on real qemu under TCG with the
// tiny guest: a new VM records the value without a reboot; a changed value reboots the running
// VM in place (same qemu pid, a second boot in the serial log, the handled value in the
// details); the same value again (a restarted agent) does not reboot; a guest that ignores the
// ACPI power button is reset after the power-off timeout.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { buildTinyGuest } from "../../helpers/tiny-guest.js";
import { assertNoLeaks, snapshotHost } from "../../helpers/netns.js";
import { VmDriver } from "../../../node-agent/vm/vm-driver.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { isAlive } from "../../../node-agent/host/process-liveness.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import type { DriverContext, ResourceCommand } from "../../../node-agent/driver.js";
import { openQmp } from "../../../node-agent/vm/qmp-client.js";

const reboot = suite("vm reboot on request");

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

const count = (text: string, line: string): number => text.split(line).length - 1;

async function withVm(ignorePowerButton: boolean, body: (o: { apply: (requestedAt: string, generation: number, driver?: VmDriver) => ReturnType<VmDriver["apply"]>; log: () => string; driver: VmDriver }) => Promise<void>): Promise<void> {
  const guest = await buildTinyGuest({ ignorePowerButton });
  const dataDir = mkdtempSync(join(tmpdir(), "hmrb-"));
  const runner = new SpawnRunner();
  const ctx: DriverContext = {
    runner,
    log: pino({ level: "silent" }),
    signal: new AbortController().signal,
    node: { nodeName: "rb", address: "198.18.0.1", dataDir, blockStorageDir: dataDir, imageDir: dataDir },
  };
  const disk = join(dataDir, "bs1.qcow2");
  await runChecked(runner, { argv: ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", guest.diskPath, disk] });
  const cmd = (requestedAt: string, generation: number): ResourceCommand => ({
    key: `systemv0/virtualmachine/g1/ns1/rb${ignorePowerButton ? "i" : "c"}`,
    apiType: "systemv0/virtualmachine",
    id: `rb${ignorePowerButton ? "i" : "c"}`,
    group: "g1",
    namespace: "ns1",
    annotations: { "humops/restart-requested-at": requestedAt },
    generation,
    spec: { requestVcpus: "1000m", limitVcpus: "1000m", requestMemory: "256M", limitMemory: "256M", blockStorageIDs: ["bs1"], actionState: "PowerOn", nics: [] },
    context: { disks: [{ blockStorageID: "bs1", path: disk, format: "qcow2" }], networks: {} },
  });
  // A short power-off timeout: the guest that ignores the button is reset after it. The other
  // gets a generous one: under TCG on a loaded machine its shutdown can take a while.
  const driver = new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: ignorePowerButton ? 3000 : 300_000 });
  let consoleLog = "";
  try {
    await body({
      driver,
      apply: async (requestedAt, generation, d = driver) => {
        const o = await d.apply(cmd(requestedAt, generation), ctx);
        consoleLog = o.details["consoleLog"] as string;
        return o;
      },
      log: () => (consoleLog && existsSync(consoleLog) ? readFileSync(consoleLog, "latin1") : ""),
    });
  } finally {
    await new VmDriver({ accelerator: "tcg", powerOffTimeoutMs: 1000 }).remove(cmd("x", 9), ctx).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

reboot("a changed value reboots in place through the ACPI power button; the same value does not", async () => {
  const before = await snapshotHost();
  await withVm(false, async ({ apply, log }) => {
    const first = await apply("t1", 1);
    const pid = first.details["pid"] as number;
    assert.is(first.state, "Running");
    assert.is(first.details["lastHandledRestartRequestedAt"], "t1", "a new VM records the value");
    assert.is(first.details["lastRestartMode"], undefined, "and does not reboot");
    assert.ok(await waitFor(() => log().includes("humops-guest: ready"), 120_000), `guest did not come up:\n${log()}`);

    const t0 = Date.now();
    const again = await apply("t2", 2);
    const took = `rebooted after ${Date.now() - t0} ms; console:\n${log().slice(-1500)}`;
    assert.is(again.details["pid"], pid, "the same qemu process");
    assert.ok(isAlive(pid));
    assert.is(again.details["lastHandledRestartRequestedAt"], "t2");
    assert.is(again.details["lastRestartMode"], "AcpiPowerButton", took);
    assert.is(count(log(), "humops-guest: power button, shutting down"), 1, "the guest shut down on the button");
    assert.ok(await waitFor(() => count(log(), "humops-guest: ready") >= 2, 120_000), `no second boot:\n${log()}`);
    assert.is(count(log(), "humops-guest: booting"), 2);

    // A restarted agent (a new driver) given the same value again: nothing happens.
    const same = await apply("t2", 2, new VmDriver({ accelerator: "tcg" }));
    assert.is(same.details["pid"], pid);
    assert.is(same.details["lastRestartAt"], again.details["lastRestartAt"]);
    assert.is(count(log(), "humops-guest: power button, shutting down"), 1, "no second power button press");
    assert.is(same.state, "Running");

    // An agent that stopped mid-reboot left the guest down and qemu holding it: the next apply finishes the reboot.
    const qmp = await openQmp(same.details["qmpSocket"] as string);
    try {
      await qmp.execute("set-action", { shutdown: "pause" });
      await qmp.execute("system_powerdown");
      const held = async () => (await qmp.execute<{ status: string }>("query-status")).status === "shutdown";
      const end = Date.now() + 60_000;
      while (!(await held()) && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
      assert.ok(await held(), "the guest is down, qemu holds it");
    } finally {
      qmp.close();
    }
    const resumed = await apply("t2", 2, new VmDriver({ accelerator: "tcg" }));
    assert.equal([resumed.state, resumed.details["pid"], resumed.details["qmpStatus"]], ["Running", pid, "running"]);
    assert.ok(await waitFor(() => count(log(), "humops-guest: ready") >= 3, 120_000), `no third boot:\n${log()}`);
  });
  await assertNoLeaks(before);
});

reboot("a guest that ignores the power button is reset after the power-off timeout", async () => {
  const before = await snapshotHost();
  await withVm(true, async ({ apply, log }) => {
    const first = await apply("a", 1);
    const pid = first.details["pid"] as number;
    assert.ok(await waitFor(() => log().includes("humops-guest: ready"), 120_000), `guest did not come up:\n${log()}`);
    assert.match(log(), "humops-guest: ignoring the power button");
    const t0 = Date.now();
    const again = await apply("b", 2);
    assert.ok(Date.now() - t0 >= 3000, "waited the power-off timeout first");
    assert.is(again.details["pid"], pid, "the same qemu process");
    assert.is(again.details["lastRestartMode"], "Reset");
    assert.is(again.details["lastHandledRestartRequestedAt"], "b");
    assert.is(again.details["qmpStatus"], "running");
    assert.ok(await waitFor(() => count(log(), "humops-guest: ready") >= 2, 120_000), `no second boot:\n${log()}`);
  });
  await assertNoLeaks(before);
});

reboot.run();
