import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FakeClock } from "../../../reconciler/controller/clock.js";
import { WorkQueue, type QueueResult } from "../../../reconciler/controller/work-queue.js";

/** Lets the queue's promise chains run (reconciles here resolve on their own or when released). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** A reconcile whose calls wait until the test releases them. */
function scripted() {
  const calls: string[] = [];
  const pending = new Map<string, Array<{ resolve: (r: QueueResult) => void; reject: (e: unknown) => void; signal: AbortSignal }>>();
  const reconcile = (key: string, signal: AbortSignal): Promise<QueueResult> => {
    calls.push(key);
    return new Promise((resolve, reject) => {
      const list = pending.get(key) ?? [];
      list.push({ resolve, reject, signal });
      pending.set(key, list);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  };
  const take = (key: string) => {
    const p = pending.get(key)?.shift();
    if (p === undefined) throw new Error(`no call of ${key} in flight`);
    return p;
  };
  return { calls, reconcile, done: (key: string, r: QueueResult = {}) => take(key).resolve(r), fail: (key: string) => take(key).reject(new Error("boom")), signalOf: (key: string) => pending.get(key)?.[0]?.signal };
}

function make(o: { workers?: number; perSecond?: number; burst?: number; onIdle?: () => void } = {}) {
  const clock = new FakeClock();
  const s = scripted();
  const errors: Array<[string, number]> = [];
  const q = new WorkQueue<string>({
    reconcile: s.reconcile, workers: o.workers ?? 10, backoff: { baseMs: 100, maxMs: 1000 }, rate: { perSecond: o.perSecond ?? 1000, burst: o.burst ?? 1000 }, clock,
    onError: (k, _e, ms) => errors.push([k, ms]), ...(o.onIdle ? { onIdle: o.onIdle } : {}),
  });
  return { clock, q, errors, ...s };
}

const T = suite("WorkQueue");

T("a key added several times while it waits runs once", async () => {
  const t = make({ workers: 1 });
  t.q.add("busy");
  t.q.add("a");
  t.q.add("a");
  t.q.add("a");
  await settle();
  assert.equal(t.calls, ["busy"]);
  t.done("busy");
  await settle();
  assert.equal(t.calls, ["busy", "a"]);
  t.done("a");
  await settle();
  assert.equal(t.calls, ["busy", "a"], "no extra run");
});

T("one reconcile per key in flight; an add meanwhile runs it once more after (dirty while processing)", async () => {
  const t = make();
  t.q.add("a");
  await settle();
  t.q.add("a");
  t.q.add("a");
  await settle();
  assert.equal(t.calls, ["a"], "not twice at once");
  t.done("a");
  await settle();
  assert.equal(t.calls, ["a", "a"], "once more after, not twice");
  t.done("a");
  await settle();
  assert.equal(t.calls, ["a", "a"]);
});

T("different keys run in parallel up to the worker bound", async () => {
  const t = make({ workers: 2 });
  for (const k of ["a", "b", "c", "d"]) t.q.add(k);
  await settle();
  assert.equal(t.calls, ["a", "b"]);
  assert.is(t.q.stats().active, 2);
  assert.is(t.q.stats().ready, 2);
  t.done("b");
  await settle();
  assert.equal(t.calls, ["a", "b", "c"], "a slow key holds one worker, not the queue");
  t.done("c");
  await settle();
  assert.equal(t.calls, ["a", "b", "c", "d"]);
});

T("failures back off exponentially, capped; a success forgets them", async () => {
  const t = make();
  t.q.add("a");
  await settle();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    t.fail("a");
    await settle();
    delays.push(t.errors.at(-1)![1]);
    const wait = t.q.nextDelayedInMs()!;
    t.clock.advance(wait - 1);
    await settle();
    assert.is(t.calls.length, i + 1, "not before the backoff ends");
    t.clock.advance(1);
    await settle();
    assert.is(t.calls.length, i + 2, "retried when it ends");
  }
  assert.equal(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.is(t.q.failuresOf("a"), 6);
  t.done("a");
  await settle();
  assert.is(t.q.failuresOf("a"), 0);
  t.q.add("a");
  await settle();
  t.fail("a");
  await settle();
  assert.is(t.errors.at(-1)![1], 100, "backoff starts over after a success");
});

T("an add during a backoff waits for it; forget ends it", async () => {
  const t = make();
  t.q.add("a");
  await settle();
  t.fail("a");
  await settle();
  t.q.add("a");
  await settle();
  assert.is(t.calls.length, 1, "the add waits out the backoff");
  t.clock.advance(100);
  await settle();
  assert.is(t.calls.length, 2);
  t.fail("a");
  await settle();
  t.q.forget("a");
  t.q.add("a");
  await settle();
  assert.is(t.calls.length, 3, "forgotten: runs at once");
});

T("an add while the key runs and then fails does not skip the backoff", async () => {
  const t = make();
  t.q.add("a");
  await settle();
  t.q.add("a");
  t.fail("a");
  await settle();
  assert.is(t.calls.length, 1);
  t.clock.advance(100);
  await settle();
  assert.is(t.calls.length, 2);
});

T("requeueAfterMs comes back then; of two delays the earliest wins; no failure is counted", async () => {
  const t = make();
  t.q.add("a");
  await settle();
  t.done("a", { requeueAfterMs: 500 });
  await settle();
  t.q.addAfter("a", 300);
  t.q.addAfter("a", 900);
  assert.is(t.q.nextDelayedInMs(), 300);
  t.clock.advance(299);
  await settle();
  assert.is(t.calls.length, 1);
  t.clock.advance(1);
  await settle();
  assert.is(t.calls.length, 2);
  assert.is(t.q.failuresOf("a"), 0);
  t.done("a");
  t.clock.advance(1000);
  await settle();
  assert.is(t.calls.length, 2, "the later delays were folded into the earliest");
});

T("a run supersedes its key's delayed add (woken early, it does not run again when the delay ends)", async () => {
  const t = make();
  t.q.addAfter("a", 5000);
  t.q.add("a");
  await settle();
  t.done("a");
  await settle();
  assert.is(t.q.stats().delayed, 0);
  t.clock.advance(5000);
  await settle();
  assert.equal(t.calls, ["a"]);
});

T("the token bucket limits starts globally", async () => {
  const t = make({ perSecond: 10, burst: 2 });
  for (const k of ["a", "b", "c", "d"]) t.q.add(k);
  await settle();
  assert.equal(t.calls, ["a", "b"], "the burst");
  t.clock.advance(99);
  await settle();
  assert.is(t.calls.length, 2);
  t.clock.advance(1);
  await settle();
  assert.equal(t.calls, ["a", "b", "c"], "one more token after 100 ms");
  t.clock.advance(100);
  await settle();
  assert.equal(t.calls, ["a", "b", "c", "d"]);
});

T("onIdle fires when nothing runs or waits to run; a delayed key does not count", async () => {
  let idle = 0;
  const t = make({ onIdle: () => idle++ });
  t.q.add("a");
  t.q.add("b");
  await settle();
  t.done("a");
  await settle();
  assert.is(idle, 0, "b still runs");
  t.done("b", { requeueAfterMs: 1000 });
  await settle();
  assert.is(idle, 1);
  assert.ok(t.q.isIdle());
  assert.is(t.q.stats().delayed, 1);
});

T("shutdown aborts reconciles in flight, drops waiting keys, resolves when drained, accepts nothing more", async () => {
  const t = make({ workers: 1 });
  t.q.add("a");
  t.q.add("b");
  t.q.addAfter("c", 100);
  await settle();
  const signal = t.signalOf("a")!;
  let drained = false;
  const p = t.q.shutdown(new Error("stop")).then(() => (drained = true));
  assert.ok(signal.aborted);
  await p;
  assert.ok(drained);
  assert.is(t.clock.pending, 0, "no timer left");
  t.q.add("d");
  await settle();
  assert.equal(t.calls, ["a"], "b, c and d never run");
  assert.equal(t.errors, [], "an aborted reconcile is no failure");
});

T("cancel aborts one key's reconcile only", async () => {
  const t = make();
  t.q.add("a");
  t.q.add("b");
  await settle();
  const a = t.signalOf("a")!;
  const b = t.signalOf("b")!;
  t.q.cancel("a", new Error("superseded"));
  assert.ok(a.aborted);
  assert.not.ok(b.aborted);
  assert.ok(t.q.isActive("b"));
});

T.run();
