import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DownloadTokens, MAX_LEARNED_TOKENS } from "../../../node-agent/storage/download-tokens.js";
import { startDownloadApi, storageFileResolver } from "../../../node-agent/storage/download-api.js";
import { RecordingRunner } from "../../../node-agent/host/recording-runner.js";

const t = suite<{ dir: string }>("DownloadTokens");

t.before.each((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-dltok-"));
});
t.after.each((c) => rmSync(c.dir, { recursive: true, force: true }));

t("a learned token is accepted, persisted 0600 and survives a restart (a new instance loading the file)", async (c) => {
  const file = join(c.dir, "download-tokens.json");
  const a = new DownloadTokens({ file });
  await a.load();
  assert.equal(a.accepted(), []);
  await a.learn("tok-1");
  assert.equal(a.accepted(), ["tok-1"]);
  assert.is(statSync(file).mode & 0o777, 0o600);
  const b = new DownloadTokens({ file, fixed: "operator" });
  await b.load();
  assert.equal(b.accepted(), ["operator", "tok-1"]);
});

t("newest first, no duplicates, at most MAX_LEARNED_TOKENS kept", async (c) => {
  const a = new DownloadTokens({ file: join(c.dir, "sub", "tokens.json") });
  for (let i = 0; i < MAX_LEARNED_TOKENS + 2; i++) await a.learn(`t${i}`);
  await a.learn("t2");
  const want = ["t2", "t5", "t4", "t3"].slice(0, MAX_LEARNED_TOKENS);
  assert.equal(a.accepted(), want);
  assert.equal(JSON.parse(readFileSync(join(c.dir, "sub", "tokens.json"), "utf8")), want);
});

t("a corrupt file means no learned token (re-learned from the next command)", async (c) => {
  const file = join(c.dir, "tokens.json");
  writeFileSync(file, "{not json");
  const a = new DownloadTokens({ file });
  await a.load();
  assert.equal(a.accepted(), []);
});

t("the download API checks the token set at request time: a token learned after start is accepted", async (c) => {
  const env = { nodeName: "a", address: "127.0.0.1", dataDir: c.dir, blockStorageDir: join(c.dir, "bs"), imageDir: join(c.dir, "img") };
  mkdirSync(join(env.imageDir, "g1"), { recursive: true });
  writeFileSync(join(env.imageDir, "g1", "e1.qcow2"), "data");
  writeFileSync(join(env.imageDir, "g1", "e1.json"), JSON.stringify({ key: "systemv0/imageentity/g1/e1", type: "Local", sha256: "0".repeat(64), sizeBytes: 4, format: "qcow2", location: "x", sourceDisk: "d" }));
  const tokens = new DownloadTokens({ file: join(c.dir, "tokens.json") });
  const api = await startDownloadApi({ listenAddress: "127.0.0.1", listenPort: 0, token: () => tokens.accepted(), resolve: storageFileResolver(env, new RecordingRunner()) });
  try {
    const url = api.urlOf("systemv0/imageentity/g1/e1");
    const auth = { authorization: "Bearer cluster" };
    assert.is((await fetch(url, { headers: auth })).status, 401);
    assert.is((await fetch(url, { headers: { authorization: "Bearer " } })).status, 401);
    await tokens.learn("cluster");
    const res = await fetch(url, { headers: auth });
    assert.is(res.status, 200);
    assert.is(await res.text(), "data");
    assert.is((await fetch(url, { headers: { authorization: "Bearer other" } })).status, 401);
  } finally {
    await api.close();
  }
});

t.run();
