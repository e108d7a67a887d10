// Issue #11: a resource deleted and declared again (same spec, or another), with or without a
// controller restart in between, is created again at once, and the status never names a pid
// that does not exist. The controller runs against the REAL agent runtime (its de-duplication
// by command id is what answered the re-declared VM with the first create's result) over a
// MemoryBus; the VM driver gives each started VM a new pid and forgets it when it is removed.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { MemoryBus } from "../../../reconciler/bus/memory-bus.js";
import type { Controller } from "../../../reconciler/controller/controller.js";
import { MemoryGitSource } from "../../../reconciler/git/memory-git-source.js";
import { parseStatusFiles } from "../../../reconciler/status/parse-status.js";
import type { ResourceStatus } from "../../../reconciler/status/types.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";
import { startAgent, type Agent } from "../../../node-agent/agent/agent.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import type { ObservedResource, ResourceCommand, ResourceDriver } from "../../../node-agent/driver.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { ResourceKey } from "../../../schemas/kinds.js";
import { exampleFiles, makeController } from "./harness.js";
import { testAgentSettings } from "../../helpers/agent-settings.js";

const VM: ResourceKey = "systemv0/virtualmachine/group1/ns1/vm1";
const VR: ResourceKey = "systemv0/virtualrouter/group1/ns1/vrouter1";

/** A VM "host": a started VM gets a new pid, a removed one's pid is dead. */
class PidVmDriver implements ResourceDriver {
  readonly apiType = "systemv0/virtualmachine" as const;
  readonly alive = new Set<number>();
  readonly host = new Map<string, { cmd: ResourceCommand; pid: number }>();
  #next = 1000;

  async apply(cmd: ResourceCommand): Promise<ObservedResource> {
    const pid = this.host.get(cmd.key)?.pid || this.#next++;
    this.alive.add(pid);
    this.host.set(cmd.key, { cmd, pid });
    return this.#observed(cmd, pid);
  }

  /** Makes the next removes stop qemu and then fail (a delete half done). */
  failRemoves = 0;

  async remove(cmd: ResourceCommand): Promise<void> {
    const e = this.host.get(cmd.key);
    if (e !== undefined) this.alive.delete(e.pid);
    if (this.failRemoves > 0) {
      this.failRemoves--;
      if (e !== undefined) this.host.set(cmd.key, { ...e, pid: 0 });
      throw Object.assign(new Error("tap busy"), { reason: "CommandFailed" });
    }
    this.host.delete(cmd.key);
  }

  async inventory(): Promise<{ resources: ObservedResource[]; orphans: string[] }> {
    return { resources: [...this.host.values()].map((e) => this.#observed(e.cmd, e.pid)), orphans: [] };
  }

  #observed(cmd: ResourceCommand, pid: number): ObservedResource {
    if (pid === 0) return { key: cmd.key, apiType: cmd.apiType, state: "Stopped", generation: cmd.generation, details: {}, spec: cmd.spec };
    return { key: cmd.key, apiType: cmd.apiType, state: "Running", generation: cmd.generation, details: { pid }, spec: cmd.spec };
  }
}


interface Env { dir: string; source: MemoryGitSource; bus: MemoryBus; status: MemoryStatusWriter; vm: PidVmDriver; agent: Agent; c: Controller; badPids: string[] }

function files(o: { vm: boolean; router: boolean; changed: boolean }): Record<string, string> {
  const all = exampleFiles();
  const out: Record<string, string> = { ...all, "40-vm.yaml": all["40-vm.yaml"]!.replace("actionState: PowerOff", "actionState: PowerOn") };
  if (o.changed) {
    out["40-vm.yaml"] = out["40-vm.yaml"]!.replace(/Memory: 256M/g, "Memory: 512M");
    out["20-router.yaml"] = out["20-router.yaml"]!.replace("natGatewayIP: 203.0.113.200", "natGatewayIP: 203.0.113.201");
  }
  if (!o.vm) delete out["40-vm.yaml"];
  if (!o.router) delete out["20-router.yaml"];
  return out;
}

const latest = (env: Env): Map<ResourceKey, ResourceStatus> => parseStatusFiles(env.status.commits.at(-1)?.files ?? new Map()).resources;

/** After every round: every pid the status branch names must be a live VM (issue #11). */
function watchPids(env: Env, c: Controller): void {
  c.onRound(() => {
    for (const r of latest(env).values()) {
      const pid = r.details["pid"];
      if (pid !== undefined && !env.vm.alive.has(pid as number)) env.badPids.push(`${r.key} pid ${String(pid)} (${r.state})`);
    }
  });
}

/** Triggers rounds until `done` holds for the status branch (bounded; no fixed sleep). */
async function until(env: Env, done: (s: Map<ResourceKey, ResourceStatus>) => boolean, what: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  let rounds = 0;
  while (!done(latest(env))) {
    if (Date.now() >= deadline) assert.unreachable(`timed out waiting for: ${what}; VM status: ${JSON.stringify(latest(env).get(VM))}`);
    await new Promise<void>((resolve) => {
      const off = env.c.onRound(() => (off(), resolve()));
      env.c.trigger("test");
    });
    rounds++;
  }
  return rounds;
}

async function setup(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), "humops-redeclare-"));
  const bus = new MemoryBus();
  const vm = new PidVmDriver();
  const drivers = [vm, ...(["systemv0/network", "systemv0/virtualrouter", "systemv0/blockstorage", "systemv0/imageentity"] as const).map((k) => new FakeDriver(k))];
  const runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  const agent = await startAgent({ config: testAgentSettings(dir), bus: bus.connectAgent(), drivers, runner, log: pino({ level: "silent" }), accelerator: { accelerator: "tcg", reason: "test" }, inventoryDebounceMs: 10 });
  const source = new MemoryGitSource();
  const status = new MemoryStatusWriter();
  const env = { dir, source, bus, status, vm, agent, badPids: [] } as unknown as Env;
  source.commit(files({ vm: true, router: true, changed: false }));
  env.c = makeController(env).c;
  watchPids(env, env.c);
  env.c.start();
  await until(env, (s) => s.get(VM)?.ready === true && s.get(VR)?.ready === true, "first apply ready");
  return env;
}

