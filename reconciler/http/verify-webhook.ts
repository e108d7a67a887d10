/**
 * Webhook authentication (pure apart from node:crypto): GitHub `X-Hub-Signature-256:
 * sha256=<hex>`, Gitea `X-Gitea-Signature: <hex>`, the generic `X-Humops-Signature:
 * sha256=<hex>` (all HMAC-SHA256 of the raw body with the shared secret), and GitLab
 * `X-Gitlab-Token` (the shared secret itself), and GitLab's newer signing token (Standard
 * Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, key = the
 * secret, or the bytes of a `whsec_<base64>` secret; timestamps older than 5 minutes are
 * refused as replays). Every comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Which sender was recognised, or why the request is refused. */
export type WebhookVerdict = { readonly ok: true; readonly provider: "github" | "gitea" | "gitlab" | "humops" | "standard-webhooks" } | { readonly ok: false; readonly reason: string };

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function hexMatches(given: string, body: Buffer, secret: Buffer): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(given)) return false;
  const want = createHmac("sha256", secret).update(body).digest();
  return safeEqual(Buffer.from(given, "hex"), want);
}

const REPLAY_WINDOW_S = 300;

/** Standard Webhooks (GitLab signing token): any `v1,<base64>` entry of the header must match. */
function standardWebhookMatches(o: { id: string; timestamp: string; signature: string; body: Buffer; secret: Buffer; nowS: number }): boolean {
  const ts = Number(o.timestamp);
  if (!Number.isInteger(ts) || Math.abs(o.nowS - ts) > REPLAY_WINDOW_S) return false;
  const text = o.secret.toString("utf8");
  const key = text.startsWith("whsec_") ? Buffer.from(text.slice(6), "base64") : o.secret;
  const want = createHmac("sha256", key).update(`${o.id}.${o.timestamp}.`).update(o.body).digest();
  return o.signature.split(" ").some((entry) => entry.startsWith("v1,") && safeEqual(Buffer.from(entry.slice(3), "base64"), want));
}

/** Verifies a request's signature headers (lower-case names) against `secret`; `nowS` is the current Unix time. */
export function verifyWebhook(headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer, secret: Buffer, nowS = Math.floor(Date.now() / 1000)): WebhookVerdict {
  const h = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const standard = h("webhook-signature");
  if (standard !== undefined) {
    const ok = standardWebhookMatches({ id: h("webhook-id") ?? "", timestamp: h("webhook-timestamp") ?? "", signature: standard, body, secret, nowS });
    return ok ? { ok: true, provider: "standard-webhooks" } : { ok: false, reason: "bad or stale webhook-signature" };
  }
  const github = h("x-hub-signature-256");
  if (github !== undefined) return github.startsWith("sha256=") && hexMatches(github.slice(7), body, secret) ? { ok: true, provider: "github" } : { ok: false, reason: "bad X-Hub-Signature-256" };
  const humops = h("x-humops-signature");
  if (humops !== undefined) return humops.startsWith("sha256=") && hexMatches(humops.slice(7), body, secret) ? { ok: true, provider: "humops" } : { ok: false, reason: "bad X-Humops-Signature" };
  const gitea = h("x-gitea-signature") ?? h("x-gogs-signature");
  if (gitea !== undefined) return hexMatches(gitea, body, secret) ? { ok: true, provider: "gitea" } : { ok: false, reason: "bad X-Gitea-Signature" };
  const gitlab = h("x-gitlab-token");
  if (gitlab !== undefined) return safeEqual(Buffer.from(gitlab), secret) ? { ok: true, provider: "gitlab" } : { ok: false, reason: "bad X-Gitlab-Token" };
  return { ok: false, reason: "unsigned request" };
}

/** The branch a push payload is about (`ref: refs/heads/<branch>`), or undefined when the body names none (generic trigger). */
export function pushedBranch(body: Buffer): string | undefined {
  try {
    const ref = (JSON.parse(body.toString("utf8")) as { ref?: unknown }).ref;
    return typeof ref === "string" && ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : undefined;
  } catch {
    return undefined;
  }
}
