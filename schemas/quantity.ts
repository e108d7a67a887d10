/**
 * Quantities as humstack writes them: sizes ("10G", "512Mi", 1073741824) and vCPU counts
 * ("1000m", "2", 2). Pure functions; they never throw.
 *
 * K, M, G, T are powers of 1024 (humstack's meaning, CONTRACT.md §1), and so are Ki, Mi, Gi, Ti.
 * The schemas check the shape; these functions turn it into exact numbers and refuse what the
 * shape cannot (a result beyond Number.MAX_SAFE_INTEGER, a fraction of a vCPU, zero vCPUs).
 */

/** The outcome of parseBytes. */
export type BytesResult = { ok: true; bytes: number } | { ok: false; message: string };

/** The outcome of parseVcpus. */
export type VcpusResult = { ok: true; vcpus: number } | { ok: false; message: string };

const UNIT_BYTES: Readonly<Record<string, bigint>> = {
  "": 1n,
  K: 1024n,
  Ki: 1024n,
  M: 1024n ** 2n,
  Mi: 1024n ** 2n,
  G: 1024n ** 3n,
  Gi: 1024n ** 3n,
  T: 1024n ** 4n,
  Ti: 1024n ** 4n,
};

const BYTES_SHAPE = /^([0-9]+)(K|M|G|T|Ki|Mi|Gi|Ti)?$/;
const VCPUS_SHAPE = /^([0-9]+)(m?)$/;
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a size into an exact number of bytes. A number must be a non-negative safe integer;
 * a string is digits with an optional unit K, M, G, T, Ki, Mi, Gi or Ti (all powers of 1024).
 * Zero is returned as 0: whether 0 is acceptable is the caller's decision.
 */
export function parseBytes(q: string | number): BytesResult {
  if (typeof q === "number") {
    if (Number.isSafeInteger(q) && q >= 0) return { ok: true, bytes: q };
    return { ok: false, message: `${q} is not a whole, non-negative number of bytes` };
  }
  const m = BYTES_SHAPE.exec(q);
  if (m === null) {
    return {
      ok: false,
      message: `"${q}" is not a size: write digits with an optional unit K, M, G, T, Ki, Mi, Gi or Ti, e.g. "10G"`,
    };
  }
  const bytes = BigInt(m[1]!) * UNIT_BYTES[m[2] ?? ""]!;
  if (bytes > MAX) return { ok: false, message: `"${q}" is too large (more than ${MAX} bytes)` };
  return { ok: true, bytes: Number(bytes) };
}

/**
 * Parses a vCPU count: a positive integer, "2", or milli-vCPUs "2000m". A count that is not a
 * whole number of vCPUs ("1500m") or that is zero is an error: humops never rounds to 0.
 */
export function parseVcpus(q: string | number): VcpusResult {
  if (typeof q === "number") {
    if (Number.isSafeInteger(q) && q > 0) return { ok: true, vcpus: q };
    if (q === 0) return { ok: false, message: "0 vCPUs: a VM needs at least 1 vCPU" };
    return { ok: false, message: `${q} is not a whole, positive number of vCPUs` };
  }
  const m = VCPUS_SHAPE.exec(q);
  if (m === null) {
    return { ok: false, message: `"${q}" is not a vCPU count: write "2" or "2000m" (milli-vCPUs)` };
  }
  const n = BigInt(m[1]!);
  const isMilli = m[2] === "m";
  if (isMilli && n % 1000n !== 0n) {
    return { ok: false, message: `"${q}" is not a whole number of vCPUs: use a multiple of 1000m` };
  }
  const vcpus = isMilli ? n / 1000n : n;
  if (vcpus === 0n) return { ok: false, message: `"${q}" is 0 vCPUs: a VM needs at least 1 vCPU` };
  if (vcpus > MAX) return { ok: false, message: `"${q}" is too many vCPUs` };
  return { ok: true, vcpus: Number(vcpus) };
}

const FORMAT_UNITS = [
  ["T", 1024 ** 4],
  ["G", 1024 ** 3],
  ["M", 1024 ** 2],
  ["K", 1024],
] as const;

/**
 * Formats a number of bytes exactly, in humstack's notation: the largest unit that divides it
 * ("10G", "1536M", "512K"), else plain digits. parseBytes(formatBytes(n)) gives n back.
 * Throws a RangeError when `bytes` is not a non-negative safe integer (a programming error).
 */
export function formatBytes(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`formatBytes: ${bytes} is not a non-negative safe integer`);
  }
  if (bytes === 0) return "0";
  for (const [unit, size] of FORMAT_UNITS) {
    if (bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
