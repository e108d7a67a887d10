import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { TimeoutRunner } from "../../../node-agent/diag/timeout-runner.js";

const T = suite("TimeoutRunner");

T("adds the default timeout only where a command has none", async () => {
  const inner = new RecordingRunner({ fallback: {} });
  const r = new TimeoutRunner(inner, 1234);
  await r.run({ argv: ["rbd", "ls"] });
  await r.run({ argv: ["qemu-img", "info"], timeoutMs: 5 });
  assert.equal(inner.commands.map((c) => c.timeoutMs), [1234, 5]);
});

T("a hanging host command is cut off (real process)", async () => {
  const started = performance.now();
  const res = await new TimeoutRunner(new SpawnRunner(), 300).run({ argv: ["sleep", "30"] });
  assert.ok(performance.now() - started < 5000, "returned long before the sleep would end");
  assert.is.not(res.exitCode, 0);
});

T.run();
