// The tiny test guest boots under TCG from its disk, reads a NoCloud seed, configures its NIC
// from network-config and powers off on the ACPI power button.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTinyGuest } from "../../helpers/tiny-guest.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";

const guest = suite("tiny guest");

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

function qmp(sock: string, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect(sock);
    let buf = "";
    c.on("data", (d) => {
      buf += d;
      if (buf.includes('"QMP"') && !buf.includes("sent")) {
        buf += "sent";
        c.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n" + JSON.stringify({ execute: command }) + "\n");
      }
      if ((buf.match(/"return"/g) ?? []).length >= 2) {
        c.end();
        resolve();
      }
    });
    c.on("error", reject);
  });
}

guest("boots, applies network-config by MAC, and shuts down on the power button", async () => {
  const g = await buildTinyGuest();
  const dir = mkdtempSync(join(tmpdir(), "humops-tg-"));
  const r = new SpawnRunner();
  let pid: number | undefined;
  try {
    mkdirSync(join(dir, "seed"));
    writeFileSync(join(dir, "seed/meta-data"), 'instance-id: "iid-42"\nlocal-hostname: "guest42"\n');
    writeFileSync(join(dir, "seed/user-data"), '#cloud-config\nusers:\n  - name: "alice"\n');
    writeFileSync(
      join(dir, "seed/network-config"),
      'version: 1\nconfig:\n  - type: "physical"\n    name: "nic0"\n    mac_address: "52:54:00:aa:bb:01"\n    subnets:\n      - type: "static"\n        address: "198.18.5.7/24"\n        gateway: "198.18.5.1"\n',
    );
    const seed = join(dir, "seed.iso");
    await runChecked(r, { argv: ["genisoimage", "-quiet", "-output", seed, "-volid", "cidata", "-joliet", "-rock", ...["meta-data", "user-data", "network-config"].map((f) => join(dir, "seed", f))] });
    const disk = join(dir, "disk.qcow2");
    await runChecked(r, { argv: ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", g.diskPath, disk] });
    const serial = join(dir, "serial.log");
    const sock = join(dir, "qmp.sock");
    const q = spawn("qemu-system-x86_64", [
      "-accel", "tcg", "-m", "256", "-nodefaults", "-no-user-config", "-display", "none",
      "-serial", `file:${serial}`, "-qmp", `unix:${sock},server=on,wait=off`,
      "-drive", `file=${disk},if=virtio`, "-drive", `file=${seed},if=virtio,format=raw,readonly=on`,
      "-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:aa:bb:01",
    ], { stdio: "ignore" });
    pid = q.pid;
    const exited = new Promise<void>((res) => q.on("exit", () => res()));
    const log = () => (existsSync(serial) ? readFileSync(serial, "latin1") : "");
    assert.ok(await waitFor(() => log().includes("humops-guest: ready"), 60_000), `guest never got ready:\n${log()}`);
    assert.match(log(), "humops-guest: seed /dev/vdb instance-id=iid-42 hostname=guest42");
    assert.match(log(), "humops-guest: users alice");
    assert.match(log(), "humops-guest: nic eth0 mac 52:54:00:aa:bb:01 address 198.18.5.7/24 gateway 198.18.5.1");
    // `ready` comes only once acpid holds the power button's input device: pressed earlier, the button is lost.
    // Armed before ready (only the cloud-init-style finished line may come between).
    assert.match(log(), /humops-guest: power button armed \(after \d+ waits of 0\.1 s\)\r?\n(?:Cloud-init v\. [^\n]*finished[^\n]*\r?\n)?humops-guest: ready/);
    await qmp(sock, "system_powerdown");
    const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 30_000))]);
    assert.ok(stopped, "qemu did not exit after system_powerdown");
    pid = undefined;
    assert.match(log(), "humops-guest: power button, shutting down");
  } finally {
    if (pid !== undefined) process.kill(pid, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

guest.run();
