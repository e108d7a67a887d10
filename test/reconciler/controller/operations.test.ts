// The controller's record of operations in flight (protocol 1.3, issue #11).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { InFlightOperations } from "../../../reconciler/controller/operations.js";
import type { NodeCommand, OperationUpdate } from "../../../schemas/protocol/messages.js";

const KEY = "systemv0/blockstorage/g/ns/d" as const;
const cmd: NodeCommand = { commandId: "c1", op: "apply", key: KEY, apiType: "systemv0/blockstorage", id: "d", annotations: {}, spec: {}, generation: 1, context: {} };
const upd = (o: Partial<OperationUpdate>): OperationUpdate => ({ node: "n1", operationId: "c1", commandId: "c1", key: KEY, op: "apply", generation: 1, state: "Running", startedAt: "2026-01-01T00:00:00Z", ...o });
const done = { commandId: "c1", key: KEY, ok: true, durationMs: 5 };

const O = suite("InFlightOperations");

O("progress refreshes the record; the completion wakes its item and carries the result", () => {
  const ops = new InFlightOperations();
  ops.record({ itemId: `${KEY}@n1`, node: "n1", cmd, operationId: "c1", nowMs: 1000 });
  assert.is(ops.update(upd({ progress: { phase: "Downloading", doneBytes: 5 } }), 2000), undefined);
  assert.is(ops.get(`${KEY}@n1`)?.lastSeenMs, 2000);
  assert.equal(ops.views().get(KEY)?.progress, { phase: "Downloading", doneBytes: 5 });
  assert.is(ops.update(upd({ state: "Done", result: done }), 3000), `${KEY}@n1`);
  assert.equal(ops.get(`${KEY}@n1`)?.result, done);
  assert.is(ops.views().size, 0, "a completed operation no longer shows as running");
});

O("a completion that overtakes its acceptance is kept and taken when the acceptance is recorded", () => {
  const ops = new InFlightOperations();
  assert.is(ops.update(upd({ state: "Done", result: done }), 1000), undefined);
  const rec = ops.record({ itemId: `${KEY}@n1`, node: "n1", cmd, operationId: "c1", nowMs: 1001 });
  assert.equal(rec.result, done);
});

O("updates of another node or command are not this record's", () => {
  const ops = new InFlightOperations();
  ops.record({ itemId: `${KEY}@n1`, node: "n1", cmd, operationId: "c1", nowMs: 1000 });
  assert.is(ops.update(upd({ node: "n2", state: "Done", result: done }), 2000), undefined);
  assert.is(ops.update(upd({ commandId: "c0", state: "Done", result: { ...done, commandId: "c0" } }), 2000), undefined);
  assert.is(ops.get(`${KEY}@n1`)?.result, undefined);
  ops.delete(`${KEY}@n1`);
  assert.is(ops.size, 0);
});

O.run();
