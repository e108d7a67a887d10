import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isTokenValid, startDownloadApi, storageFileResolver, type DownloadApi } from "../../../node-agent/storage/download-api.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";
import type { NodeEnvironment } from "../../../node-agent/driver.js";

const KEY = "systemv0/imageentity/group1/ent1";
const body = randomBytes(100_000);
const sha = createHash("sha256").update(body).digest("hex");

interface Ctx {
  dir: string;
  api: DownloadApi;
}
const api = suite<Ctx>("download API");

api.before(async (c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-dlapi-"));
  const env: NodeEnvironment = { nodeName: "a", address: "127.0.0.1", dataDir: c.dir, blockStorageDir: join(c.dir, "bs"), imageDir: join(c.dir, "img") };
  mkdirSync(join(env.imageDir, "group1"), { recursive: true });
  writeFileSync(join(env.imageDir, "group1", "ent1.qcow2"), body);
  writeFileSync(join(env.imageDir, "group1", "ent1.json"), JSON.stringify({ key: KEY, type: "Local", sha256: sha, sizeBytes: body.length, format: "qcow2", location: "x", sourceDisk: "d" }));
  writeFileSync(join(c.dir, "secret"), "do not serve");
  // The runner is only used for blockstorage keys; none exist here, so it must not be called.
  c.api = await startDownloadApi({ listenAddress: "127.0.0.1", listenPort: 0, token: "s3cret", resolve: storageFileResolver(env, new RecordingRunner()) });
});
api.after(async (c) => {
  await c.api.close();
  rmSync(c.dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
const auth = { authorization: "Bearer s3cret" };

api("serves an Available entity by key with its sha256", async (c) => {
  const res = await get(c.api.urlOf(KEY), auth);
  assert.is(res.status, 200);
  assert.is(res.headers.get("x-humops-sha256"), sha);
  assert.is(res.headers.get("content-type"), "application/octet-stream");
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(body));
});

api("requires the bearer token", async (c) => {
  assert.is((await get(c.api.urlOf(KEY))).status, 401);
  assert.is((await get(c.api.urlOf(KEY), { authorization: "Bearer s3cre" })).status, 401);
  assert.is((await get(c.api.urlOf(KEY), { authorization: "Basic s3cret" })).status, 401);
  assert.not.ok(isTokenValid("Bearer x", ""));
});

api("unknown keys, other kinds and path tricks are 404", async (c) => {
  for (const p of [
    "/v1/systemv0/imageentity/group1/nope",
    "/v1/systemv0/network/group1/ns1/net1",
    "/v1/systemv0/imageentity/group1/..%2F..%2Fsecret",
    "/v1/systemv0/imageentity/../../secret",
    "/secret",
    "/v1/systemv0/blockstorage/group1/ns1/..",
  ]) {
    assert.is((await get(`${c.api.baseUrl}${p}`, auth)).status, 404, p);
  }
});

api("supports a single Range and rejects an unsatisfiable one", async (c) => {
  const res = await get(c.api.urlOf(KEY), { ...auth, range: "bytes=1000-1999" });
  assert.is(res.status, 206);
  assert.is(res.headers.get("content-range"), `bytes 1000-1999/${body.length}`);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(body.subarray(1000, 2000)));
  const tail = await get(c.api.urlOf(KEY), { ...auth, range: "bytes=99000-" });
  assert.is(Buffer.from(await tail.arrayBuffer()).length, 1000);
  assert.is((await get(c.api.urlOf(KEY), { ...auth, range: `bytes=${body.length}-` })).status, 416);
});

api("only GET and HEAD", async (c) => {
  assert.is((await fetch(c.api.urlOf(KEY), { method: "DELETE", headers: auth })).status, 405);
  const head = await fetch(c.api.urlOf(KEY), { method: "HEAD", headers: auth });
  assert.is(head.headers.get("content-length"), String(body.length));
});

api.run();
