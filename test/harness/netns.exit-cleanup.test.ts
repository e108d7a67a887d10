import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { isAlive } from "../helpers/process-control.js";

interface Made {
  netns: string;
  natsPid: number;
  natsDir: string;
  gitDir: string;
  tmp: string;
}

const child = new URL("./forgetful-child.ts", import.meta.url).pathname;

/** Runs forgetful-child.ts in `mode`; with `signal`, sends it once the child has printed. */
function runChild(mode: "exit" | "wait", signal?: NodeJS.Signals) {
  return new Promise<{ made: Made; code: number | null; sig: string | null; stderr: string }>((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, mode], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (signal && out.includes("\n")) p.kill(signal);
    });
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.once("error", reject);
    p.once("close", (code, sig) => {
      try {
        resolve({ made: JSON.parse(out.split("\n")[0] ?? "") as Made, code, sig, stderr: err });
      } catch (e) {
        reject(new Error(`child printed no JSON (code ${code}): ${out}${err}`, { cause: e }));
      }
    });
  });
}

async function assertAllGone(made: Made): Promise<void> {
  const list = await new SpawnRunner().run({ argv: ["ip", "netns", "list"] });
  assert.not.ok(list.stdout.includes(made.netns), `${made.netns} deleted`);
  await new Promise((r) => setTimeout(r, 300)); // let PID 1 reap the killed server
  assert.not.ok(isAlive(made.natsPid), "nats-server killed");
  for (const dir of [made.natsDir, made.gitDir, made.tmp]) assert.not.ok(existsSync(dir), `${dir} removed`);
}

const exitCleanup = suite("harness cleanup at exit");

exitCleanup("a test that forgets its cleanup exits non-zero, names the leaks, and leaves nothing", async () => {
  const r = await runChild("exit");
  assert.is(r.code, 1);
  assert.match(r.stderr, /not cleaned up by the test/);
  assert.ok(r.stderr.includes(`netns ${r.made.netns}`), r.stderr);
  assert.ok(r.stderr.includes(`nats-server pid ${r.made.natsPid}`), r.stderr);
  assert.match(r.stderr, /git server http:\/\/127\.0\.0\.1:\d+/);
  await assertAllGone(r.made);
});

exitCleanup("SIGTERM still removes everything and the process dies of the signal", async () => {
  const r = await runChild("wait", "SIGTERM");
  assert.is(r.sig, "SIGTERM");
  await assertAllGone(r.made);
});

exitCleanup.run();
