import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, statSync, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpCache } from "../../../node-agent/storage/http-cache.js";
import { DownloadError } from "../../../node-agent/storage/errors.js";
import { DurableFileWriter } from "../../../node-agent/storage/file-io.js";
import { downloadFile } from "../../../node-agent/storage/http-download.js";
import { startHttpFixture, type HttpFixture } from "../../helpers/http-fixture.js";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const body = randomBytes(3 * 1024 * 1024 + 17);

interface Ctx {
  fx: HttpFixture;
  dir: string;
  cache: HttpCache;
}
const cache = suite<Ctx>("HttpCache over a real HTTP server");

cache.before.each(async (c) => {
  c.fx = await startHttpFixture();
  c.dir = mkdtempSync(join(tmpdir(), "hm-cache-"));
  c.cache = new HttpCache(c.dir);
});
cache.after.each(async (c) => {
  await c.fx.close();
  rmSync(c.dir, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, DownloadError);
    return (e as DownloadError).code;
  }
  throw new Error("expected a DownloadError");
}

cache("downloads, checks sha256, then revalidates with If-None-Match and reuses the body on 304", async (c) => {
  c.fx.set("/img", { body, etag: '"v1"' });
  const first = await c.cache.fetch({ url: c.fx.url("/img"), expectSha256: sha(body) });
  assert.is(first.sha256, sha(body));
  assert.is(first.sizeBytes, body.length);
  assert.is(first.fromCache, false);
  assert.ok(readFileSync(first.path).equals(body));
  const second = await c.cache.fetch({ url: c.fx.url("/img") });
  assert.is(second.fromCache, true);
  assert.is(second.sha256, sha(body));
  assert.is(c.fx.requests.at(-1)?.headers["if-none-match"], '"v1"');
  assert.is(c.fx.requests.at(-1)?.status, 304);
});

cache("Last-Modified validators work too; a changed file is downloaded again", async (c) => {
  c.fx.set("/img", { body, lastModified: new Date(Date.now() - 60_000).toUTCString() });
  await c.cache.fetch({ url: c.fx.url("/img") });
  const other = randomBytes(4096);
  c.fx.set("/img", { body: other, etag: '"v2"' });
  const again = await c.cache.fetch({ url: c.fx.url("/img") });
  assert.is(again.fromCache, false);
  assert.is(again.sha256, sha(other));
});

cache("404, text/html, truncated body and wrong content each fail with their code", async (c) => {
  c.fx.set("/missing", { body, status: 404 });
  c.fx.set("/html", { body: Buffer.from("<html>login</html>"), contentType: "text/html" });
  c.fx.set("/cut", { body, truncateAt: 1024 * 1024 });
  c.fx.set("/wrong", { body, wrongContent: randomBytes(body.length) });
  assert.is(await code(c.cache.fetch({ url: c.fx.url("/missing") })), "DOWNLOAD_HTTP_STATUS");
  assert.is(await code(c.cache.fetch({ url: c.fx.url("/html") })), "DOWNLOAD_CONTENT_TYPE");
  assert.is(await code(c.cache.fetch({ url: c.fx.url("/cut") })), "DOWNLOAD_TRUNCATED");
  assert.is(await code(c.cache.fetch({ url: c.fx.url("/wrong"), expectSha256: sha(body) })), "DOWNLOAD_CHECKSUM");
  for (const p of ["/missing", "/html", "/cut", "/wrong"]) assert.not.ok(existsSync(join(c.cache.dirOf(c.fx.url(p)), "body")), p);
  assert.not.ok(existsSync(join(c.cache.dirOf(c.fx.url("/wrong")), "body.part")), "a wrong body is discarded");
});

cache("a truncated download is resumed with Range + If-Range and ends verified", async (c) => {
  c.fx.set("/img", { body, etag: '"r1"', truncateAt: 1024 * 1024 });
  // What reaches the disk before the cut depends on when the socket error overtakes the writes;
  // retry the cut download until some of it did (0 bytes leaves nothing to resume from).
  const part = join(c.cache.dirOf(c.fx.url("/img")), "body.part");
  const partSize = () => (existsSync(part) ? statSync(part).size : 0);
  for (let i = 0; i < 20 && partSize() === 0; i++) assert.is(await code(c.cache.fetch({ url: c.fx.url("/img") })), "DOWNLOAD_TRUNCATED");
  const kept = partSize();
  assert.ok(kept > 0 && kept <= 1024 * 1024, `part file after the cut: ${kept} bytes`);
  c.fx.set("/img", { body, etag: '"r1"' });
  const f = await c.cache.fetch({ url: c.fx.url("/img"), expectSha256: sha(body) });
  assert.is(f.sha256, sha(body));
  const last = c.fx.requests.at(-1)!;
  // The client resumes from exactly what reached its disk.
  const from = Number(/^bytes=(\d+)-$/.exec(String(last.headers.range))?.[1]);
  assert.is(from, kept, `resumed from ${from}`);
  assert.is(last.headers["if-range"], '"r1"');
  assert.is(last.status, 206);
});

