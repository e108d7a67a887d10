import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import { SpawnRunner } from "../../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../../node-agent/host/host-runner.js";
import { CommandFailedError, UnexpectedCommandError } from "../../../node-agent/host/errors.js";

const runners = suite("host runners");

runners("SpawnRunner passes argv elements untouched, never through a shell", async () => {
  const r = new SpawnRunner();
  const res = await r.run({ argv: ["printf", "%s|", "a b", "$(id)", "; rm -rf /", "'q'"] });
  assert.is(res.exitCode, 0);
  assert.is(res.stdout, "a b|$(id)|; rm -rf /|'q'|");
});

runners("SpawnRunner: non-zero exit is data; runChecked throws with argv", async () => {
  const r = new SpawnRunner();
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

runners("SpawnRunner runs the program itself: its parent is this process, and no ~/.bashrc is sourced", async () => {
  // Under systemd SHLVL is unset; bash with a socket on stdin then sources ~/.bashrc (issue #15's
  // review: `humops up` commands waited 60 s on pyenv's lock there). Make that case, and look.
  const home = mkdtempSync(join(tmpdir(), "humops-home-"));
  const marker = join(home, "bashrc-ran");
  writeFileSync(join(home, ".bashrc"), `touch ${marker}\n`);
  const saved = { HOME: process.env["HOME"], SHLVL: process.env["SHLVL"] };
  process.env["HOME"] = home;
  process.env["SHLVL"] = "0";
  try {
    const r = new SpawnRunner();
    const res = await r.run({ argv: ["sh", "-c", "echo $PPID"] });
    assert.is(res.stdout.trim(), String(process.pid), "the command's parent is the agent, not a shell");
    assert.is((await r.run({ argv: ["true"] })).exitCode, 0);
    assert.not.ok(existsSync(marker), "a shell sourced ~/.bashrc before the command");
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    rmSync(home, { recursive: true, force: true });
  }
});

runners("SpawnRunner: a missing program is 127 'command not found'; a timeout or an abort kills it (-1)", async () => {
  const r = new SpawnRunner();
  const missing = await r.run({ argv: ["humops-no-such-program"] });
  assert.equal([missing.exitCode, missing.stderr], [127, "humops-no-such-program: command not found\n"]);
  const t0 = performance.now();
  assert.is((await r.run({ argv: ["sleep", "30"], timeoutMs: 200 })).exitCode, -1);
  const ac = new AbortController();
  const running = r.run({ argv: ["sleep", "30"] }, { signal: ac.signal });
  setTimeout(() => ac.abort(new Error("stop")), 100);
  assert.is((await running).exitCode, -1);
  assert.ok(performance.now() - t0 < 25_000, "the sleeps were killed, not waited for");
  const pre = new AbortController();
  pre.abort(new Error("before"));
  assert.is((await r.run({ argv: ["sleep", "30"] }, { signal: pre.signal })).exitCode, -1);
});

runners("SpawnRunner feeds stdin", async () => {
  const res = await new SpawnRunner().run({ argv: ["cat"], stdin: "hello\n" });
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
