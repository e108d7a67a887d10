/**
 * Per-node credentials, enforced by a real nats-server started with the rendered
 * authorization block: node A serves and writes only its own subjects and keys.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import pino from "pino";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { startNats, type NatsServer } from "../../helpers/nats-server.js";
import { NatsControllerBus } from "../../../reconciler/bus/nats-controller-bus.js";
import { NatsAgentBus } from "../../../node-agent/bus/nats-agent-bus.js";
import type { NodeCommand } from "../../../reconciler/bus/controller-bus.js";
import { agentInboxPrefix, renderNatsAuthConfig } from "../../../schemas/protocol/nats-auth.js";
import { BUCKETS, commandSubject } from "../../../schemas/protocol/subjects.js";
import { until } from "../../helpers/until.js";

const log = pino({ level: "silent" });
const users = { ctl: { user: "controller", password: "ctl-secret" }, a: { node: "na", user: "agent-na", password: "a-secret" }, b: { node: "nb", user: "agent-nb", password: "b-secret" } };
const reg = (name: string) => ({ name, address: "198.18.0.1", capacity: { vcpus: 1, memoryBytes: 1 << 30 }, agentVersion: "0.1.0", accelerator: "tcg" }) as const;
const cmd = (commandId: string): NodeCommand => ({ commandId, op: "apply", key: "corev0/group/g1", apiType: "corev0/group", id: "g1", annotations: {}, spec: {}, generation: 1, context: {} });
const echo = async (c: NodeCommand) => ({ commandId: c.commandId, key: c.key, ok: true, durationMs: 0 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects permission errors the server reports on a connection. */
function permissionErrors(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === "error") seen.push(String((s as { error?: Error }).error?.message ?? s.type));
  })();
  return seen;
}

interface Ctx { nats: NatsServer }
const P = suite<Ctx>("nats permissions", {} as Ctx);
P.before(async (ctx) => {
  ctx.nats = await startNats({ jetstream: true, config: renderNatsAuthConfig([users.a, users.b], users.ctl) });
});
P.after(async (ctx) => {
  await ctx.nats?.stop();
});

P("the rendered config is what nats-server enforces: each role can do its job", async ({ nats }) => {
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log, user: users.ctl.user, password: users.ctl.password });
  const a = await NatsAgentBus.connect({ servers: nats.url, node: "na", log, user: users.a.user, password: users.a.password });
  try {
    await a.register(reg("na"));
    await a.publishInventory({ node: "na", resources: [], orphans: [] });
    await a.heartbeat({ node: "na", seq: 1 });
    await a.serveCommands("na", echo);
    assert.is((await ctl.send("na", cmd("c1"), { timeoutMs: 2000 })).ok, true);
    // The controller's view follows the buckets by watchers: wait until it took them in.
    await until("na registered, ready and inventoried", async () => (await ctl.nodes()).some((n) => n.ready) && (await ctl.inventories()).has("na"), 5000);
    assert.equal((await ctl.nodes()).map((n) => [n.name, n.ready]), [["na", true]]);
    await a.leave("na");
  } finally {
    await a.close();
    await ctl.close();
  }
});

P("a wrong password is refused", async ({ nats }) => {
  const e = await connect({ servers: nats.url, user: users.a.user, pass: "nope", maxReconnectAttempts: 0 }).catch((err: unknown) => err);
  assert.instance(e, Error);
});

P("node A can neither read nor send node B's commands, nor write B's keys", async ({ nats }) => {
  const b = await NatsAgentBus.connect({ servers: nats.url, node: "nb", log, user: users.b.user, password: users.b.password });
  const ctl = await NatsControllerBus.connect({ servers: nats.url, log, user: users.ctl.user, password: users.ctl.password });
  const a = await connect({ servers: nats.url, user: users.a.user, pass: users.a.password, inboxPrefix: agentInboxPrefix("na") });
  const aErrors = permissionErrors(a);
  let bReceived = 0;
  try {
    await b.register(reg("nb"));
    await b.serveCommands("nb", async (c) => (bReceived++, echo(c)));
    // Reading B's commands: the subscription is refused.
    const snoop = a.subscribe(commandSubject("nb"));
    let snooped = 0;
    const snoopDone = (async () => {
      for await (const _ of snoop) snooped++;
    })().catch((e: unknown) => e);
    await a.flush();
    assert.is((await ctl.send("nb", cmd("c1"), { timeoutMs: 2000 })).ok, true);
    assert.is(bReceived, 1);
    // Sending B a command: refused (B never sees it).
    a.publish(commandSubject("nb"), JSON.stringify(cmd("evil")));
    await a.flush();
    await sleep(300);
    assert.is(bReceived, 1);
    assert.is(snooped, 0);
    const ended = await snoopDone;
    assert.match(String((ended as Error)?.message ?? ended), /permissions/i);
    // Writing B's liveness and inventory keys: refused; B's values unchanged.
    const kvm = new Kvm(a);
    for (const bucket of [BUCKETS.liveness, BUCKETS.inventory, BUCKETS.nodes]) {
      const kv = await kvm.open(bucket);
      const put = await kv.put("nb", JSON.stringify({ node: "nb", seq: 99 }), { timeout: 1000 } as never).catch((e: unknown) => e);
      assert.instance(put, Error, `${bucket} put must fail`);
      assert.match((put as Error).message, `Permissions Violation for Publish to "$KV.${bucket}.nb"`);
    }
    assert.equal((await ctl.nodes()).find((n) => n.name === "nb")?.address, "198.18.0.1");
    // Its own key is fine.
    const own = await (await kvm.open(BUCKETS.liveness)).put("na", JSON.stringify({ node: "na", seq: 1 }));
    assert.ok(own > 0);
    assert.ok(aErrors.some((m) => /permission/i.test(m)), aErrors.join("; "));
  } finally {
    await a.close();
    await b.close();
    await ctl.close();
  }
});

P.run();
