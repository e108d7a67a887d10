import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { Journal } from "../../../node-agent/agent/journal.js";
import { ResultCache } from "../../../node-agent/agent/result-cache.js";
import { KeyQueue } from "../../../node-agent/agent/key-queue.js";
import { readJournal } from "../../../node-agent/diag/journal.js";

const log = pino({ level: "silent" });
const result = (i: number) => ({ commandId: `c${i}`, key: "corev0/group/g1", ok: true, durationMs: i }) as const;

const J = suite("journal, result cache, key queue");

J("the journal rotates past its size, keeps `keep` files, and its results are read back in order", async () => {
  const dir = await mkdtemp(join(tmpdir(), "humops-journal-"));
  try {
    const path = join(dir, "journal.jsonl");
    const j = new Journal({ path, maxBytes: 2000, keep: 2, log });
    for (let i = 0; i < 60; i++) void j.write({ event: "result", commandId: `c${i}`, key: "corev0/group/g1", ok: true, durationMs: i, result: result(i) });
    await j.flush();
    assert.equal((await readdir(dir)).sort(), ["journal.jsonl", "journal.jsonl.1", "journal.jsonl.2"]);
    for (const f of await readdir(dir)) assert.ok((await stat(join(dir, f))).size <= 2000, f);
    const ids = (await j.results()).map((r) => r.commandId);
    assert.ok(ids.length > 5 && ids.length < 60, `${ids.length} results kept`);
    assert.is(ids.at(-1), "c59");
    assert.equal(ids, [...ids].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    // nodectl's reader understands the lines.
    const seen = await readJournal(path);
    assert.equal(seen.at(-1)?.commandId, "c59");
    assert.equal(seen.at(-1)?.ok, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

J("the result cache is a bounded LRU", () => {
  const c = new ResultCache(2);
  c.set(result(1));
  c.set(result(2));
  assert.ok(c.get("c1"));
  c.set(result(3));
  assert.equal([c.get("c1")?.commandId, c.get("c2"), c.get("c3")?.commandId, c.size], ["c1", undefined, "c3", 2]);
});

J("the key queue serializes per key and bounds parallelism", async () => {
  const q = new KeyQueue(2);
  let running = 0;
  let peak = 0;
  const order: string[] = [];
  const task = (name: string) => async () => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 20));
    order.push(name);
    running--;
    return name;
  };
  const out = await Promise.all([q.run("a", task("a1")), q.run("a", task("a2")), q.run("b", task("b1")), q.run("c", task("c1")), q.run("d", task("d1"))]);
  assert.equal(out, ["a1", "a2", "b1", "c1", "d1"]);
  assert.is(peak, 2);
  assert.ok(order.indexOf("a1") < order.indexOf("a2"));
  // A failed task does not block the key.
  await q.run("a", async () => { throw new Error("x"); }).catch(() => undefined);
  assert.is(await q.run("a", async () => "after"), "after");
});

J.run();
