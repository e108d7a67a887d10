import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { startGitServer } from "../helpers/git-server.js";
import type { GitServer } from "../helpers/git-server.js";
import { cloneRepo, fetchRepo, makeRepo, tempDir } from "../helpers/manifests-repo.js";
import { parseCgiHead } from "../helpers/cgi.js";

/**
 * Runs the git CLI. Asynchronously: the git server answers from this very process, so a
 * synchronous spawn would deadlock.
 */
async function gitCli(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await promisify(execFile)("git", ["-c", "user.name=cli", "-c", "user.email=cli@humops.invalid", ...args], {
    encoding: "utf8",
    timeout: 30_000,
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  });
  return stdout.trim();
}

/** Resolves to the error when `p` rejects; fails the test when it resolves. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.unreachable("expected a rejection");
  return undefined;
}

const served = suite<{ srv: GitServer }>("git http server");

served.before(async (ctx) => {
  ctx.srv = await startGitServer();
});

served.after(async (ctx) => {
  await ctx.srv.stop();
  assert.not.ok(existsSync(ctx.srv.dir), "repositories dir removed");
});

served("isomorphic-git pushes and clones; the git CLI clones, commits and pushes; fetch sees it", async ({ srv }) => {
  srv.createBareRepo("manifests.git");
  const url = srv.url("manifests.git");
  const repo = await makeRepo({ files: { "net/net1.yaml": "kind: Network\n" } });
  const work = await tempDir("cli");
  try {
    await repo.push(url);
    const clone = await cloneRepo(url);
    assert.is(readFileSync(join(clone.dir, "net/net1.yaml"), "utf8"), "kind: Network\n");
    assert.is(await clone.head(), await repo.head());
    await clone.cleanup();

    await gitCli(["clone", "--quiet", url, join(work.path, "c")]);
    const cwd = join(work.path, "c");
    assert.is(await gitCli(["rev-parse", "HEAD"], cwd), await repo.head());
    writeFileSync(join(cwd, "vm1.yaml"), "kind: VirtualMachine\n");
    await gitCli(["add", "vm1.yaml"], cwd);
    await gitCli(["commit", "--quiet", "-m", "add vm1"], cwd);
    await gitCli(["push", "--quiet", "origin", "main"], cwd);
    const cliSha = await gitCli(["rev-parse", "HEAD"], cwd);

    assert.is(await fetchRepo(repo, url), cliSha);
    assert.ok(srv.requests.some((r) => r.path.endsWith("/git-receive-pack") && r.status === 200));
  } finally {
    await repo.cleanup();
    await work.cleanup();
  }
});

served("commit removes files and returns a new sha; a stale push is rejected", async ({ srv }) => {
  srv.createBareRepo("r2");
  const a = await makeRepo({ files: { "a.yaml": "a", "b.yaml": "b" } });
  try {
    const first = await a.head();
    const second = await a.commit({ "c.yaml": "c" }, "swap", { remove: ["a.yaml"] });
    assert.is.not(second, first);
    assert.not.ok(existsSync(join(a.dir, "a.yaml")));
    await a.push(srv.url("r2"));
    const b = await cloneRepo(srv.url("r2"));
    assert.not.ok(existsSync(join(b.dir, "a.yaml")));
    assert.ok(existsSync(join(b.dir, "c.yaml")));
    await b.commit({ "d.yaml": "d" }, "from b");
    await b.push(srv.url("r2"));
    await a.commit({ "e.yaml": "e" }, "diverged");
    try {
      await a.push(srv.url("r2"));
      assert.unreachable("non-fast-forward push accepted");
    } catch (e) {
      assert.is((e as { code?: string }).code, "PushRejectedError");
    }
    await b.cleanup();
  } finally {
    await a.cleanup();
  }
});

served("a gzip request body reaches git-http-backend (protocol v2 ls-refs)", async ({ srv }) => {
  srv.createBareRepo("gz");
  const repo = await makeRepo({ files: { "x.yaml": "x" } });
  try {
    await repo.push(srv.url("gz"));
    const body = gzipSync(Buffer.from("0014command=ls-refs\n0000"));
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${srv.url("gz")}/git-upload-pack`, {
        method: "POST",
        headers: {
          "content-type": "application/x-git-upload-pack-request",
          "content-encoding": "gzip",
          "git-protocol": "version=2",
          "content-length": body.length,
        },
      }, (r) => {
        let text = "";
        r.on("data", (d: Buffer) => (text += d.toString()));
        r.on("end", () => resolve({ status: r.statusCode ?? 0, text }));
      });
      req.once("error", reject);
      req.end(body);
    });
    assert.is(res.status, 200);
    assert.ok(res.text.includes(`${await repo.head()} refs/heads/main`), res.text);
  } finally {
    await repo.cleanup();
  }
});

served("an unknown repository is a 404 from the backend's Status header", async ({ srv }) => {
  const res = await fetch(`${srv.url("nope.git")}/info/refs?service=git-upload-pack`);
  assert.is(res.status, 404);
  assert.throws(() => srv.url("../etc"), RangeError);
});

served.run();

const authed = suite<{ srv: GitServer }>("git http server with basic auth");

authed.before(async (ctx) => {
  ctx.srv = await startGitServer({ auth: { user: "ci", password: "pw" } });
  ctx.srv.createBareRepo("private");
});

authed.after(async (ctx) => {
  await ctx.srv.stop();
});

authed("pushes and clones need the right credentials", async ({ srv }) => {
  const url = srv.url("private");
  const repo = await makeRepo({ files: { "a.yaml": "a" } });
  try {
    for (const auth of [undefined, { user: "ci", password: "wrong" }]) {
      try {
        await repo.push(url, auth ? { auth } : {});
        assert.unreachable("push without valid credentials");
      } catch (e) {
        assert.match(String((e as { code?: string }).code), /HttpError|UserCanceledError/);
      }
    }
    await repo.push(url, { auth: { user: "ci", password: "pw" } });
    const clone = await cloneRepo(url, { auth: { user: "ci", password: "pw" } });
    assert.is(await clone.head(), await repo.head());
    await clone.cleanup();
    assert.ok(srv.requests.some((r) => r.status === 401));
  } finally {
    await repo.cleanup();
  }
});

authed("the git CLI authenticates with credentials in the URL", async ({ srv }) => {
  const withCreds = srv.url("private").replace("http://", "http://ci:pw@");
  assert.match(await gitCli(["ls-remote", withCreds]), /refs\/heads\/main/);
  assert.match(String(await rejection(gitCli(["ls-remote", srv.url("private")]))), /401|Authentication failed|could not read Username/);
  assert.match(String(await rejection(gitCli(["ls-remote", srv.url("private").replace("http://", "http://ci:bad@")]))), /401|Authentication failed/);
});

authed.run();

const cgi = suite("parseCgiHead");

cgi("Status sets the code; LF-only heads parse; the body after the head is kept", () => {
  const h = parseCgiHead(Buffer.from("Status: 404 Not Found\nContent-Type: text/plain\n\nmissing"));
  assert.is(h?.status, 404);
  assert.equal(h?.headers, { "content-type": "text/plain" });
  assert.is(h?.body.toString(), "missing");
  assert.is(parseCgiHead(Buffer.from("Content-Type: x\r\n\r\n"))?.status, 200);
  assert.is(parseCgiHead(Buffer.from("Location: /x\r\n\r\n"))?.status, 302);
  assert.is(parseCgiHead(Buffer.from("Content-Type: x\r\n")), undefined);
});

cgi.run();
