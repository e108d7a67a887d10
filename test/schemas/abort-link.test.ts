// schemas/abort-link.ts: many waiters on one long-lived signal cost it one listener (issue #11),
// and aborts still reach every waiter. Also through the controller's MemoryBus send.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { getEventListeners } from "node:events";
import { abortable, linkedAbort, onAbort } from "../../schemas/abort-link.js";
import { MemoryBus } from "../../reconciler/bus/memory-bus.js";
import type { NodeCommand } from "../../schemas/protocol/messages.js";

const count = (s: AbortSignal): number => getEventListeners(s, "abort").length;
const A = suite("abort-link");

A("many subscribers, one listener; the last unsubscribe removes it", () => {
  const ac = new AbortController();
  const offs = Array.from({ length: 100 }, () => onAbort(ac.signal, () => undefined));
  assert.is(count(ac.signal), 1);
  for (const off of offs.slice(1)) off();
  assert.is(count(ac.signal), 1);
  offs[0]!();
  offs[0]!();
  assert.is(count(ac.signal), 0);
});

A("an abort reaches every subscriber once, with the reason; an aborted signal calls at once", () => {
  const ac = new AbortController();
  const seen: unknown[] = [];
  for (let i = 0; i < 20; i++) onAbort(ac.signal, (r) => seen.push(r));
  const reason = new Error("stop");
  ac.abort(reason);
  assert.is(seen.length, 20);
  assert.ok(seen.every((r) => r === reason));
  let now: unknown;
  onAbort(ac.signal, (r) => (now = r));
  assert.is(now, reason);
  assert.is(count(ac.signal), 0);
});

A("linkedAbort follows its parent, can abort alone, and unlinks on dispose", () => {
  const parent = new AbortController();
  const a = linkedAbort(parent.signal);
  const b = linkedAbort(parent.signal);
  b.abort(new Error("b only"));
  assert.ok(b.signal.aborted);
  assert.not.ok(parent.signal.aborted);
  b.dispose();
  parent.abort(new Error("all"));
  assert.ok(a.signal.aborted);
  assert.is((a.signal.reason as Error).message, "all");
  a.dispose();
  assert.is(count(parent.signal), 0);
});

A("abortable: resolves, or rejects with the reason; no listener stays", async () => {
  const ac = new AbortController();
  assert.is(await abortable(Promise.resolve(7), ac.signal), 7);
  assert.is(count(ac.signal), 0);
  const never = new Promise<number>(() => undefined);
  const p = abortable(never, ac.signal);
  ac.abort(new Error("gone"));
  try {
    await p;
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, "gone");
  }
});

A("MemoryBus: 50 sends in flight on one signal add one listener, none after", async () => {
  const bus = new MemoryBus();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  bus.handle("n1", async (cmd) => {
    await gate;
    return { commandId: cmd.commandId, key: cmd.key, ok: true, durationMs: 1 };
  });
  const ac = new AbortController();
  const cmd = (i: number): NodeCommand => ({ commandId: `c${i}`, op: "apply", key: `systemv0/network/g1/ns1/n${i}`, apiType: "systemv0/network", id: `n${i}`, group: "g1", namespace: "ns1", annotations: {}, spec: {}, generation: 1, context: {} });
  const sends = Array.from({ length: 50 }, (_, i) => bus.send("n1", cmd(i), { timeoutMs: 60_000, signal: ac.signal }));
  await new Promise((r) => setImmediate(r));
  assert.is(count(ac.signal), 1);
  release();
  assert.is((await Promise.all(sends)).length, 50);
  assert.is(count(ac.signal), 0);
});

A.run();
