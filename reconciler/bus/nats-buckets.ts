/**
 * The controller's access to the protocol's KV buckets (humops-nodes, humops-liveness,
 * humops-inventory): creates them when missing (same configuration as the agents use), reads
 * and validates values. Part of the NATS adapter: only nats-controller-bus.ts imports it.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import { BUCKETS, LIVENESS_TTL_MS } from "../../schemas/protocol/subjects.js";
import { formatIssues, type ParseResult } from "../../schemas/protocol-validators.js";
import { BucketConfigError, KvListTimeoutError, ProtocolError } from "./errors.js";

/** The three buckets of protocol v1. */
export interface ProtocolBuckets {
  readonly nodes: KV;
  readonly liveness: KV;
  readonly inventory: KV;
}

/** Opens (creating when missing, with `replicas`) the protocol's buckets. Throws when JetStream is unavailable or a bucket exists with other replicas (BucketConfigError). */
export async function openBuckets(nc: NatsConnection, replicas = 1): Promise<ProtocolBuckets> {
  const kvm = new Kvm(nc);
  const [nodes, liveness, inventory] = await Promise.all([
    kvm.create(BUCKETS.nodes, { history: 1, replicas }),
    kvm.create(BUCKETS.liveness, { history: 1, ttl: LIVENESS_TTL_MS, replicas }),
    kvm.create(BUCKETS.inventory, { history: 1, replicas }),
  ]);
  // An existing bucket is used as it is (an agent may have made it first): check it.
  for (const [name, kv] of [[BUCKETS.nodes, nodes], [BUCKETS.liveness, liveness], [BUCKETS.inventory, inventory]] as const) checkBucketReplicas(name, (await kv.status()).replicas, replicas);
  return { nodes, liveness, inventory };
}

/** Every key of a bucket (deleted and expired keys excluded). */
export async function listKeys(kv: KV, timeoutMs = 5000): Promise<string[]> {
  const keys: string[] = [];
  const it = await kv.keys();
  // The key listing is a JetStream consumer; one that stalls (a server restart, or a key that
  // ages out mid-listing) would hang its caller (a cache sync) forever. Bounded, it fails and
  // the sync is retried.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      it.stop();
      reject(new KvListTimeoutError((kv as { bucket?: string }).bucket ?? "(unknown)", timeoutMs));
    }, timeoutMs);
  });
  try {
    await Promise.race([(async () => { for await (const k of it) keys.push(k); })(), late]);
  } finally {
    clearTimeout(timer);
  }
  return keys;
}

/** True when the entry holds a value (not a delete or purge marker). */
export function isLive(e: KvEntry | null): e is KvEntry {
  return e !== null && e.operation === "PUT";
}

/** Decodes and validates a value; throws ProtocolError when it is not JSON or does not validate. */
export function decodeValue<T>(data: Uint8Array, parse: (v: unknown) => ParseResult<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch (e) {
    throw new ProtocolError(`invalid ${what}: not JSON`, what, { cause: e });
  }
  const r = parse(value);
  if (!r.ok) throw new ProtocolError(`invalid ${what}: ${formatIssues(r.errors)}`, what);
  return r.value;
}

/**
 * An existing bucket must have the replicas asked for (`--nats-replicas`): a bucket made with 1
 * on a cluster that should have 3 loses data with one server, and nothing else would say so.
 * JetStream can change a stream's replicas in place (`nats stream edit KV_<bucket> --replicas N`);
 * the controller does not do it behind the operator's back.
 */
export function checkBucketReplicas(bucket: string, actual: number, wanted: number): void {
  if (actual !== wanted) {
    throw new BucketConfigError(bucket, `bucket ${bucket} has ${actual} replica(s), --nats-replicas asks for ${wanted}: change it with 'nats stream edit KV_${bucket} --replicas ${wanted}' or pass --nats-replicas ${actual}`);
  }
}
