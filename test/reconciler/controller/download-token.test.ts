import { suite } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOWNLOAD_TOKEN_FILE, loadDownloadToken } from "../../../reconciler/controller/download-token.js";
import { DownloadTokenError } from "../../../reconciler/controller/errors.js";

const t = suite<{ dir: string }>("loadDownloadToken");
t.before.each((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-ctok-"));
});
t.after.each((c) => rmSync(c.dir, { recursive: true, force: true }));

t("generated once in the work dir (0600) and the same after a restart", async (c) => {
  const work = join(c.dir, "work");
  const a = await loadDownloadToken({ workDir: work });
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.is(statSync(join(work, DOWNLOAD_TOKEN_FILE)).mode & 0o777, 0o600);
  assert.is(await loadDownloadToken({ workDir: work }), a);
  const other = await loadDownloadToken({ workDir: join(c.dir, "other") });
  assert.is.not(other, a);
});

t("concurrent first starts agree on one token", async (c) => {
  const got = await Promise.all([1, 2, 3].map(() => loadDownloadToken({ workDir: c.dir })));
  assert.equal(new Set(got).size, 1);
  assert.is(readFileSync(join(c.dir, DOWNLOAD_TOKEN_FILE), "utf8").trim(), got[0]);
});

t("the operator's file wins (trimmed); an empty one is a DownloadTokenError", async (c) => {
  writeFileSync(join(c.dir, "tok"), "  op-token\n");
  assert.is(await loadDownloadToken({ file: join(c.dir, "tok"), workDir: c.dir }), "op-token");
  writeFileSync(join(c.dir, "empty"), "\n");
  const e = await loadDownloadToken({ file: join(c.dir, "empty"), workDir: c.dir }).catch((err: unknown) => err);
  assert.instance(e, DownloadTokenError);
  assert.is((e as DownloadTokenError).code, "DOWNLOAD_TOKEN_EMPTY");
});

t.run();
