import { createHmac } from "node:crypto";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Registry } from "prom-client";
import { startControllerServer } from "../../../reconciler/http/controller-server.js";
import { verifyWebhook } from "../../../reconciler/http/verify-webhook.js";
import { captureLog } from "../controller/harness.js";

const secret = Buffer.from("hook-secret");
const body = Buffer.from(JSON.stringify({ ref: "refs/heads/main", after: "abc" }));
const hmac = (b: Buffer, s = secret): string => createHmac("sha256", s).update(b).digest("hex");

const verify = suite("verifyWebhook");

verify("accepts GitHub, Gitea, GitLab and generic signatures; refuses wrong or missing ones", () => {
  assert.equal(verifyWebhook({ "x-hub-signature-256": `sha256=${hmac(body)}` }, body, secret), { ok: true, provider: "github" });
  assert.equal(verifyWebhook({ "x-gitea-signature": hmac(body) }, body, secret), { ok: true, provider: "gitea" });
  assert.equal(verifyWebhook({ "x-gitlab-token": "hook-secret" }, body, secret), { ok: true, provider: "gitlab" });
  assert.equal(verifyWebhook({ "x-humops-signature": `sha256=${hmac(body)}` }, body, secret), { ok: true, provider: "humops" });
  assert.is(verifyWebhook({ "x-hub-signature-256": `sha256=${hmac(body, Buffer.from("other"))}` }, body, secret).ok, false);
  assert.is(verifyWebhook({ "x-hub-signature-256": hmac(body) }, body, secret).ok, false, "prefix required");
  assert.is(verifyWebhook({ "x-gitea-signature": "zz" }, body, secret).ok, false);
  assert.is(verifyWebhook({ "x-gitlab-token": "hook-secreT" }, body, secret).ok, false);
  assert.is(verifyWebhook({ "x-humops-signature": `sha256=${hmac(Buffer.from("tampered"))}` }, body, secret).ok, false);
  assert.equal(verifyWebhook({}, body, secret), { ok: false, reason: "unsigned request" });
});

verify("GitLab signing token (Standard Webhooks): id.timestamp.body, whsec_ keys, replay window", () => {
  const key = Buffer.alloc(32, 7);
  const whsec = Buffer.from(`whsec_${key.toString("base64")}`);
  const now = 1_800_000_000;
  const sign = (k: Buffer, ts: number) => `v1,${createHmac("sha256", k).update(`msg_1.${ts}.`).update(body).digest("base64")}`;
  const h = (sig: string, ts: number) => ({ "webhook-id": "msg_1", "webhook-timestamp": String(ts), "webhook-signature": sig });
  assert.equal(verifyWebhook(h(sign(key, now), now), body, whsec, now), { ok: true, provider: "standard-webhooks" });
  assert.equal(verifyWebhook(h(`v1,AAAA ${sign(secret, now)}`, now), body, secret, now), { ok: true, provider: "standard-webhooks" });
  assert.is(verifyWebhook(h(sign(key, now - 600), now - 600), body, whsec, now).ok, false, "stale");
  assert.is(verifyWebhook(h(sign(Buffer.alloc(32, 8), now), now), body, whsec, now).ok, false, "wrong key");
});

verify.run();

const server = suite("controller HTTP endpoint");

server("signed push triggers at once; unsigned and wrong signatures get 401; other branches are ignored; health and metrics", async () => {
  const pushes: string[] = [];
  let ready = false;
  const registry = new Registry();
  const { log } = captureLog();
  const { server: srv, url } = await startControllerServer({ listen: "127.0.0.1:0", secret, branch: "main", onPush: (p) => pushes.push(p), isReady: () => ready, registry, log });
  try {
    const post = (headers: Record<string, string>, b = body) => fetch(`${url}/hooks/git`, { method: "POST", headers, body: b });
    assert.is((await post({ "x-hub-signature-256": `sha256=${hmac(body)}` })).status, 202);
    assert.equal(pushes, ["github"]);
    assert.is((await post({})).status, 401);
    assert.is((await post({ "x-hub-signature-256": `sha256=${hmac(body, Buffer.from("x"))}` })).status, 401);
    assert.is((await post({ "x-gitea-signature": hmac(body).replace(/^./, "0") === hmac(body) ? "f" : hmac(body).replace(/^./, "0") })).status, 401);
    const statusPush = Buffer.from(JSON.stringify({ ref: "refs/heads/status" }));
    assert.is((await post({ "x-gitea-signature": hmac(statusPush) }, statusPush)).status, 202);
    assert.equal(pushes, ["github"], "a push to another branch does not trigger");
    assert.is((await fetch(`${url}/healthz`)).status, 200);
    assert.is((await fetch(`${url}/readyz`)).status, 503);
    ready = true;
    assert.is((await fetch(`${url}/readyz`)).status, 200);
    assert.is((await fetch(`${url}/metrics`)).status, 200);
  } finally {
    await new Promise<void>((r) => {
      srv.close(() => r());
      srv.closeAllConnections();
    });
  }
});

server.run();
