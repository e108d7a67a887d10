// The executor supersedes (issue #11): a newer command aborts the running apply of its resource,
// a queued apply that a later command supersedes never runs, and another send of the running
// operation joins it instead of running it twice.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { NodeCommand } from "../../../schemas/protocol/messages.js";
import { CommandExecutor } from "../../../node-agent/agent/command-executor.js";
import { FakeDriver } from "../../../node-agent/agent/fake-driver.js";
import { Journal } from "../../../node-agent/agent/journal.js";
import { ResultCache } from "../../../node-agent/agent/result-cache.js";
import { StateStore } from "../../../node-agent/agent/state-store.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { until } from "../../helpers/until.js";

const log = pino({ level: "silent" });
const KEY = "systemv0/blockstorage/g/ns/d" as const;
let n = 0;
const cmd = (o: Partial<NodeCommand>): NodeCommand => ({ commandId: `c${++n}`, op: "apply", key: KEY, apiType: "systemv0/blockstorage", id: "d", annotations: {}, spec: {}, generation: 1, incarnation: "life1", context: {}, ...o });

const S = suite<{ dir: string; driver: FakeDriver; ex: CommandExecutor; release: () => void }>("CommandExecutor supersede and join");

S.before.each(async (c) => {
  c.dir = await mkdtemp(join(tmpdir(), "humops-exec-sup-"));
  c.driver = new FakeDriver("systemv0/blockstorage");
  let release = (): void => undefined;
  c.driver.gate = new Promise<void>((r) => (release = r));
  c.release = () => release();
  const runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  const signal = new AbortController().signal;
  c.ex = new CommandExecutor({
    drivers: [c.driver], journal: new Journal({ path: join(c.dir, "journal.jsonl"), maxBytes: 1024 * 1024, log }), results: new ResultCache(),
    state: new StateStore(join(c.dir, "state"), log), context: (l) => ({ runner, log: l, signal, node: { nodeName: "n1", address: "198.18.0.1", dataDir: c.dir, blockStorageDir: c.dir, imageDir: c.dir } }),
    parallelLimit: 4, log,
  });
});

S.after.each(async (c) => {
  c.release();
  await c.ex.drain();
  await rm(c.dir, { recursive: true, force: true });
});

S("a newer generation aborts the running apply; a delete after it skips the queued apply; the delete runs", async (c) => {
  const first = c.ex.execute(cmd({ generation: 1 }));
  await until("the first apply running", () => c.driver.inFlight.get(KEY) === 1, 5_000, 10);
  const second = c.ex.execute(cmd({ generation: 2 }));
  const del = c.ex.execute(cmd({ op: "delete", generation: 2 }));
  const r1 = await first;
  assert.is(r1.reason, "Superseded");
  const r2 = await second;
  assert.is(r2.reason, "Superseded", "the queued apply was skipped");
  assert.is(r2.durationMs, 0);
  c.release();
  const r3 = await del;
  assert.ok(r3.ok, JSON.stringify(r3));
  assert.is(c.driver.calls.get(KEY), 2, "the first apply and the delete ran; the second apply never did");
  assert.is(c.driver.host.size, 0);
});

S("another send of the running operation joins it and gets its result under its own id", async (c) => {
  const first = cmd({ generation: 1 });
  const p1 = c.ex.execute(first);
  await until("the apply running", () => c.driver.inFlight.get(KEY) === 1, 5_000, 10);
  const again = cmd({ generation: 1 });
  const p2 = c.ex.execute(again);
  await until("joined", () => c.ex.operationIdOf(again.commandId) === first.commandId, 5_000, 10);
  c.release();
  const [r1, r2] = await Promise.all([p1, p2]);
  assert.ok(r1.ok && r2.ok);
  assert.is(r2.commandId, again.commandId);
  assert.is(c.driver.calls.get(KEY), 1, "ran once");
  assert.is((await c.ex.execute(again)).commandId, again.commandId, "answered from the cache afterwards");
  assert.is(c.driver.calls.get(KEY), 1);
});

S("commands of one resource are admitted in arrival order, however long each one's lookup takes: a delete right after an apply is never overtaken by it", async (c) => {
  // The first state-file lookup is slow, the second fast: without ordered admission the delete
  // was queued first and the apply ran after it, leaving the resource on the host.
  let slowFirst: (() => void) | undefined;
  const slow = new Promise<void>((r) => (slowFirst = r));
  class SlowFirstLookup extends StateStore {
    calls = 0;
    override async get(key: string) {
      if (++this.calls === 1) await slow;
      return super.get(key);
    }
  }
  const state = new SlowFirstLookup(join(c.dir, "state-slow"), log);
  const runner = new RecordingRunner().onPrefix(["fake"], { exitCode: 0 });
  const driver = new FakeDriver("systemv0/blockstorage");
  const ex = new CommandExecutor({
    drivers: [driver], journal: new Journal({ path: join(c.dir, "journal-slow.jsonl"), maxBytes: 1024 * 1024, log }), results: new ResultCache(), state,
    context: (l) => ({ runner, log: l, signal: new AbortController().signal, node: { nodeName: "n1", address: "198.18.0.1", dataDir: c.dir, blockStorageDir: c.dir, imageDir: c.dir } }),
    parallelLimit: 4, log,
  });
  const apply = ex.execute(cmd({ generation: 1 }));
  const del = ex.execute(cmd({ op: "delete", generation: 1 }));
  await until("both lookups asked for", () => state.calls >= 1, 5_000, 10);
  slowFirst!();
  const [ra, rd] = await Promise.all([apply, del]);
  await ex.drain();
  assert.ok(rd.ok, JSON.stringify(rd));
  assert.ok(ra.reason === "Superseded" || ra.ok, JSON.stringify(ra));
  assert.is(driver.host.size, 0, "the delete ran last: nothing is left on the host");
});

S.run();
