import { suite } from "uvu";
import * as assert from "uvu/assert";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import { MemoryGitSource } from "../../../reconciler/git/memory-git-source.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import { FakeAgent } from "./fake-agent.js";
import { exampleFiles, makeController, nextRound } from "./harness.js";

const loop = suite("controller loop (MemoryBus, fake agent)");

async function setup() {
  const source = new MemoryGitSource();
  const bus = new MemoryBus();
  const status = new MemoryStatusWriter();
  const agent = await new FakeAgent(bus.connectAgent(), "node1").start();
  source.commit(exampleFiles());
  return { source, bus, status, agent };
}

const indexOf = (agent: FakeAgent, re: RegExp): number => agent.commands.findIndex((c) => re.test(c.key) && c.op === "apply");

loop("first round applies everything in dependency order, one status commit, all ready", async () => {
  const env = await setup();
  const { c } = makeController(env);
  const report = await nextRound(c, () => c.start());
  await c.stop();
  assert.is(report.notReady, 0, JSON.stringify([...c.state.statuses.values()].filter((s) => !s.ready).map((s) => [s.key, s.conditions])));
  const keys = env.agent.commands.map((x) => x.key);
  assert.equal(new Set(keys).size, keys.length, "one command per resource");
  assert.ok(indexOf(env.agent, /network\//) < indexOf(env.agent, /virtualmachine\//));
  assert.ok(indexOf(env.agent, /blockstorage\//) < indexOf(env.agent, /virtualmachine\//));
  assert.ok(indexOf(env.agent, /network\//) < indexOf(env.agent, /virtualrouter\//));
  assert.ok(indexOf(env.agent, /blockstorage\//) < indexOf(env.agent, /imageentity\//));
  assert.is(keys.filter((k) => k.startsWith("corev0/")).length, 0, "cluster-level kinds are applied by the controller");
  assert.is(env.status.commits.length, 1);
  const parsed = parseStatusFiles(env.status.commits[0]!.files);
  assert.is(parsed.resources.size, 10);
  assert.ok([...parsed.resources.values()].every((r) => r.ready));
  assert.is(parsed.resources.get("systemv0/virtualmachine/group1/ns1/vm1")?.node, "node1");
  assert.is(parsed.resources.get("systemv0/virtualmachine/group1/ns1/vm1")?.state, "Stopped");
  assert.match(env.status.commits[0]!.message, /Manifests-Commit: [0-9a-f]{40}/);
});

loop("the cluster download token goes in the image entity command's context, in no log line, and in no other command", async () => {
  const env = await setup();
  const { c, lines } = makeController({ ...env, downloadToken: "cluster-dl-token" });
  await nextRound(c, () => c.start());
  await c.stop();
  const withToken = env.agent.commands.filter((x) => x.context["downloadToken"] !== undefined).map((x) => [x.key, x.context["downloadToken"]]);
  // The example's disk is an HTTP download on the entity's node: no BaseImage fetch, so only the entity carries it.
  assert.equal(withToken, [["systemv0/imageentity/group1/ientity1", "cluster-dl-token"]]);
  assert.not.ok(JSON.stringify(lines).includes("cluster-dl-token"));
});

loop("a second identical round sends nothing and makes no commit", async () => {
  const env = await setup();
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  const sent = env.agent.commands.length;
  const r2 = await nextRound(c, () => c.trigger("test"));
  await c.stop();
  assert.is(r2.commandsSent, 0);
  assert.is(r2.statusChanged, false);
  assert.is(env.status.commits.length, 1);
  assert.is(env.agent.commands.length, sent);
});

loop("a restarted controller re-creates nothing that exists and keeps the status", async () => {
  const env = await setup();
  const first = makeController(env);
  await nextRound(first.c, () => first.c.start());
  await first.c.stop();
  const sent = env.agent.commands.length;
  const second = makeController(env);
  const r = await nextRound(second.c, () => second.c.start());
  await second.c.stop();
  assert.is(r.commandsSent, 0);
  assert.is(env.agent.commands.length, sent);
  assert.is(env.status.commits.length, 1, "same status: no commit");
});

loop("drift: a resource gone from the node is re-applied and marked DriftCorrected", async () => {
  const env = await setup();
  const { c, lines } = makeController(env);
  await nextRound(c, () => c.start());
  await nextRound(c, () => c.trigger("inventory confirms what was applied"));
  const vm = "systemv0/virtualmachine/group1/ns1/vm1" as const;
  env.agent.host.delete(vm);
  const r = await nextRound(c, () => void env.agent.publish());
  await c.stop();
  assert.is(r.commandsSent, 1);
  assert.is(env.agent.commands.at(-1)?.key, vm);
  const st = c.state.statuses.get(vm)!;
  assert.is(st.ready, true);
  assert.is(st.conditions.find((x) => x.type === "Ready")?.reason, "DriftCorrected");
  assert.ok(lines.some((l) => l["msg"] === "DriftCorrected" && l["resource"] === vm));
});

loop("an inventory that lags behind the command results is not mistaken for drift", async () => {
  const env = await setup();
  env.agent.publishOnCommand = false;
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  const sent = env.agent.commands.length;
  const r2 = await nextRound(c, () => c.trigger("stale inventory"));
  assert.is(r2.commandsSent, 0);
  assert.is(env.agent.commands.length, sent);
  assert.ok([...c.state.statuses.values()].every((s) => s.ready && s.conditions[0]!.reason !== "DriftCorrected"));
  await env.agent.publish();
  const r3 = await nextRound(c, () => c.trigger("inventory caught up"));
  await c.stop();
  assert.is(r3.commandsSent, 0);
  assert.is(r3.statusChanged, false);
});

loop("a node whose heartbeat expired: its resources are not ready (NodeNotReady), no command is sent to it", async () => {
  const env = await setup();
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  const sent = env.agent.commands.length;
  const r = await nextRound(c, () => env.bus.setReady("node1", false));
  assert.is(r.commandsSent, 0);
  assert.is(env.agent.commands.length, sent);
  const vm = c.state.statuses.get("systemv0/virtualmachine/group1/ns1/vm1")!;
  assert.is(vm.ready, false);
  assert.is(vm.conditions[0]!.reason, "NodeNotReady");
  assert.is(vm.state, "Stopped", "last reported state kept");
  assert.is(c.state.nodes.get("node1")?.ready, false);
  const back = await nextRound(c, () => env.bus.setReady("node1", true));
  await c.stop();
  assert.is(back.notReady, 0);
  assert.is(back.commandsSent, 0);
});

loop("a node NotReady for longer than the node-lost delay is lost: NodeLost with the node and time, lostAt in its status and the README; a shorter flap is only NodeNotReady (issue #14)", async () => {
  const env = await setup();
  let now = new Date("2026-01-01T00:00:00Z");
  const { c } = makeController({ ...env, now: () => now, nodeLostAfterMs: 30_000 });
  await nextRound(c, () => c.start());
  const VM = "systemv0/virtualmachine/group1/ns1/vm1";
  // The heartbeat expires at 00:00:00; 29 s later the node is still only NotReady (a flap).
  await nextRound(c, () => env.bus.setReady("node1", false));
  now = new Date("2026-01-01T00:00:29Z");
  await nextRound(c, () => c.trigger("test"));
  assert.is(c.state.statuses.get(VM)!.conditions[0]!.reason, "NodeNotReady");
  assert.is(c.state.nodes.get("node1")?.lostAt, undefined);
  // Past the delay: lost, at the moment the delay ran out, on the resources and the node.
  now = new Date("2026-01-01T00:00:31Z");
  const r = await nextRound(c, () => c.trigger("test"));
  const vm = c.state.statuses.get(VM)!;
  assert.is(vm.ready, false);
  assert.is(vm.conditions[0]!.reason, "NodeLost");
  assert.match(vm.conditions[0]!.message, "node node1 was lost at 2026-01-01T00:00:30.000Z");
  assert.is(vm.details["lostAt"], "2026-01-01T00:00:30.000Z");
  assert.is(vm.state, "Stopped", "last reported state kept");
  assert.is(c.state.nodes.get("node1")?.lostAt, "2026-01-01T00:00:30.000Z");
  assert.is(r.commandsSent, 0, "nothing is sent to a lost node");
  await new Promise((res) => setTimeout(res, 0));
  const last = parseStatusFiles(env.status.commits.at(-1)!.files);
  assert.is(last.nodes.get("node1")?.lostAt, "2026-01-01T00:00:30.000Z", "the node's status file says when it was lost");
  assert.match(env.status.commits.at(-1)!.files.get("README.md")!, "| node1 | no: lost at 2026-01-01T00:00:30.000Z |");
  // The node returns: ready again, no lostAt, nothing re-created.
  const sent = env.agent.commands.length;
  const back = await nextRound(c, () => env.bus.setReady("node1", true));
  await c.stop();
  assert.is(back.notReady, 0);
  assert.is(env.agent.commands.length, sent);
  assert.is(c.state.nodes.get("node1")?.lostAt, undefined);
});

loop("two nodes: networks follow their users; an annotation moves a router (created on the new node, deleted on the old)", async () => {
  const env = await setup();
  const agent2 = await new FakeAgent(env.bus.connectAgent(), "node2").start();
  const files = exampleFiles();
  env.source.commit({ ...files, "20-router.yaml": files["20-router.yaml"]!.replace("  namespace: ns1\n", "  namespace: ns1\n  annotations:\n    virtualrouterv0/node_name: node2\n") });
  const { c } = makeController(env);
  const r = await nextRound(c, () => c.start());
  assert.is(r.notReady, 0);
  const net = "systemv0/network/group1/ns1/net1";
  assert.ok(env.agent.host.has(net) && agent2.host.has(net), "the network is on both nodes");
  assert.ok(agent2.host.has("systemv0/virtualrouter/group1/ns1/vrouter1"));
  assert.equal(agent2.commands.find((x) => x.key === net)?.context, { peers: ["198.18.0.1"] });
  env.source.commit({ ...files, "20-router.yaml": files["20-router.yaml"]!.replace("  namespace: ns1\n", "  namespace: ns1\n  annotations:\n    virtualrouterv0/node_name: node1\n") });
  const r2 = await nextRound(c, () => c.trigger("move"));
  await c.stop();
  assert.is(r2.notReady, 0);
  assert.ok(env.agent.host.has("systemv0/virtualrouter/group1/ns1/vrouter1"));
  assert.not.ok(agent2.host.has("systemv0/virtualrouter/group1/ns1/vrouter1"));
  assert.not.ok(agent2.host.has(net), "no user left on node2: its network goes too");
});

loop("cordon from git: a systemv0/node document keeps new placements off the node, says so in its status; unknown nodes and drain are warnings; uncordon lets placement use it again (issue #14)", async () => {
  const env = await setup();
  const agent2 = await new FakeAgent(env.bus.connectAgent(), "node2").start();
  const files = exampleFiles();
  const nodes = 'meta:\n  apiType: systemv0/node\n  id: node1\n  annotations:\n    humops/cordon: "true"\n---\nmeta:\n  apiType: systemv0/node\n  id: node9\n  annotations:\n    humops/drain: "true"\n';
  env.source.commit({ ...files, "nodes.yaml": nodes });
  const { c } = makeController(env);
  const r = await nextRound(c, () => c.start());
  assert.is(r.notReady, 0);
  const onNode1 = [...env.agent.host.keys()];
  assert.equal(onNode1, [], `nothing placed on the cordoned node1 (found ${onNode1.join(", ")})`);
  assert.ok(agent2.host.has("systemv0/virtualmachine/group1/ns1/vm1") && agent2.host.has("systemv0/virtualrouter/group1/ns1/vrouter1"));
  assert.is(c.state.nodes.get("node1")?.cordoned, "cordoned (humops/cordon at nodes.yaml:1)");
  assert.is(c.state.nodes.get("node2")?.cordoned, undefined);
  const commit = env.status.commits.at(-1)!;
  assert.is(parseStatusFiles(commit.files).nodes.get("node1")?.cordoned, "cordoned (humops/cordon at nodes.yaml:1)");
  const readme = commit.files.get("README.md")!;
  assert.match(readme, "| node1 | yes, cordoned (humops/cordon at nodes.yaml:1) |");
  assert.match(readme, "systemv0/node node9: no node of that name has registered (yet)");
  assert.match(readme, "systemv0/node node9: humops/drain only cordons the node for now");
  // Uncordoned, with a new disk: the empty node1 takes it; what is on node2 stays there.
  const bs2 = files["30-storage.yaml"]!.split("---")[0]!.replace("id: bs1", "id: bs2").replace("name: blockstorage1", "name: blockstorage2");
  env.source.commit({ ...files, "31-bs2.yaml": bs2 });
  const r2 = await nextRound(c, () => c.trigger("uncordon"));
  await c.stop();
  assert.is(r2.notReady, 0);
  assert.equal([...env.agent.host.keys()], ["systemv0/blockstorage/group1/ns1/bs2"]);
  assert.ok(agent2.host.has("systemv0/virtualmachine/group1/ns1/vm1"), "an uncordon moves nothing back");
  assert.is(c.state.nodes.get("node1")?.cordoned, undefined);
});

loop("a failing disk blocks only its dependents; the rest becomes ready", async () => {
  const env = await setup();
  env.agent.failing = { match: /blockstorage\//, reason: "CommandFailed" };
  const { c } = makeController(env);
  const r = await nextRound(c, () => c.start());
  await c.stop();
  assert.ok(r.notReady >= 3);
  assert.is(indexOf(env.agent, /virtualmachine\//), -1, "VM waits for its disk");
  assert.is(indexOf(env.agent, /imageentity\//), -1, "image entity waits for its disk");
  assert.ok(indexOf(env.agent, /virtualrouter\//) >= 0, "router does not depend on the disk");
  const vm = c.state.statuses.get("systemv0/virtualmachine/group1/ns1/vm1")!;
  assert.is(vm.conditions.find((x) => x.type === "Ready")?.reason, "DependencyNotReady");
  const disk = c.state.statuses.get("systemv0/blockstorage/group1/ns1/bs1")!;
  assert.is(disk.conditions.find((x) => x.type === "Ready")?.reason, "CommandFailed");
  assert.ok(r.requeueAfterMs !== undefined, "backoff requeues");
});

loop("recovers after the failure clears (backoff retry)", async () => {
  const env = await setup();
  env.agent.failing = { match: /blockstorage\//, reason: "CommandFailed" };
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  env.agent.failing = undefined;
  const done = new Promise<void>((resolve) => c.onRound((r) => r.notReady === 0 && resolve()));
  await done;
  await c.stop();
  assert.ok(indexOf(env.agent, /virtualmachine\//) >= 0);
});

loop("a new generation is tried at once, not after the failed generation's backoff; the same generation waits", async () => {
  const env = await setup();
  env.agent.failing = { match: /blockstorage\//, reason: "CommandFailed" };
  const { c } = makeController({ ...env, backoffMs: 600_000 });
  const disk = () => env.agent.commands.filter((x) => x.key.includes("blockstorage/") && x.op === "apply").length;
  await nextRound(c, () => c.start());
  const first = disk();
  assert.ok(first >= 1, "the disk was tried");
  await nextRound(c, () => c.trigger("same generation"));
  assert.is(disk(), first, "same generation: still in its 10 min backoff");
  // The user pushes a change to the disk (the fix, say): it goes out in the next round.
  env.source.commit({ ...exampleFiles(), "30-storage.yaml": exampleFiles()["30-storage.yaml"]!.replace("limitSize: 1G", "limitSize: 2G") });
  env.agent.failing = undefined;
  const r = await nextRound(c, () => c.trigger("push"));
  await c.stop();
  assert.is(disk(), first + 1, "the new generation was sent at once");
  assert.is(c.state.statuses.get("systemv0/blockstorage/group1/ns1/bs1")?.conditions.find((x) => x.type === "Ready")?.status, "True");
  assert.ok(r.commandsSent >= 1);
});

loop("InvalidSpec is terminal: Stalled, not retried at the same generation", async () => {
  const env = await setup();
  env.agent.failing = { match: /virtualrouter\//, reason: "InvalidSpec" };
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  const n = env.agent.commands.filter((x) => x.key.includes("virtualrouter")).length;
  await nextRound(c, () => c.trigger("again"));
  await c.stop();
  assert.is(env.agent.commands.filter((x) => x.key.includes("virtualrouter")).length, n);
  const st = c.state.statuses.get("systemv0/virtualrouter/group1/ns1/vrouter1")!;
  assert.ok(st.conditions.some((x) => x.type === "Stalled" && x.reason === "InvalidSpec"));
});

loop("a broken file holds every delete (the resources stay, Stalled); once fixed, the removed VM is deleted", async () => {
  const env = await setup();
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  const files = exampleFiles();
  const broken: Record<string, string> = { ...files, "30-storage.yaml": "meta: [unclosed\n" };
  delete broken["40-vm.yaml"];
  env.source.commit(broken);
  await nextRound(c, () => c.trigger("push"));
  assert.equal(env.agent.commands.filter((x) => x.op === "delete"), [], "no delete while a file fails");
  const disk = c.state.statuses.get("systemv0/blockstorage/group1/ns1/bs1")!;
  assert.ok(disk.conditions.some((x) => x.type === "Stalled" && x.reason === "InvalidManifest"), JSON.stringify(disk.conditions));
  assert.ok(env.agent.host.has("systemv0/blockstorage/group1/ns1/bs1"));
  assert.is(c.state.statuses.get("systemv0/virtualmachine/group1/ns1/vm1")?.ready, false);
  const fixed: Record<string, string> = { ...files };
  delete fixed["40-vm.yaml"];
  env.source.commit(fixed);
  await nextRound(c, () => c.trigger("push"));
  await c.stop();
  assert.equal(env.agent.commands.filter((x) => x.op === "delete").map((x) => x.key), ["systemv0/virtualmachine/group1/ns1/vm1"]);
  assert.not.ok(c.state.statuses.has("systemv0/virtualmachine/group1/ns1/vm1"));
});

loop("a mass deletion waits for the Humops-Allow-Mass-Delete trailer", async () => {
  const env = await setup();
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  env.source.commit({}, "remove everything");
  await nextRound(c, () => c.trigger("push"));
  assert.equal(env.agent.commands.filter((x) => x.op === "delete"), []);
  const vm = c.state.statuses.get("systemv0/virtualmachine/group1/ns1/vm1")!;
  assert.ok(vm.conditions.some((x) => x.type === "Stalled" && x.reason === "MassDeletion"), JSON.stringify(vm.conditions));
  env.source.commit({}, "remove everything\n\nHumops-Allow-Mass-Delete: yes\n");
  await nextRound(c, () => c.trigger("push"));
  await c.stop();
  const deletes = env.agent.commands.filter((x) => x.op === "delete").map((x) => x.key.split("/")[1]);
  assert.is(deletes.length, 5);
  assert.is(deletes[0], "virtualmachine", "the VM goes first");
  assert.is(c.state.statuses.size, 0);
  assert.is(env.agent.host.size, 0);
});

loop("a resource with a cross-resource error is never applied", async () => {
  const env = await setup();
  const files = exampleFiles();
  env.source.commit({ ...files, "40-vm.yaml": files["40-vm.yaml"]!.replace("- bs1", "- nosuchdisk") });
  const { c } = makeController(env);
  await nextRound(c, () => c.start());
  await c.stop();
  assert.is(indexOf(env.agent, /virtualmachine\//), -1);
  assert.ok(indexOf(env.agent, /network\//) >= 0);
  const vm = c.state.statuses.get("systemv0/virtualmachine/group1/ns1/vm1")!;
  assert.ok(vm.conditions.some((x) => x.type === "Stalled" && x.reason === "InvalidManifest" && /40-vm.yaml:\d+:\d+/.test(x.message)), JSON.stringify(vm.conditions));
});

loop.run();
