import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BlockStorageDriver } from "../../../node-agent/storage/blockstorage-driver.js";
import { HttpCache } from "../../../node-agent/storage/http-cache.js";
import { startHttpFixture } from "../../helpers/http-fixture.js";
import { onExitCleanup } from "../../helpers/exit-cleanup.js";
import { diskCmd, makeCtx, makeEnv, qemuCompare, qemuInfo, rawImage } from "./storage-env.js";

const MiB = 1024 * 1024;
const crash = suite("an agent killed mid-download");

crash("leaves no complete-looking disk; re-applying resumes and ends with a verified disk", async () => {
  const env = makeEnv("k");
  const fx = await startHttpFixture();
  const img = rawImage(16 * MiB);
  const sha = createHash("sha256").update(img).digest("hex");
  const src = join(env.dataDir, "src.raw");
  writeFileSync(src, img);
  try {
    fx.set("/big.img", { body: img, etag: '"big"', slow: { chunkBytes: 256 * 1024, chunkDelayMs: 50 } });
    const cmd = diskCmd("crash", { limitSize: "32M", from: { type: "HTTP", http: { url: fx.url("/big.img"), sha256: sha } } });
    const part = join(new HttpCache(env.dataDir).dirOf(fx.url("/big.img")), "body.part");
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./download-child.ts", import.meta.url)), JSON.stringify({ env, cmd })], { stdio: ["ignore", "pipe", "inherit"] });
    const release = onExitCleanup(() => void child.kill("SIGKILL"));
    const until = Date.now() + 30_000;
    while (!(existsSync(part) && statSync(part).size >= 2 * MiB)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error("the child never got 2 MiB into the download");
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    release();
    const disk = join(env.blockStorageDir, "group1", "ns1", "crash.qcow2");
    assert.not.ok(existsSync(disk), "no disk under its final name after the crash");
    const kept = statSync(part).size;
    assert.ok(kept > 0 && kept < img.length);
    fx.set("/big.img", { body: img, etag: '"big"' });
    const o = await new BlockStorageDriver().apply(cmd, makeCtx(env));
    assert.is(o.state, "Active");
    const last = fx.requests.at(-1)!;
    assert.is(last.status, 206, "the restarted agent resumed");
    assert.match(String(last.headers.range), /^bytes=\d+-$/);
    assert.is(qemuInfo(disk)[0]!["virtual-size"], 32 * MiB);
    assert.is(qemuCompare(src, disk, "raw", "qcow2"), 0);
    assert.equal(readdirSync(join(env.blockStorageDir, "group1", "ns1")), ["crash.qcow2"]);
  } finally {
    await fx.close();
    rmSync(env.dataDir, { recursive: true, force: true });
  }
});

crash.run();
