import { suite } from "uvu";
import * as assert from "uvu/assert";
import { LeaderElector, type LeaseRead, type LeaseRecord, type LeaseStore } from "../../../reconciler/controller/leader-election.js";

/** A compare-and-set key in memory, as the stream leader orders writes. */
class MemoryLease implements LeaseStore {
  cur: LeaseRead | undefined;
  seq = 0;
  failing = false;
  writes: LeaseRecord[] = [];
  async read(): Promise<LeaseRead | undefined> {
    if (this.failing) throw new Error("no responders");
    return this.cur;
  }
  async create(r: LeaseRecord): Promise<number | "conflict"> {
    if (this.failing) throw new Error("no responders");
    if (this.cur !== undefined) return "conflict";
    return this.put(r);
  }
  async update(r: LeaseRecord, revision: number): Promise<number | "conflict"> {
    if (this.failing) throw new Error("no responders");
    if (this.cur?.revision !== revision) return "conflict";
    return this.put(r);
  }
  private put(r: LeaseRecord): number {
    this.cur = { record: r, revision: ++this.seq };
    this.writes.push(r);
    return this.seq;
  }
}

function setup(n: number) {
  const clock = { t: 0 };
  const store = new MemoryLease();
  const electors = Array.from({ length: n }, (_, i) => new LeaderElector(store, { identity: `c${i}`, leaseMs: 10_000, renewMs: 2_000, marginMs: 2_000, now: () => clock.t, random: () => 0 }));
  return { clock, store, electors };
}

const election = suite("leader election over a compare-and-set lease");

/** Steps e until it leads (each step renewMs later), at most `max` steps; returns the time it led. */
async function stepUntilLeader(e: LeaderElector, clock: { t: number }, max = 12, others: LeaderElector[] = []): Promise<number | undefined> {
  for (let i = 0; i < max; i++) {
    await e.step();
    for (const o of others) await o.step();
    if (e.isLeader()) return clock.t;
    clock.t += 2_000;
  }
  return undefined;
}

election("of three campaigning at once exactly one leads after its settling renewal, with epoch 1", async () => {
  const { clock, store, electors } = setup(3);
  await Promise.all(electors.map((e) => e.step()));
  assert.equal(electors.filter((e) => e.isLeader()).length, 0, "a takeover is not leadership before a renewal settles it");
  assert.equal(store.cur!.record.epoch, 0, "the takeover write names no epoch: its revision is it");
  clock.t = 1_000;
  await Promise.all(electors.map((e) => e.step()));
  assert.equal(electors.filter((e) => e.isLeader()).length, 0, "the settling renewal waits a full renewMs");
  clock.t = 2_000;
  await Promise.all(electors.map((e) => e.step()));
  assert.equal(electors.filter((e) => e.isLeader()).length, 1);
  assert.equal(electors.find((e) => e.isLeader())!.epoch(), 1);
  for (const e of electors.filter((x) => !x.isLeader())) assert.equal(e.epoch(), undefined);
});

election("a leader that keeps renewing keeps the lease; standbys never take over", async () => {
  const { clock, electors } = setup(3);
  assert.ok((await stepUntilLeader(electors[0]!, clock)) !== undefined);
  for (let i = 0; i < 30; i++) {
    clock.t += 2_000;
    for (const e of electors) await e.step();
    assert.ok(electors[0]!.isLeader(), `leader lost at ${clock.t}`);
    assert.not.ok(electors[1]!.isLeader() || electors[2]!.isLeader());
  }
  assert.equal(electors[0]!.epoch(), 1);
});

