import { connect } from "@nats-io/transport-node";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { findNatsServer, NatsServerMissingError, startLocalNats } from "../../../reconciler/controller/local-nats.js";
import { tempDir } from "../../helpers/manifests-repo.js";

const n = suite("startLocalNats (humops up)");

n("starts nats-server with JetStream on loopback and stops it by pid", async () => {
  assert.ok(findNatsServer(), "nats-server must be installed (ci/setup)");
  const d = await tempDir("upnats");
  const nats = await startLocalNats(d.path);
  try {
    const nc = await connect({ servers: nats.url });
    const info = nc.info;
    assert.ok(info?.jetstream, "JetStream enabled");
    await nc.close();
  } finally {
    await nats.stop();
    await d.cleanup();
  }
  assert.throws(() => process.kill(nats.pid, 0));
});

n("a clear message when nats-server is missing", () => {
  assert.is(findNatsServer("/nonexistent"), undefined);
  assert.match(new NatsServerMissingError().message, /apt-get install nats-server/);
});

n.run();