cache("a resume whose validator changed starts over (200) and still verifies", async (c) => {
  c.fx.set("/img", { body, etag: '"a"', truncateAt: 4096 });
  await code(c.cache.fetch({ url: c.fx.url("/img") }));
  const other = randomBytes(8192);
  c.fx.set("/img", { body: other, etag: '"b"' });
  const f = await c.cache.fetch({ url: c.fx.url("/img"), expectSha256: sha(other) });
  assert.is(f.sizeBytes, other.length);
  assert.is(c.fx.requests.at(-1)?.status, 200);
});

cache("concurrent fetches of one URL share one download", async (c) => {
  c.fx.set("/img", { body, etag: '"c"', slow: { chunkBytes: 512 * 1024, chunkDelayMs: 5 } });
  const [a, b] = await Promise.all([c.cache.fetch({ url: c.fx.url("/img") }), c.cache.fetch({ url: c.fx.url("/img") })]);
  assert.is(a.sha256, b.sha256);
  assert.is(c.fx.requests.length, 1);
});

cache("a 40 MiB body (several background syncs) resumes after a cut at 20 MiB and verifies", async (c) => {
  const big = randomBytes(40 * 1024 * 1024 + 5);
  c.fx.set("/big", { body: big, etag: '"big"', truncateAt: 20 * 1024 * 1024 });
  assert.is(await code(c.cache.fetch({ url: c.fx.url("/big") })), "DOWNLOAD_TRUNCATED");
  c.fx.set("/big", { body: big, etag: '"big"' });
  const f = await c.cache.fetch({ url: c.fx.url("/big"), expectSha256: sha(big), expectSizeBytes: big.length });
  assert.is(c.fx.requests.at(-1)?.status, 206);
  assert.is(f.sha256, sha(big));
  assert.ok(readFileSync(f.path).equals(big));
});

cache("an abort through the signal stops the download, keeps the part and closes the file", async (c) => {
  c.fx.set("/slow", { body, etag: '"s"', slow: { chunkBytes: 64 * 1024, chunkDelayMs: 10 } });
  const fdsBefore = readdirSync("/proc/self/fd").length;
  const ac = new AbortController();
  const p = c.cache.fetch({ url: c.fx.url("/slow"), signal: ac.signal, onProgress: (n) => n >= 256 * 1024 && ac.abort() });
  assert.is(await code(p), "DOWNLOAD_TRUNCATED");
  const part = join(c.cache.dirOf(c.fx.url("/slow")), "body.part");
  // What reached the disk is kept, and it is exactly the body's beginning (chunks still buffered are dropped).
  const kept = readFileSync(part);
  assert.ok(kept.length < body.length, `kept ${kept.length} bytes`);
  assert.ok(kept.equals(body.subarray(0, kept.length)), "the part is a prefix of the body");
  assert.not.ok(existsSync(join(c.cache.dirOf(c.fx.url("/slow")), "body")));
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(readdirSync("/proc/self/fd").length <= fdsBefore, "no file descriptor left open");
});

cache("a part that cannot be written is DOWNLOAD_FAILED (the disk's error), not a truncation", async (c) => {
  c.fx.set("/img", { body });
  const part = join(c.dir, "is-a-directory");
  mkdirSync(part);
  try {
    await downloadFile({ url: c.fx.url("/img"), part });
    assert.unreachable("expected a DownloadError");
  } catch (e) {
    assert.instance(e, DownloadError);
    assert.is((e as DownloadError).code, "DOWNLOAD_FAILED");
    assert.is(((e as DownloadError).cause as NodeJS.ErrnoException).code, "EISDIR");
  }
});

cache.run();

const writer = suite<{ dir: string }>("DurableFileWriter on a real file");
writer.before.each((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-writer-"));
});
writer.after.each((c) => {
  rmSync(c.dir, { recursive: true, force: true });
});

writer("writes every chunk in order across background syncs (empty ones too), and counts the bytes", async (c) => {
  const chunks = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? Buffer.alloc(0) : randomBytes(32 * 1024 + i)));
  const w = new DurableFileWriter(join(c.dir, "f"), { syncEveryBytes: 1024 * 1024, highWaterMark: 256 * 1024 });
  await pipeline(Readable.from(chunks), w);
  const all = Buffer.concat(chunks);
  assert.is(w.bytesWritten, all.length);
  assert.ok(readFileSync(join(c.dir, "f")).equals(all));
});

writer("append continues a file; the default truncates it", async (c) => {
  const f = join(c.dir, "f");
  writeFileSync(f, "head-");
  await pipeline(Readable.from([Buffer.from("tail")]), new DurableFileWriter(f, { append: true }));
  assert.is(readFileSync(f, "utf8"), "head-tail");
  await pipeline(Readable.from([Buffer.from("new")]), new DurableFileWriter(f));
  assert.is(readFileSync(f, "utf8"), "new");
});

writer("a file that cannot be opened fails the stream with the errno", async (c) => {
  try {
    await pipeline(Readable.from([Buffer.from("x")]), new DurableFileWriter(join(c.dir, "no", "such", "f")));
    assert.unreachable("expected ENOENT");
  } catch (e) {
    assert.is((e as NodeJS.ErrnoException).code, "ENOENT");
  }
});

writer.run();
