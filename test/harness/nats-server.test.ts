import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { createConnection } from "node:net";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { startNats } from "../helpers/nats-server.js";
import { isAlive } from "../helpers/process-control.js";
import { PrerequisiteMissingError, ServerStartError } from "../helpers/errors.js";

const nats = suite("nats-server harness");

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

nats("a message round-trips; JetStream KV put/get works; stop leaves no process and no dir", async () => {
  const srv = await startNats({ jetstream: true });
  try {
    assert.match(srv.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(srv.port > 0 && isAlive(srv.pid));
    const nc = await connect({ servers: srv.url });
    const sub = nc.subscribe("harness.echo", { max: 1 });
    const got = (async () => {
      for await (const m of sub) return m.string();
      return undefined;
    })();
    nc.publish("harness.echo", "hello");
    assert.is(await got, "hello");
    const kv = await new Kvm(nc).create("harness", { ttl: 60_000 });
    await kv.put("node1", JSON.stringify({ ready: true }));
    assert.equal((await kv.get("node1"))?.json(), { ready: true });
    assert.is(await kv.get("absent"), null);
    await nc.close();
  } finally {
    await srv.stop();
  }
  assert.not.ok(isAlive(srv.pid), "server process is gone");
  assert.not.ok(existsSync(srv.dir), "temp dir removed");
  assert.not.ok(await accepts(srv.port), "port closed");
});

nats("two servers get different ports; extra config (token auth) is applied", async () => {
  const a = await startNats({ jetstream: false, config: 'authorization { token: "s3cret" }' });
  const b = await startNats({ jetstream: false });
  try {
    assert.is.not(a.port, b.port);
    try {
      const bad = await connect({ servers: a.url, reconnect: false });
      await bad.close();
      assert.unreachable("connected without the token");
    } catch (e) {
      assert.match(String(e), /auth/i);
    }
    const ok = await connect({ servers: a.url, token: "s3cret" });
    await ok.flush();
    await ok.close();
  } finally {
    await a.stop();
    await b.stop();
  }
});

nats("restart keeps the port and the JetStream store", async () => {
  const first = await startNats();
  const srv = await (async () => {
    try {
      const nc = await connect({ servers: first.url });
      await (await new Kvm(nc).create("keep")).put("k", "v1");
      await nc.close();
      return await first.restart();
    } catch (e) {
      await first.stop();
      throw e;
    }
  })();
  try {
    assert.is(srv.port, first.port);
    assert.not.ok(isAlive(first.pid));
    const nc = await connect({ servers: srv.url });
    assert.is((await (await new Kvm(nc).open("keep")).get("k"))?.string(), "v1");
    await nc.close();
  } finally {
    await srv.stop();
  }
});

nats("a missing binary is a PrerequisiteMissingError, a bad config a ServerStartError", async () => {
  try {
    await startNats({ bin: "/nonexistent/nats-server" });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, PrerequisiteMissingError);
    assert.is((e as PrerequisiteMissingError).code, "PREREQUISITE_MISSING");
  }
  try {
    await startNats({ config: "this is { not valid" });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ServerStartError);
  }
});

nats.run();
