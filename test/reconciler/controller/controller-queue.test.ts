import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { MemoryGitSource } from "../../../reconciler/git/memory-git-source.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import { FakeAgent } from "./fake-agent.js";
import { exampleFiles, makeController, nextRound } from "./harness.js";

/** A MemoryStatusWriter that notes when each commit was made. */
class TimedStatusWriter extends MemoryStatusWriter {
  readonly times: number[] = [];
  override async write(files: ReadonlyMap<string, string>, message: string): Promise<{ changed: boolean; commit: string | undefined }> {
    const r = await super.write(files, message);
    if (r.changed) this.times.push(Date.now());
    return r;
  }
}

const q = suite("controller work queue (MemoryBus, fake agents)");

const DISK = "systemv0/blockstorage/group1/ns1/bs1";
const VM = "systemv0/virtualmachine/group1/ns1/vm1";
const NET2 = "systemv0/network/group1/ns1/net2";
const net2 = `meta:\n  apiType: systemv0/network\n  id: net2\n  group: group1\n  namespace: ns1\n  annotations:\n    networkv0/network_type: Bridge\nspec:\n  id: "200"\n  ipv4CIDR: 10.0.2.0/24\n`;

async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function setup() {
  const source = new MemoryGitSource();
  const bus = new MemoryBus();
  const status = new TimedStatusWriter();
  const agent = await new FakeAgent(bus.connectAgent(), "node1").start();
  source.commit(exampleFiles());
  return { source, bus, status, agent };
}

q("a push is applied while a slow command of another resource is in flight; the slow one's dependents wait for it alone", async () => {
  const env = await setup();
  env.agent.slow = { match: /blockstorage\//, ms: 60_000 };
  const { c } = makeController({ ...env, timeoutMs: 120_000 });
  c.start();
  await until(() => env.agent.received.some((x) => x.key === DISK), "the disk's command in flight");
  await until(() => env.agent.host.has("systemv0/virtualrouter/group1/ns1/vrouter1"), "what does not need the disk");
  env.source.commit({ ...exampleFiles(), "50-net2.yaml": net2 }, "another network");
  c.trigger("push");
  await until(() => env.agent.host.has(NET2), "the new network applied");
  const inFlight = !env.agent.host.has(DISK);
  const vmSent = env.agent.received.some((x) => x.key === VM);
  await c.stop();
  assert.ok(inFlight, "the disk's command was still in flight when the network was applied");
  assert.not.ok(vmSent, "the VM waits for its disk");
});

q("a VM whose create is in flight keeps its node when a later sync places another VM (placement claims)", async () => {
  const env = await setup();
  const agent2 = await new FakeAgent(env.bus.connectAgent(), "node2").start();
  env.bus.setReady("node2", false);
  env.agent.slow = { match: /virtualmachine\/group1\/ns1\/vm1$/, ms: 1500 };
  const { c } = makeController({ ...env, timeoutMs: 120_000 });
  c.start();
  await until(() => env.agent.received.some((x) => x.key === VM), "vm1's create in flight on node1");
  const files = exampleFiles();
  const vm0 = files["40-vm.yaml"]!.replace("id: vm1", "id: vm0").replace("name: virtualmachine1", "name: virtualmachine0").replace("    - bs1\n", "    - bs0\n").replace("ipv4Address: 10.0.0.1", "ipv4Address: 10.0.0.2");
  const bs0 = files["30-storage.yaml"]!.replace(/id: bs1/g, "id: bs0").replace(/name: (\S+)1\b/g, "name: $10");
  env.bus.setReady("node2", true);
  env.source.commit({ ...files, "41-vm0.yaml": vm0, "31-bs0.yaml": bs0.split("---")[0]! }, "a second VM");
  const done = nextRound(c, () => c.trigger("push"));
  await until(() => env.agent.host.has(VM), "vm1 created");
  let r = await done;
  while (r.notReady > 0) r = await nextRound(c, () => c.trigger("again"));
  await c.stop();
  assert.not.ok(agent2.received.some((x) => x.key === VM), "vm1 was never sent to node2");
  assert.equal(env.agent.commands.filter((x) => x.key === VM).map((x) => x.op), ["apply"], "created once, never deleted");
  assert.ok(agent2.host.has("systemv0/virtualmachine/group1/ns1/vm0"), "the new VM went to the other node");
  assert.is(c.state.statuses.get(VM)?.node, "node1");
});

q("status while a slow operation runs: refreshed, at most one commit per 2 s, none once nothing changes", async () => {
  const env = await setup();
  env.agent.slow = { match: /blockstorage\//, ms: 9_000 };
  const source = env.source;
  const { c } = makeController({ ...env, timeoutMs: 120_000 });
  c.start();
  await until(() => env.agent.received.some((x) => x.key === DISK), "the disk in flight");
  await until(() => env.status.commits.length > 0, "a status commit while the disk downloads", 30_000);
  const first = parseStatusFiles(env.status.commits[0]!.files).resources;
  assert.is(first.get("systemv0/virtualrouter/group1/ns1/vrouter1")?.ready, true, "the router's readiness is shown before the disk is done");
  assert.is(first.get(DISK)?.ready, false);
  for (let i = 0; i < 5; i++) {
    source.commit({ ...exampleFiles(), "50-net2.yaml": net2.replace("10.0.2.0/24", `10.0.${10 + i}.0/24`) }, `change ${i}`);
    c.trigger("push");
    await new Promise((r) => setTimeout(r, 300));
  }
  await until(() => c.state.statuses.get(VM)?.ready === true, "everything ready", 60_000);
  const r = await nextRound(c, () => c.trigger("settled"));
  const n = env.status.commits.length;
  await nextRound(c, () => c.trigger("idle"));
  await c.stop();
  const times = env.status.times;
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  assert.ok(gaps.every((g) => g >= 1900), JSON.stringify(gaps));
  assert.is(r.notReady, 0);
  assert.is(env.status.commits.length, n, "an idle round commits nothing");
});

q("results laid over a newer sync's view stay until the inventory shows them: 30 networks, syncs between their commands, each applied once", async () => {
  const env = await setup();
  // A real agent publishes its inventory a little after it answers; here, only when told.
  env.agent.publishOnCommand = false;
  env.agent.delayMs = 5;
  const nets = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`60-n${i}.yaml`, net2.replace("id: net2", `id: n${i}`).replace("10.0.2.0/24", `10.1.${i}.0/24`)]));
  const { c } = makeController({ ...env, timeoutMs: 120_000 });
  c.start();
  await until(() => c.state.statuses.get(VM)?.ready === true, "the example ready");
  env.source.commit({ ...exampleFiles(), ...nets }, "30 networks");
  c.trigger("push");
  // A sync after each result: each builds its world from the stale inventory and lays the results over it.
  const syncs = setInterval(() => c.trigger("inventory"), 2);
  const applies = (key: string) => env.agent.commands.filter((x) => x.key === key && x.op === "apply").length;
  const keys = Object.keys(nets).map((_, i) => `systemv0/network/group1/ns1/n${i}`);
  try {
    await until(() => keys.every((k) => applies(k) >= 1), "every network applied");
    await nextRound(c, () => c.trigger("settle"));
  } finally {
    clearInterval(syncs);
  }
  await nextRound(c, () => c.trigger("again"));
  await env.agent.publish();
  await nextRound(c, () => c.trigger("caught up"));
  await c.stop();
  assert.equal(keys.filter((k) => applies(k) !== 1), [], "a network applied twice (a laid-over result confirmed itself)");
});

q.run();
