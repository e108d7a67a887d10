import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { ZxRunner } from "../../../node-agent/host/zx-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { CommandFailedError, UnexpectedCommandError } from "../../../node-agent/host/errors.js";

const runners = suite("host runners");

runners("ZxRunner passes argv elements untouched, never through a shell", async () => {
  const r = new ZxRunner();
  const res = await r.run({ argv: ["printf", "%s|", "a b", "$(id)", "; rm -rf /", "'q'"] });
  assert.is(res.exitCode, 0);
  assert.is(res.stdout, "a b|$(id)|; rm -rf /|'q'|");
});

runners("ZxRunner: non-zero exit is data; runChecked throws with argv", async () => {
  const r = new ZxRunner();
  const res = await r.run({ argv: ["sh", "-c", "echo oops >&2; exit 3"] });
  assert.is(res.exitCode, 3);
  assert.is(res.stderr.trim(), "oops");
  try {
    await runChecked(r, { argv: ["false"] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, CommandFailedError);
    assert.equal((e as CommandFailedError).argv, ["false"]);
  }
});

runners("ZxRunner feeds stdin", async () => {
  const res = await new ZxRunner().run({ argv: ["cat"], stdin: "hello\n" });
  assert.is(res.stdout, "hello\n");
});

runners("RecordingRunner replies from its table and fails on unexpected commands", async () => {
  const r = new RecordingRunner().on(["ip", "link", "show"], { stdout: "[]" }).onPrefix(["qemu-img"], { exitCode: 1 });
  assert.is((await r.run({ argv: ["ip", "link", "show"] })).stdout, "[]");
  assert.is((await r.run({ argv: ["qemu-img", "info", "x"] })).exitCode, 1);
  try {
    await r.run({ argv: ["rm", "-rf", "/"] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, UnexpectedCommandError);
  }
  assert.equal(r.argvs, [["ip", "link", "show"], ["qemu-img", "info", "x"], ["rm", "-rf", "/"]]);
});

runners.run();