election("a dead leader is replaced once the lease revision stood still for leaseMs (plus one settling renewal); the epoch grows", async () => {
  const { clock, electors } = setup(3);
  const [a, ...standbys] = electors as [LeaderElector, LeaderElector, LeaderElector];
  await stepUntilLeader(a, clock, 12, standbys);
  const diedAt = clock.t;
  let takeoverAt: number | undefined;
  for (let i = 1; i <= 12 && takeoverAt === undefined; i++) {
    clock.t = diedAt + i * 2_000;
    for (const e of standbys) await e.step();
    if (standbys.some((e) => e.isLeader())) takeoverAt = clock.t - diedAt;
  }
  assert.ok(takeoverAt !== undefined, "nobody took over");
  assert.ok(takeoverAt! >= 10_000 && takeoverAt! <= 14_000, `took over ${takeoverAt} ms after the death`);
  assert.equal(standbys.filter((e) => e.isLeader()).length, 1);
  assert.ok(standbys.find((e) => e.isLeader())!.epoch()! > 1, "a new term has a greater epoch");
});

election("a paused leader is no longer leader when it wakes, before it renews, and cannot renew", async () => {
  const { clock, store, electors } = setup(2);
  const [old, other] = electors as [LeaderElector, LeaderElector];
  await stepUntilLeader(old, clock, 12, [other]);
  // old is paused: no steps. other takes over after the lease.
  assert.ok((await stepUntilLeader(other, clock, 12)) !== undefined);
  assert.ok(other.epoch()! > 1);
  // old wakes: isLeader is false at once (its last renewal is too old), and its step writes nothing.
  assert.not.ok(old.isLeader());
  const writes = store.writes.length;
  await old.step();
  assert.not.ok(old.isLeader());
  assert.equal(store.writes.length, writes, "the woken leader wrote to the lease");
  assert.equal(store.cur!.record.holder, "c1");
});

election("a renewal that errors keeps the lease only while it is valid; after that it must be waited out like anyone else", async () => {
  const { clock, store, electors } = setup(1);
  const e = electors[0]!;
  const at = (await stepUntilLeader(e, clock))!;
  store.failing = true;
  clock.t = at + 2_000;
  await e.step();
  assert.ok(e.isLeader(), "a store error is not a lost lease: still valid by the clock");
  clock.t = at + 4_000;
  await e.step();
  assert.ok(e.isLeader());
  clock.t = at + 8_000;
  assert.not.ok(e.isLeader(), "validity (leaseMs - marginMs) ran out");
  await e.step();
  assert.not.ok(e.isLeader());
  store.failing = false;
  const lostAt = clock.t;
  const back = await stepUntilLeader(e, clock, 12);
  assert.ok(back !== undefined && back - lostAt >= 8_000, `led again ${back === undefined ? "never" : back - lostAt} ms after losing`);
  assert.ok(e.epoch()! > 1, "a new term, a new epoch");
});

election("a renewal that loses the compare-and-set ends leadership at once", async () => {
  const { clock, store, electors } = setup(1);
  const e = electors[0]!;
  const at = (await stepUntilLeader(e, clock))!;
  // Someone else wrote the key (a takeover).
  store.cur = { record: { holder: "intruder", epoch: 0, renewedAt: "", leaseMs: 10_000 }, revision: store.cur!.revision + 5 };
  clock.t = at + 2_000;
  await e.step();
  assert.not.ok(e.isLeader());
});

election("isLeader turns false by the clock alone when renewals hang", async () => {
  const { clock, electors } = setup(1);
  const e = electors[0]!;
  const at = (await stepUntilLeader(e, clock))!;
  clock.t = at + 7_999;
  assert.ok(e.isLeader());
  clock.t = at + 8_000;
  assert.not.ok(e.isLeader());
});

election("resign frees the lease: a standby takes it at its next steps, keeping epochs growing", async () => {
  const { clock, store, electors } = setup(2);
  const [a, b] = electors as [LeaderElector, LeaderElector];
  await stepUntilLeader(a, clock, 12, [b]);
  await a.resign();
  assert.not.ok(a.isLeader());
  assert.equal(store.cur!.record.holder, "");
  assert.equal(store.cur!.record.epoch, 1, "resigning keeps the epoch");
  const t0 = clock.t;
  const led = await stepUntilLeader(b, clock, 4);
  assert.ok(led !== undefined && led - t0 <= 4_000, "a free lease is taken at once (one settling renewal)");
  assert.ok(b.epoch()! > 1);
});

