import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mountedNetnsEntries, netnsEntryOfMountinfoLine } from "../../../node-agent/host/netns-mounts.js";

const M = suite("netns mounts (/proc)");
const line = (mp: string) => `1234 30 0:4 net:[4026532481] ${mp} rw shared:512 - nsfs nsfs rw`;

M("a mountinfo line names an ip netns entry only when its mount point is one", () => {
  assert.is(netnsEntryOfMountinfoLine(line("/run/netns/hmrabc")), "hmrabc");
  assert.is(netnsEntryOfMountinfoLine(line("/var/run/netns/hmrabc")), "hmrabc");
  assert.is(netnsEntryOfMountinfoLine(line("/run/netns")), undefined);
  assert.is(netnsEntryOfMountinfoLine(line("/run/netns/a/b")), undefined);
  assert.is(netnsEntryOfMountinfoLine("25 1 0:22 / /sys rw - sysfs sysfs rw"), undefined);
});

M("every mount namespace is read once, through any of its processes; a vanished process is skipped", () => {
  const proc = mkdtempSync(join(tmpdir(), "hm-proc-"));
  try {
    const pid = (n: number, ns: string, mounts?: string[]) => {
      mkdirSync(join(proc, String(n), "ns"), { recursive: true });
      symlinkSync(`mnt:[${ns}]`, join(proc, String(n), "ns", "mnt"));
      if (mounts) writeFileSync(join(proc, String(n), "mountinfo"), mounts.map(line).join("\n") + "\n");
    };
    pid(1, "1", ["/run/netns/host1"]);
    pid(20, "2"); // exited between readlink and read: its namespace is read through pid 21
    pid(21, "2", ["/run/netns/agent2", "/run/netns/host1"]);
    pid(22, "2", ["/run/netns/never-read"]);
    mkdirSync(join(proc, "self"));
    assert.equal([...mountedNetnsEntries(proc)].sort(), ["agent2", "host1"]);
  } finally {
    rmSync(proc, { recursive: true, force: true });
  }
});

M("on this machine, a namespace made by ip netns add in this mount namespace is held", async () => {
  const { SpawnRunner } = await import("../../../node-agent/host/spawn-runner.js");
  const { runChecked } = await import("../../../node-agent/host/host-runner.js");
  const { testTag } = await import("../../helpers/test-tag.js");
  const r = new SpawnRunner();
  const name = `${testTag()}-held`;
  await runChecked(r, { argv: ["ip", "netns", "add", name] });
  try {
    assert.ok(mountedNetnsEntries().has(name));
  } finally {
    await runChecked(r, { argv: ["ip", "netns", "del", name] });
  }
  assert.not.ok(mountedNetnsEntries().has(name));
});

M.run();
