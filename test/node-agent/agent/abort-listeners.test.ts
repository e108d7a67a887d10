// Issue #11: `humops up` printed "MaxListenersExceededWarning: 11 abort listeners added to
// [AbortSignal]". The agent hands one agent-wide signal to every driver; zx and child_process
// each add a listener per running host command. These tests run many real commands at once
// through the real SpawnRunner (and the executor) and check that the agent-wide signal keeps at
// most one listener, none after, that no warning is printed, and that an abort still stops them.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { getEventListeners } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { NodeCommand } from "../../../schemas/protocol/messages.js";
import { CommandExecutor } from "../../../node-agent/agent/command-executor.js";
import { Journal } from "../../../node-agent/agent/journal.js";
import { ResultCache } from "../../../node-agent/agent/result-cache.js";
import { StateStore } from "../../../node-agent/agent/state-store.js";
import type { DriverContext, ResourceDriver } from "../../../node-agent/driver.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";

const log = pino({ level: "silent" });
const N = 50;

/** A driver whose apply runs `sleep SECONDS` on the host, twice in parallel (a driver reading several devices at once). */
interface Probe { max: number; started: number; signal?: AbortSignal }

function sleepDriver(seconds: string, peak: Probe): ResourceDriver {
  const sleep = async (ctx: DriverContext): Promise<void> => {
    await Promise.all([0, 1].map(() => runChecked(ctx.runner, { argv: ["sleep", seconds] }, { signal: ctx.signal })));
  };
  return {
    apiType: "systemv0/network",
    apply: async (cmd, ctx) => {
      const p = sleep(ctx);
      peak.started++;
      if (peak.signal) peak.max = Math.max(peak.max, getEventListeners(peak.signal, "abort").length);
      await p;
      return { key: cmd.key, apiType: cmd.apiType, state: "Active", generation: cmd.generation, details: {} };
    },
    remove: async (_cmd, ctx) => sleep(ctx),
    inventory: async () => ({ resources: [], orphans: [] }),
  };
}

const cmd = (i: number): NodeCommand => ({
  commandId: `c${i}`, op: "apply", key: `systemv0/network/g1/ns1/net${i}`, apiType: "systemv0/network", id: `net${i}`, group: "g1", namespace: "ns1",
  annotations: {}, spec: {}, generation: 1, context: {},
});

interface Ctx { dir: string; warnings: Error[]; onWarning: (w: Error) => void }
const L = suite<Ctx>("abort listeners", {} as Ctx);

L.before.each(async (ctx) => {
  ctx.dir = await mkdtemp(join(tmpdir(), "humops-abort-"));
  ctx.warnings = [];
  ctx.onWarning = (w) => ctx.warnings.push(w);
  process.on("warning", ctx.onWarning);
});
L.after.each(async (ctx) => {
  process.off("warning", ctx.onWarning);
  await rm(ctx.dir, { recursive: true, force: true });
});

/** Lets a warning emitted on the last tick reach the listener. */
const settle = () => new Promise((r) => setTimeout(r, 50));

function executor(dir: string, driver: ResourceDriver, signal: AbortSignal): CommandExecutor {
  const runner = new SpawnRunner();
  return new CommandExecutor({
    drivers: [driver], journal: new Journal({ path: join(dir, "journal.jsonl"), maxBytes: 1024 * 1024, log }), results: new ResultCache(),
    state: new StateStore(join(dir, "state"), log), context: (l) => ({ runner, log: l, signal, node: { nodeName: "n1", address: "198.18.0.1", dataDir: dir, blockStorageDir: dir, imageDir: dir } }),
    parallelLimit: N, log,
  });
}

L("50 commands at once through the executor and the real SpawnRunner: one listener on the agent-wide signal, none after, no warning", async (ctx) => {
  const agentWide = new AbortController();
  const baseline = getEventListeners(agentWide.signal, "abort").length;
  const peak: Probe = { max: 0, started: 0, signal: agentWide.signal };
  const ex = executor(ctx.dir, sleepDriver("0.2", peak), agentWide.signal);
  const results = await Promise.all(Array.from({ length: N }, (_, i) => ex.execute(cmd(i))));
  assert.equal(results.filter((r) => !r.ok), []);
  assert.ok(peak.max <= baseline + 1, `peak listeners ${peak.max}`);
  assert.is(getEventListeners(agentWide.signal, "abort").length, baseline);
  await ex.drain();
  await settle();
  assert.equal(ctx.warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message), []);
});

L("50 host commands at once on one signal through the SpawnRunner: one listener while they run, none after", async (ctx) => {
  const ac = new AbortController();
  const runner = new SpawnRunner();
  const runs = Array.from({ length: N }, () => runner.run({ argv: ["sleep", "0.2"] }, { signal: ac.signal }));
  assert.is(getEventListeners(ac.signal, "abort").length, 1);
  const out = await Promise.all(runs);
  assert.equal(out.map((r) => r.exitCode).filter((c) => c !== 0), []);
  assert.is(getEventListeners(ac.signal, "abort").length, 0);
  await settle();
  assert.equal(ctx.warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message), []);
});

L("aborting the agent-wide signal still stops every running command, and leaves no listener", async (ctx) => {
  const agentWide = new AbortController();
  const probe: Probe = { max: 0, started: 0 };
  const ex = executor(ctx.dir, sleepDriver("60", probe), agentWide.signal);
  const t0 = performance.now();
  const pending = Array.from({ length: 20 }, (_, i) => ex.execute(cmd(i)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && probe.started < 20) await new Promise((r) => setTimeout(r, 20));
  assert.is(probe.started, 20);
  agentWide.abort(new Error("agent stopping"));
  const results = await Promise.all(pending);
  assert.equal(results.filter((r) => r.ok).map((r) => r.key), []);
  assert.ok(performance.now() - t0 < 50_000, "the sleeps were killed, not waited for");
  assert.is(getEventListeners(agentWide.signal, "abort").length, 0);
  await ex.drain();
});

L.run();