async function teardown(env: Env): Promise<void> {
  await env.c.stop();
  await env.agent.stop();
  await rm(env.dir, { recursive: true, force: true });
}

async function restart(env: Env): Promise<void> {
  await env.c.stop();
  env.c = makeController(env).c;
  watchPids(env, env.c);
  env.c.start();
}

const journalEvents = async (env: Env) => (await readFile(join(env.dir, "journal.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { event: string; key?: string });

const R = suite("delete and declare again (real agent runtime)");

for (const restartBetween of [false, true]) {
  for (const changed of [false, true]) {
    R(`VM and router: delete, ${restartBetween ? "restart the controller, " : ""}declare again with ${changed ? "a changed" : "the same"} spec: created again at once, never a dead pid`, async () => {
      const env = await setup();
      try {
        const first = latest(env);
        const pid1 = first.get(VM)!.details["pid"] as number;
        const inc1 = [first.get(VM)!.incarnation, first.get(VR)!.incarnation];
        assert.ok(inc1.every((i) => typeof i === "string" && i.length > 0), "status files carry an incarnation");
        env.source.commit(files({ vm: false, router: false, changed }));
        await until(env, (s) => !s.has(VM) && !s.has(VR), "VM and router gone from the status branch");
        assert.not.ok(env.vm.alive.has(pid1));
        if (restartBetween) await restart(env);
        env.source.commit(files({ vm: true, router: true, changed }));
        const rounds = await until(env, (s) => s.get(VM)?.ready === true && s.get(VR)?.ready === true, "re-declared VM and router ready");
        assert.ok(rounds <= 2, `re-created within ${rounds} rounds`);
        const again = latest(env);
        const pid2 = again.get(VM)!.details["pid"] as number;
        assert.is.not(pid2, pid1);
        assert.ok(env.vm.alive.has(pid2));
        assert.is(again.get(VM)!.state, "Running");
        assert.not.ok(inc1.includes(again.get(VM)!.incarnation) || inc1.includes(again.get(VR)!.incarnation), "a new incarnation");
        if (changed) assert.is(env.vm.host.get(VM)?.cmd.spec["requestMemory"], "512M");
        assert.equal(env.badPids, []);
        assert.equal((await journalEvents(env)).filter((e) => e.event === "duplicate"), []);
      } finally {
        await teardown(env);
      }
    });
  }
}

R("a delete that stopped qemu and then failed: the Deleting status names no pid; declared again, it runs with a new one", async () => {
  const env = await setup();
  try {
    const pid1 = latest(env).get(VM)!.details["pid"] as number;
    env.vm.failRemoves = 1_000_000;
    env.source.commit(files({ vm: false, router: true, changed: false }));
    await until(env, (s) => s.get(VM)?.state === "Deleting" && s.get(VM)?.details["pid"] === undefined, "VM Deleting without a pid");
    assert.not.ok(env.vm.alive.has(pid1));
    env.vm.failRemoves = 0;
    env.source.commit(files({ vm: true, router: true, changed: false }));
    await until(env, (s) => s.get(VM)?.ready === true && s.get(VM)?.state === "Running", "re-declared VM running");
    assert.ok(env.vm.alive.has(latest(env).get(VM)!.details["pid"] as number));
    assert.equal(env.badPids, []);
  } finally {
    await teardown(env);
  }
});

R("a restarted controller keeps the incarnations it restored, and sends nothing for what exists", async () => {
  const env = await setup();
  try {
    const before = latest(env);
    // The agent publishes its inventory a little after its results: restart once it did.
    const deadline = Date.now() + 30_000;
    while ((await env.bus.inventories()).get("node1")?.resources.length !== 5) {
      assert.ok(Date.now() < deadline, "the agent's inventory shows the five node resources");
      await env.agent.resync();
    }
    await env.c.stop();
    const m = makeController(env);
    env.c = m.c;
    const sent = await new Promise<number>((resolve) => {
      const off = env.c.onRound((r) => (off(), resolve(r.commandsSent)));
      env.c.start();
    });
    assert.is(sent, 0, JSON.stringify(m.lines.filter((l) => l["msg"] === "sending command")));
    const after = latest(env);
    assert.is(after.get(VM)!.incarnation, before.get(VM)!.incarnation);
    assert.is(after.get(VR)!.incarnation, before.get(VR)!.incarnation);
  } finally {
    await teardown(env);
  }
});

R.run();
