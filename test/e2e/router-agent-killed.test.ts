// Issue #13: an agent run inside `ip netns exec NODE` pins its routers in its own mount
// namespace; SIGKILLed, it leaves /run/netns/NAME as a dead entry. The next agent must remove
// that entry and build the router again (it used to fail "Invalid argument" on every retry).
// Real controller, real agent process in a node netns, real router with NAT on the external
// bridge; the router is proven by the "internet" netns pinging its natGatewayIP.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { findLeaks, snapshotHost, type HostSnapshot } from "../helpers/netns.js";
import { isAlive } from "../helpers/process-control.js";
import { startCluster, waitFor, type E2eCluster } from "../helpers/e2e-cluster.js";
import { routerNetnsName } from "../../schemas/host-names.js";
import { baseFiles, externalFiles, NET } from "./scenario.js";

const t = suite("a router whose agent was SIGKILLed");
const BRIDGE = "hmextbr";
let c: E2eCluster;
let before: HostSnapshot;
let group: string;
let rns: string;

const files = () => ({ ...baseFiles(group, "4300"), ...externalFiles({ group, externalBridge: BRIDGE }) });
const routerAnswers = async () => (await c.inet.exec(["ping", "-c", "1", "-W", "1", NET.natGatewayIP])).exitCode === 0;
const isDead = async () => (await snapshotHost()).deadNetns?.includes(rns) === true;

async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const tail = (s: string) => s.split("\n").slice(-30).join("\n");
    (e as Error).message += `\n--- controller ---\n${tail(c.controllerLog())}\n--- agent ---\n${tail(c.agents.get("node1")?.log() ?? "")}`;
    throw e;
  }
}

// Started in a test, not a hook: uvu swallows a hook's error, and a missing prerequisite must fail.
t("the cluster starts with one node", async () => {
  before = await snapshotHost();
  c = await startCluster({ nodes: ["node1"], externalBridge: BRIDGE });
  group = `g${c.tag}`;
  rns = routerNetnsName(group, "ns1", "vr1");
});

t.after(async () => {
  await c?.stop();
});

t("killed with its router, the agent leaves a dead entry; the next agent removes it and builds the router again", () =>
  explained(async () => {
    await c.push(files(), "router");
    await waitFor("router ready", async () => (await c.status(`groups/${group}/namespaces/ns1/virtualrouter/vr1.yaml`))?.["ready"] === true, 120_000);
    await waitFor("the router answers on its natGatewayIP", routerAnswers, 60_000);
    // Status can say ready (the agent's inventory) before the command's reply reached the
    // controller; killed in between, that reply is lost and the controller waits out its
    // command timeout (120 s). A round finished after this point has its replies.
    const seen = c.controllerLog().length;
    await waitFor("a controller round done after the router is up", () => c.controllerLog().slice(seen).includes('"msg":"round done"'), 60_000);
    assert.not.ok(await isDead(), "a live router's entry is held by the agent's mount namespace");

    const agent = c.agents.get("node1")!;
    const pid = agent.proc!.pid;
    await c.stopAgent("node1", "SIGKILL");
    assert.not.ok(isAlive(pid), `agent ${pid} killed`);
    await waitFor("the router's entry dead", isDead, 30_000);
    assert.not.ok(await routerAnswers(), "the router went with its agent's mount namespace");

    await c.startAgent("node1");
    await waitFor("the router answers again", routerAnswers, 120_000);
    assert.not.ok(await isDead(), "the entry is live again");
    assert.match(agent.log(), "router netns entry is dead (its agent was killed); rebuilding the router");
  }),
);

t("removing the router leaves no entry behind", () =>
  explained(async () => {
    await c.push({}, "remove everything\n\nHumops-Allow-Mass-Delete: yes", Object.keys(files()));
    await waitFor("router entry gone", async () => !(await snapshotHost()).netns.includes(rns), 120_000);
  }),
);

t("stopping the cluster leaves nothing behind, no dead entry either", async () => {
  await c.stop();
  assert.equal(await findLeaks(before, { names: [rns] }), []);
});

t.run();