election("onChange reports each transition once", async () => {
  const { clock, electors } = setup(2);
  const [a, b] = electors as [LeaderElector, LeaderElector];
  const seen: string[] = [];
  b.onChange((s) => seen.push(s.role === "leader" ? `leader:${s.epoch}` : "standby"));
  await stepUntilLeader(a, clock, 12, [b]);
  await stepUntilLeader(b, clock, 12);
  for (let i = 0; i < 3; i++) {
    clock.t += 2_000;
    await b.step();
  }
  assert.equal(seen.length, 1);
  assert.match(seen[0]!, /^leader:\d+$/);
});

election("two takeovers both accepted (nats-server 2.9's clustered CAS): one leads, the other's settling renewal fails", async () => {
  const clock = { t: 0 };
  const store = new MemoryLease();
  // Each elector sees the shared key through a view; while `lagging`, a CAS ignores the expected
  // revision (both accepted) and each view reads back its own write (the other not yet applied).
  let lagging = false;
  const view = (): LeaseStore => {
    let own: LeaseRead | undefined;
    return {
      read: async () => (lagging && own !== undefined ? own : store.read()),
      create: (r) => store.create(r),
      update: async (r, revision) => {
        const rev = await store.update(r, lagging ? store.cur!.revision : revision);
        if (lagging && rev !== "conflict") own = { record: r, revision: rev };
        return rev;
      },
    };
  };
  const [a, b, c] = ["c0", "c1", "c2"].map((id) => new LeaderElector(view(), { identity: id, leaseMs: 10_000, renewMs: 2_000, marginMs: 2_000, now: () => clock.t, random: () => 0 })) as [LeaderElector, LeaderElector, LeaderElector];
  await stepUntilLeader(a, clock, 12, [b, c]);
  // a dies; after the lease both standbys take over "at once".
  clock.t += 10_000;
  lagging = true;
  const before = store.writes.length;
  await Promise.all([b.step(), c.step()]);
  assert.equal(store.writes.length - before, 2, "both standbys wrote");
  assert.ok([b, c].filter((e) => e.isLeader()).length <= 1, "two leaders right after the takeovers");
  lagging = false;
  for (let i = 0; i < 4; i++) {
    clock.t += 2_000;
    await b.step();
    await c.step();
    assert.ok([b, c].filter((e) => e.isLeader()).length <= 1, `two leaders at once at ${clock.t}`);
  }
  const leaders = [b, c].filter((e) => e.isLeader());
  assert.equal(leaders.length, 1);
  assert.equal(leaders[0], c, "the later write is the current value: its writer leads");
});

election("a standby's takeover waits a random share of renewMs more, so standbys rarely write together", async () => {
  const clock = { t: 0 };
  const store = new MemoryLease();
  const a = new LeaderElector(store, { identity: "a", leaseMs: 10_000, renewMs: 2_000, marginMs: 2_000, now: () => clock.t, random: () => 0 });
  const b = new LeaderElector(store, { identity: "b", leaseMs: 10_000, renewMs: 2_000, marginMs: 2_000, now: () => clock.t, random: () => 0.9 });
  await a.step();
  await b.step();
  clock.t = 11_000;
  await b.step();
  assert.equal(store.cur!.record.holder, "a", "10 s + 1.8 s jitter not yet over");
  clock.t = 11_800;
  await b.step();
  assert.equal(store.cur!.record.holder, "b");
});

election("options that would let the leader outlive its lease are refused", () => {
  assert.throws(() => new LeaderElector(new MemoryLease(), { identity: "x", leaseMs: 4_000, renewMs: 2_000, marginMs: 2_000, now: () => 0 }), /renewMs/);
});

election.run();
