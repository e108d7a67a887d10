// Guest facts: cloud-init's result from console output, the address from qemu-guest-agent over
// a unix socket (a fake agent here; the tiny guest has none, see test/host/vm/vm-driver.test.ts).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCloudInitResult, readGuestFacts } from "../../../node-agent/vm/guest-facts.js";
import { queryGuestInterfaces } from "../../../node-agent/vm/guest-agent-client.js";

const g = suite("guest facts");
const dir = mkdtempSync(join(tmpdir(), "humops-gf-"));
g.after(() => rmSync(dir, { recursive: true, force: true }));

const KERNEL = "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\n";
const WELCOME = "[    5.1] cloud-init[301]: Cloud-init v. 22.4.2 running 'init-local' at Wed, 02 Dec 2026 16:00:00 +0000. Up 5.10 seconds.\n";
const FINISHED = "[   40.2] cloud-init[612]: Cloud-init v. 22.4.2 finished at Wed, 02 Dec 2026 16:00:35 +0000. Datasource DataSourceNoCloud [seed=/dev/vdb][dsmode=net].  Up 40.20 seconds\n";

g("cloud-init's result: running, done, error, unknown, and only the current boot counts", () => {
  assert.is(parseCloudInitResult(""), "unknown");
  assert.is(parseCloudInitResult(KERNEL + "login: "), "unknown");
  assert.is(parseCloudInitResult(KERNEL + WELCOME), "running");
  assert.is(parseCloudInitResult(KERNEL + WELCOME + FINISHED), "done");
  // 24.x wording and a distro suffix
  assert.is(parseCloudInitResult("Cloud-init v. 24.1.3-0ubuntu3 finished at Mon, 01 Apr 2024 10:00:00 +0000. Datasource DataSourceNoCloud.  Up 12.00 seconds\n"), "done");
  // The failure of issue #12 on Debian 12: init-local fails, systemd says so.
  const failed = KERNEL + WELCOME + "[    6.0] cloud-init[301]: 2026-12-02 16:00:01,000 - util.py[WARNING]: failed stage init-local\n[FAILED] Failed to start cloud-init-local.service - Initial cloud-init job (pre-networking).\n";
  assert.is(parseCloudInitResult(failed), "error");
  assert.is(parseCloudInitResult(failed + FINISHED), "error", "finished, but with a failed stage");
  assert.is(parseCloudInitResult(KERNEL + WELCOME + "util.py[WARNING]: Running module scripts-user failed\ncc_scripts_user.py[WARNING]: Failed to run module scripts-user (scripts in /var/lib/cloud/instance/scripts)\n" + FINISHED), "error");
  assert.is(parseCloudInitResult(KERNEL + WELCOME + "[FAILED] Failed to start Apply the settings specified in cloud-config.\n"), "error");
  assert.is(parseCloudInitResult(KERNEL + WELCOME + "util.py[WARNING]: No instance datasource found\n" + FINISHED), "done", "a warning is not a failure");
  // A reboot inside the guest: the previous boot's result does not count.
  assert.is(parseCloudInitResult(failed + FINISHED + KERNEL + WELCOME), "running");
  assert.is(parseCloudInitResult(KERNEL + WELCOME + FINISHED + KERNEL), "unknown");
});

/** A fake qemu-guest-agent: answers guest-sync with its id and guest-network-get-interfaces with `interfaces` (or stays silent). */
function fakeAgent(path: string, interfaces: unknown[] | "silent"): Promise<{ server: Server; connections: () => number }> {
  let n = 0;
  const server = createServer((c: Socket) => {
    n++;
    c.write("\xff stale bytes from an earlier client\n");
    let buf = "";
    c.on("data", (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const req = JSON.parse(buf.slice(0, nl)) as { execute: string; arguments?: { id: number } };
        buf = buf.slice(nl + 1);
        if (interfaces === "silent") continue;
        if (req.execute === "guest-sync") c.write(JSON.stringify({ return: 1 }) + "\n" + JSON.stringify({ return: req.arguments!.id }) + "\n");
        if (req.execute === "guest-network-get-interfaces") c.write(JSON.stringify({ return: interfaces }) + "\n");
      }
    });
  });
  return new Promise((res) => server.listen(path, () => res({ server, connections: () => n })));
}

const IFACES = [
  { name: "lo", "hardware-address": "00:00:00:00:00:00", "ip-addresses": [{ "ip-address-type": "ipv4", "ip-address": "127.0.0.1", prefix: 8 }] },
  { name: "nic0", "hardware-address": "52:54:00:12:34:56", "ip-addresses": [{ "ip-address-type": "ipv6", "ip-address": "fe80::1", prefix: 64 }, { "ip-address-type": "ipv4", "ip-address": "198.18.0.77", prefix: 16 }] },
];

g("the address the guest agent reports for the first NIC's MAC, else the declared one marked declared", async () => {
  const log = join(dir, "console.log");
  writeFileSync(log, KERNEL + WELCOME + FINISHED + KERNEL + WELCOME);
  const sock = join(dir, "qga.sock");
  const agent = await fakeAgent(sock, IFACES);
  try {
    const base = { consoleLog: log, consoleStart: 0, guestAgentSocket: sock, mac: "52:54:00:12:34:56", declaredAddress: "198.18.0.10", timeoutMs: 5000 };
    assert.equal(await readGuestFacts({ ...base, guestAgentOpen: true }), { address: "198.18.0.77", addressSource: "guest-agent", cloudInit: "running" });
    assert.equal(await readGuestFacts({ ...base, guestAgentOpen: true, mac: "52:54:00:99:99:99" }), { address: "198.18.0.10", addressSource: "declared", cloudInit: "running" });
    const before = agent.connections();
    assert.equal(await readGuestFacts({ ...base, guestAgentOpen: false }), { address: "198.18.0.10", addressSource: "declared", cloudInit: "running" });
    assert.is(agent.connections(), before, "a closed channel is not queried");
    const { declaredAddress: _, ...noDeclared } = base;
    assert.equal(await readGuestFacts({ ...noDeclared, guestAgentOpen: false }), { cloudInit: "running" });
  } finally {
    agent.server.close();
  }
});

g("a guest agent that never answers costs the timeout and no more; a missing socket costs nothing", async () => {
  const sock = join(dir, "silent.sock");
  const agent = await fakeAgent(sock, "silent");
  try {
    const t0 = Date.now();
    assert.is(await queryGuestInterfaces(sock, 300), undefined);
    const ms = Date.now() - t0;
    assert.ok(ms >= 250 && ms < 5000, `took ${ms} ms`);
  } finally {
    agent.server.close();
  }
  assert.is(await queryGuestInterfaces(join(dir, "absent.sock"), 5000), undefined);
});

g("console output before the running qemu started (consoleStart) is not read", async () => {
  const log = join(dir, "console2.log");
  const old = KERNEL + WELCOME + FINISHED;
  writeFileSync(log, old + "no banner yet\n");
  const facts = await readGuestFacts({ consoleLog: log, consoleStart: Buffer.byteLength(old), guestAgentSocket: join(dir, "none.sock"), guestAgentOpen: false });
  assert.equal(facts, { cloudInit: "unknown" });
  assert.equal(await readGuestFacts({ consoleLog: join(dir, "missing.log"), consoleStart: 0, guestAgentSocket: join(dir, "none.sock"), guestAgentOpen: false }), { cloudInit: "unknown" });
});

g.run();
