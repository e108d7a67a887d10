/**
 * VLAN networks on a real kernel with 802.1Q: this machine's kernel has none, so Debian's own
 * kernel is booted under qemu (kernel-guest.ts) on the host's root filesystem and runs
 * vlan-inner.ts there: two namespace nodes on a veth underlay, the product's NetworkDriver
 * making the VLAN links, VMs pinging across, a VLAN id mismatch passing nothing, removal.
 * Each inner assertion is one test here, so a failure names what failed inside the guest.
 * Always runs (no kernel check): a missing qemu or kernel fails it.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { runInKernelGuest } from "../../helpers/kernel-guest.js";
import type { KernelGuestResult } from "../../helpers/kernel-guest.js";
import { assertNoLeaks, snapshotHost } from "../../helpers/netns.js";
import type { HostSnapshot } from "../../helpers/netns.js";

interface Ctx {
  before: HostSnapshot;
  run: KernelGuestResult;
  lines: string[];
}
const V = suite<Ctx>("VLAN on Debian's kernel (qemu guest)");
const cwd = new URL("../../..", import.meta.url).pathname;

V.before(async (c) => {
  c.before = await snapshotHost();
  c.run = await runInKernelGuest({ argv: [process.execPath, "--import", "tsx", "test/host/net/vlan-inner.ts"], cwd, modules: ["8021q"], timeoutMs: 420_000 });
  c.lines = c.run.output.split("\n");
  console.log(`VLAN guest: kernel ${c.run.kernelVersion}, ${(c.run.durationMs / 1000).toFixed(1)} s boot to power-off`);
});

const diag = (c: Ctx): string => `\n--- guest output ---\n${c.run.output}\n--- console (tail) ---\n${c.run.console.slice(-2500)}`;

V("the guest ran the inner script to its end and powered off", (c) => {
  assert.not.ok(c.run.timedOut, `guest killed at the timeout${diag(c)}`);
  assert.match(c.run.console, "humops-kguest: loaded 8021q", diag(c));
  assert.ok(c.lines.includes("vlan-inner: done 0 failed"), diag(c));
  assert.is(c.run.exitCode, 0, diag(c));
});

V("qemu ran in a network namespace of its own, with no network device", (c) => {
  assert.ok(c.run.qemuNetnsIsolated);
});

V("the guest kernel is Debian's, not this machine's", (c) => {
  assert.ok(c.lines.includes(`vlan-inner: kernel ${c.run.kernelVersion}`), diag(c));
});

const EXPECTED: ReadonlyArray<string | RegExp> = [
  "apply on both nodes: Available",
  /^node1: \S+ is an 802\.1Q link id 100 on ul0 in \S+$/,
  /^node2: \S+ is an 802\.1Q link id 100 on ul0 in \S+$/,
  "re-apply is Available without drift",
  "VM on node1 pings VM on node2 across VLAN 100",
  "node2 re-made on VLAN 101",
  "VLAN 100 does not reach VLAN 101 (no reply)",
  "removal leaves no humops link on either node",
  "removal keeps the underlay ul0",
];

for (const want of EXPECTED) {
  const matches = (name: string): boolean => (typeof want === "string" ? name === want : want.test(name));
  V(`inside the guest: ${String(want)}`, (c) => {
    const ok = c.lines.some((l) => l.startsWith("ok ") && matches(l.slice(3)));
    const failures = c.lines.filter((l) => l.startsWith("not ok ")).join("\n");
    assert.ok(ok, failures ? `failed inside the guest:\n${failures}` : `no result line for it${diag(c)}`);
  });
}

V("nothing inside the guest failed", (c) => {
  assert.equal(c.lines.filter((l) => l.startsWith("not ok ")), []);
});

V("leak guard: nothing of this test left on the host", async (c) => {
  await assertNoLeaks(c.before);
});

V.run();
