import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FakeClock } from "../../../reconciler/controller/clock.js";
import { StatusDebouncer, type StatusWriteResult } from "../../../reconciler/controller/status-debouncer.js";
import { MemoryStatusWriter } from "../../../reconciler/status/status-writer.js";

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
const files = (v: string): Map<string, string> => new Map([["README.md", v]]);

function make(o: { failFirst?: number } = {}) {
  const clock = new FakeClock();
  const writer = new MemoryStatusWriter();
  const writes: Array<{ at: number; content: string }> = [];
  let failures = o.failFirst ?? 0;
  const errors: number[] = [];
  const d = new StatusDebouncer({
    clock, minIntervalMs: 2000,
    write: async (f, m) => {
      if (failures > 0) {
        failures--;
        throw new Error("push refused");
      }
      writes.push({ at: clock.now(), content: f.get("README.md")! });
      return writer.write(f, m);
    },
    onError: (_e, ms) => errors.push(ms),
  });
  return { clock, writer, writes, errors, d };
}

const T = suite("StatusDebouncer");

T("the first change is written at once", async () => {
  const t = make();
  const r = await t.d.offer(files("a"), "m");
  assert.equal(t.writes, [{ at: 0, content: "a" }]);
  assert.is(r.changed, true);
  assert.is(r.commit, t.writer.commits[0]!.commit);
});

T("a burst of changes makes one write per 2 s, of the latest content, and every offer learns of it", async () => {
  const t = make();
  await t.d.offer(files("a"), "m");
  const results: StatusWriteResult[] = [];
  for (const v of ["b", "c", "d"]) {
    t.clock.advance(300);
    void t.d.offer(files(v), "m").then((r) => results.push(r));
    await settle();
  }
  assert.is(t.writes.length, 1, "nothing within 2 s of the last write");
  t.clock.advance(2000 - 900 - 1);
  await settle();
  assert.is(t.writes.length, 1);
  t.clock.advance(1);
  await settle();
  assert.equal(t.writes.at(-1), { at: 2000, content: "d" }, "the latest, not b or c");
  assert.is(results.length, 3);
  assert.ok(results.every((r) => r.changed && r.commit === t.writer.commits[1]!.commit));
});

T("steady changes: writes are at least 2 s apart", async () => {
  const t = make();
  for (let i = 0; i < 50; i++) {
    void t.d.offer(files(`v${i}`), "m");
    await settle();
    t.clock.advance(100);
  }
  t.clock.advance(2000);
  await settle();
  const gaps = t.writes.slice(1).map((w, i) => w.at - t.writes[i]!.at);
  assert.ok(gaps.every((g) => g >= 2000), JSON.stringify(gaps));
  assert.equal(t.writes.map((w) => w.at), [0, 2000, 4000, 6000], "5 s of changes: 4 writes, the last after they stop");
  assert.is(t.writes.at(-1)!.content, "v49", "the last content is written in the end");
});

T("unchanged content is never written; going back to the written content cancels the pending write", async () => {
  const t = make();
  await t.d.offer(files("a"), "m");
  const same = await t.d.offer(files("a"), "other message");
  assert.is(same.changed, false);
  t.clock.advance(100);
  const pb = t.d.offer(files("b"), "m");
  t.clock.advance(100);
  await settle();
  const pa = t.d.offer(files("a"), "m");
  assert.equal(await pa, { changed: false, commit: t.writer.commits[0]!.commit });
  assert.is((await pb).changed, false, "b was superseded by a, which is written already");
  t.clock.advance(10_000);
  await settle();
  assert.is(t.writes.length, 1, "A -> B -> A within the interval writes nothing");
  assert.is(t.clock.pending, 0);
});

T("a failed write is retried with the latest content after a growing pause", async () => {
  const t = make({ failFirst: 2 });
  const p = t.d.offer(files("a"), "m");
  await settle();
  assert.equal(t.errors, [2000]);
  void t.d.offer(files("b"), "m");
  t.clock.advance(2000);
  await settle();
  assert.equal(t.errors, [2000, 4000]);
  t.clock.advance(3999);
  await settle();
  assert.is(t.writes.length, 0);
  t.clock.advance(1);
  await settle();
  assert.equal(t.writes, [{ at: 6000, content: "b" }]);
  assert.is((await p).changed, true, "the waiter of the failed content learns of the newer write");
});

T("stop writes what is pending at once and accepts nothing more", async () => {
  const t = make();
  await t.d.offer(files("a"), "m");
  void t.d.offer(files("b"), "m");
  await settle();
  assert.is(t.writes.length, 1);
  await t.d.stop();
  assert.equal(t.writes.map((w) => w.content), ["a", "b"]);
  await t.d.offer(files("c"), "m");
  t.clock.advance(10_000);
  await settle();
  assert.is(t.writes.length, 2);
  assert.is(t.clock.pending, 0);
});

T.run();
