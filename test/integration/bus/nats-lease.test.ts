/**
 * The leader lease on real NATS (issue #15): one nats-server, and a real three-server cluster
 * with the lease bucket at R3. Electors run in this process with short timers, each connected
 * to its own server; a watcher samples every 50 ms that never two lead at once.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { performance } from "node:perf_hooks";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats } from "../../helpers/nats-server.js";
import { startNatsCluster, serverName } from "../../helpers/nats-cluster.js";
import { openLeaseStore } from "../../../reconciler/bus/nats-lease-store.js";
import { LeaderElector } from "../../../reconciler/controller/leader-election.js";
import { BucketConfigError } from "../../../reconciler/bus/errors.js";
import { until } from "../../helpers/until.js";

const TIMERS = { leaseMs: 4_000, renewMs: 800, marginMs: 1_000 } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Electors stepping on their own timers, a stop() per elector (a death: no resign), and a two-leaders watch. */
function campaign(electors: LeaderElector[]) {
  const stopped = new Set<number>();
  let overlap = 0;
  let running = true;
  const loops = electors.map(async (e, i) => {
    while (running && !stopped.has(i)) {
      await e.step();
      await sleep(e.renewMs);
    }
  });
  const watch = (async () => {
    while (running) {
      if (electors.filter((e, i) => !stopped.has(i) && e.isLeader()).length > 1) {
        overlap++;
      }
      await sleep(50);
    }
  })();
  return {
    kill: (i: number) => stopped.add(i),
    leaders: () => electors.map((e, i) => (!stopped.has(i) && e.isLeader() ? i : -1)).filter((i) => i >= 0),
    overlap: () => overlap,
    async stop() {
      running = false;
      await Promise.all([...loops, watch]);
    },
  };
}

/** Campaigns still running when a test fails; stopped in its finally. */
const stops: (() => Promise<void>)[] = [];

const single = suite("leader lease on one nats-server");

single("one of three leads; killed, another leads within lease + renew, with the next epoch", async () => {
  const nats = await startNats();
  const conns: NatsConnection[] = [];
  try {
    const electors: LeaderElector[] = [];
    for (let i = 0; i < 3; i++) {
      const nc = await connect({ servers: nats.url });
      conns.push(nc);
      electors.push(new LeaderElector(await openLeaseStore(nc), { identity: `c${i}`, ...TIMERS, now: () => performance.now() }));
    }
    const c = campaign(electors);
    stops.push(() => c.stop());
    await until("a leader", () => c.leaders().length === 1, 20_000);
    const first = c.leaders()[0]!;
    const firstEpoch = electors[first]!.epoch()!;
    assert.ok(firstEpoch >= 1);
    c.kill(first);
    const t0 = performance.now();
    await until("a new leader", () => c.leaders().length === 1, 30_000);
    const took = performance.now() - t0;
    const next = c.leaders()[0]!;
    assert.is.not(next, first);
    assert.ok(electors[next]!.epoch()! > firstEpoch, "the new term's epoch is greater");
    assert.ok(took <= TIMERS.leaseMs + 4 * TIMERS.renewMs + 2_000, `takeover took ${Math.round(took)} ms`);
    await c.stop();
    assert.equal(c.overlap(), 0, "two leaders at once");
  } finally {
    for (const s of stops.splice(0)) await s();
    for (const nc of conns) await nc.close();
    await nats.stop();
  }
});

single("an existing lease bucket with other replicas is refused with the fix in the message", async () => {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  try {
    await openLeaseStore(nc, { replicas: 1 });
    const err = await openLeaseStore(nc, { replicas: 3 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // A single server cannot hold R3; either JetStream refuses the update or our check does. Both must name the bucket.
    assert.ok(err instanceof Error, "opening with other replicas must fail");
    if (err instanceof BucketConfigError) assert.match(err.message, /--nats-replicas/);
  } finally {
    await nc.close();
    await nats.stop();
  }
});

const cluster = suite("leader lease on a three-server NATS cluster, bucket R3");

cluster("killing the stream leader of the lease, then the leader's own server: one leader throughout, epochs grow, the server catches up", async () => {
  const nc3 = await startNatsCluster(3);
  const conns: NatsConnection[] = [];
  try {
    const urls = nc3.urls.split(",");
    const electors: LeaderElector[] = [];
    for (let i = 0; i < 3; i++) {
      // Each elector prefers its own server and fails over to the others.
      const nc = await connect({ servers: [...urls.slice(i), ...urls.slice(0, i)], noRandomize: true, reconnectTimeWait: 250, maxReconnectAttempts: -1 });
      conns.push(nc);
      electors.push(new LeaderElector(await openLeaseStore(nc, { replicas: 3 }), { identity: `c${i}`, ...TIMERS, now: () => performance.now() }));
    }
    const c = campaign(electors);
    stops.push(() => c.stop());
    await until("a leader", () => c.leaders().length === 1, 30_000);

    // 1. Kill the server leading the lease's stream. Leadership may move (a renewal may fail
    // while the stream elects a new leader); it must come back to exactly one.
    const sl = await nc3.streamLeader("KV_humops-leader");
    assert.ok(sl !== undefined, "the lease stream has a leader");
    const slIndex = [0, 1, 2].find((i) => serverName(i) === sl)!;
    await nc3.crash(slIndex);
    await until("one leader after the stream leader died", () => c.leaders().length === 1, 45_000);
    const epochA = electors[c.leaders()[0]!]!.epoch()!;

    // 2. Restart it; it catches up: its own view of the stream has the current revision.
    await nc3.restart(slIndex);
    await until("restarted server catches up", async () => {
      const nc = await connect({ servers: urls[slIndex]!, noRandomize: true });
      try {
        const m = await nc.request("$JS.API.STREAM.INFO.KV_humops-leader", undefined, { timeout: 3_000 }).catch(() => undefined);
        const info = m?.json() as { cluster?: { replicas?: { name: string; current: boolean }[]; leader?: string } } | undefined;
        const me = serverName(slIndex);
        return info?.cluster?.leader === me || info?.cluster?.replicas?.some((r) => r.name === me && r.current) === true;
      } finally {
        await nc.close();
      }
    }, 60_000);

    // 3. Kill the server the leading elector is connected to first, and that elector with it (a machine dies).
    await until("one leader before the next kill", () => c.leaders().length === 1, 45_000);
    const leader = c.leaders()[0]!;
    c.kill(leader);
    await nc3.crash(leader);
    await until("a new leader on the surviving servers", () => c.leaders().length === 1, 45_000);
    const epochB = electors[c.leaders()[0]!]!.epoch()!;
    assert.ok(epochB > epochA, `epoch ${epochB} after ${epochA}`);
    await c.stop();
    assert.equal(c.overlap(), 0, "two leaders at once");
  } finally {
    for (const s of stops.splice(0)) await s();
    for (const nc of conns) await nc.close().catch(() => undefined);
    await nc3.stop();
  }
});

single.run();
cluster.run();
