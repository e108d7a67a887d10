// A stalled key listing fails within its bound instead of hanging the round that asked.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { KV } from "@nats-io/kv";
import { listKeys } from "../../../reconciler/bus/nats-buckets.js";
import { KvListTimeoutError } from "../../../reconciler/bus/errors.js";

test("listKeys gives up on a listing that never ends, and stops its iterator", async () => {
  let stopped = false;
  const stalled = {
    bucket: "humops-liveness",
    keys: async () => ({
      stop: () => void (stopped = true),
      async *[Symbol.asyncIterator]() {
        yield "n1";
        await new Promise(() => undefined);
      },
    }),
  } as unknown as KV;
  const t0 = Date.now();
  const err = await listKeys(stalled, 200).then(() => undefined, (e: unknown) => e);
  assert.instance(err, KvListTimeoutError);
  assert.match((err as Error).message, "humops-liveness");
  assert.ok(stopped, "iterator stopped");
  assert.ok(Date.now() - t0 < 2000);
});

test.run();
