/**
 * The leader lease on NATS KV (issue #15): bucket `humops-leader`, key `controller`, history 1,
 * no max age (the lease record carries the epoch, which must outlive any term), and direct get
 * OFF: in a cluster a direct get may be answered by a follower that has not yet seen the last
 * renewal; with it off, every read goes through the stream leader, so a standby never acts on
 * a stale revision. Writes are compare-and-set on the subject's last sequence (`create` /
 * `update(key, value, revision)`), which the stream leader orders.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { BUCKETS } from "../../schemas/protocol/subjects.js";
import type { LeaseRead, LeaseRecord, LeaseStore } from "../controller/leader-election.js";
import { checkBucketReplicas } from "./nats-buckets.js";
import { ProtocolError } from "./errors.js";

const KEY = "controller";
/** JetStream's "wrong last sequence" API errors: the compare-and-set lost. */
const CAS_LOST = new Set<number>([JetStreamApiCodes.StreamWrongLastSequence, JetStreamApiCodes.StreamWrongLastSequenceUnknown]);

/** Opens (creating when missing) the lease bucket and checks that reads go through the stream leader. */
export async function openLeaseStore(nc: NatsConnection, opts: { replicas?: number; timeoutMs?: number } = {}): Promise<LeaseStore> {
  const kv = await new Kvm(nc).create(BUCKETS.leader, { history: 1, allow_direct: false, replicas: opts.replicas ?? 1, timeout: opts.timeoutMs ?? 5000 });
  const st = await kv.status();
  if (st.streamInfo.config.allow_direct === true) {
    throw new ProtocolError(`bucket ${BUCKETS.leader} allows direct get (reads may come from a follower); recreate it: nats kv del ${BUCKETS.leader}`, BUCKETS.leader);
  }
  checkBucketReplicas(BUCKETS.leader, st.replicas, opts.replicas ?? 1);
  return new NatsLeaseStore(kv);
}

class NatsLeaseStore implements LeaseStore {
  private readonly kv: KV;
  constructor(kv: KV) {
    this.kv = kv;
  }

  async read(): Promise<LeaseRead | undefined> {
    const e = await this.kv.get(KEY);
    if (e === null) return undefined;
    if (e.operation !== "PUT") throw new ProtocolError(`lease key ${KEY} was deleted by hand; put it back or purge the bucket`, BUCKETS.leader);
    return { record: decode(e.value), revision: e.revision };
  }

  async create(r: LeaseRecord): Promise<number | "conflict"> {
    return cas(() => this.kv.create(KEY, JSON.stringify(r)));
  }

  async update(r: LeaseRecord, revision: number): Promise<number | "conflict"> {
    return cas(() => this.kv.update(KEY, JSON.stringify(r), revision));
  }
}

async function cas(f: () => Promise<number>): Promise<number | "conflict"> {
  try {
    return await f();
  } catch (e: unknown) {
    if (e instanceof JetStreamApiError && CAS_LOST.has(e.code)) return "conflict";
    throw e;
  }
}

function decode(data: Uint8Array): LeaseRecord {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(data));
  } catch (e) {
    throw new ProtocolError(`invalid lease record: not JSON`, BUCKETS.leader, { cause: e });
  }
  const o = v as Partial<LeaseRecord>;
  if (typeof o.holder !== "string" || typeof o.epoch !== "number" || !Number.isSafeInteger(o.epoch) || o.epoch < 0 || typeof o.leaseMs !== "number" || typeof o.renewedAt !== "string") {
    throw new ProtocolError(`invalid lease record: ${JSON.stringify(v).slice(0, 200)}`, BUCKETS.leader);
  }
  return { holder: o.holder, epoch: o.epoch, renewedAt: o.renewedAt, leaseMs: o.leaseMs };
}
