import { suite } from "uvu";
import * as assert from "uvu/assert";
import { formatBytes, parseBytes, parseVcpus } from "../../schemas/quantity.js";

const bytes = suite("parseBytes");

bytes("every unit is a power of 1024, with or without i", () => {
  const cases: [string, number][] = [
    ["0", 0], ["1", 1], ["1023", 1023],
    ["1K", 1024], ["1Ki", 1024], ["3K", 3072],
    ["1M", 1024 ** 2], ["1Mi", 1024 ** 2], ["512Mi", 512 * 1024 ** 2],
    ["1G", 1024 ** 3], ["1Gi", 1024 ** 3], ["10G", 10 * 1024 ** 3],
    ["1T", 1024 ** 4], ["1Ti", 1024 ** 4], ["007G", 7 * 1024 ** 3],
  ];
  for (const [q, want] of cases) assert.equal(parseBytes(q), { ok: true, bytes: want }, q);
});

bytes("integers are bytes", () => {
  assert.equal(parseBytes(0), { ok: true, bytes: 0 });
  assert.equal(parseBytes(1073741824), { ok: true, bytes: 1073741824 });
  assert.equal(parseBytes(Number.MAX_SAFE_INTEGER), { ok: true, bytes: Number.MAX_SAFE_INTEGER });
});

bytes("malformed sizes are refused with the expected shape", () => {
  for (const q of ["", "G", "1.5G", "1 G", "1GB", "1g", "1KiB", "-1", "1E", "1P", "0x10", " 1G", "1G "]) {
    const r = parseBytes(q);
    assert.is(r.ok, false, q);
    if (!r.ok) assert.match(r.message, /write digits with an optional unit K, M, G, T, Ki, Mi, Gi or Ti/);
  }
});

bytes("numbers that are not whole non-negative safe integers are refused", () => {
  for (const q of [-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1]) {
    const r = parseBytes(q);
    assert.is(r.ok, false, String(q));
    if (!r.ok) assert.match(r.message, /not a whole, non-negative number of bytes/);
  }
});

bytes("results beyond a safe integer are refused, exactly at the edge", () => {
  assert.equal(parseBytes("8191T"), { ok: true, bytes: 8191 * 1024 ** 4 });
  const r = parseBytes("8192T");
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.message, /too large/);
  assert.is(parseBytes("99999999999999999999").ok, false);
});

bytes.run();

const vcpus = suite("parseVcpus");

vcpus("whole vCPUs as integers, strings or milli-vCPUs", () => {
  const cases: [string | number, number][] = [
    ["1000m", 1], ["2000m", 2], ["8000m", 8], ["2", 2], ["1", 1], [2, 2], [64, 64], ["0010", 10],
  ];
  for (const [q, want] of cases) assert.equal(parseVcpus(q), { ok: true, vcpus: want }, String(q));
});

vcpus("a fraction of a vCPU is an error, never rounded", () => {
  for (const q of ["1500m", "500m", "1m", "999m", "1001m"]) {
    const r = parseVcpus(q);
    assert.is(r.ok, false, q);
    if (!r.ok) assert.match(r.message, /not a whole number of vCPUs: use a multiple of 1000m/);
  }
  const r = parseVcpus(1.5);
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.message, /not a whole, positive number of vCPUs/);
});

vcpus("zero is an error, never 0 vCPUs", () => {
  for (const q of ["0", "0m", "000m", "0000m", 0]) {
    const r = parseVcpus(q);
    assert.is(r.ok, false, String(q));
    if (!r.ok) assert.match(r.message, /0 vCPUs: a VM needs at least 1 vCPU/);
  }
});

vcpus("malformed and negative counts are refused", () => {
  for (const q of ["", "m", "1.5", "2 ", "2M", "-1", "1k"]) {
    const r = parseVcpus(q);
    assert.is(r.ok, false, q);
    if (!r.ok) assert.match(r.message, /not a vCPU count: write "2" or "2000m"/);
  }
  assert.is(parseVcpus(-2).ok, false);
  assert.is(parseVcpus("9".repeat(20)).ok, false);
});

vcpus.run();

const format = suite("formatBytes");

format("uses the largest unit that divides exactly", () => {
  assert.is(formatBytes(0), "0");
  assert.is(formatBytes(1), "1");
  assert.is(formatBytes(1024), "1K");
  assert.is(formatBytes(1536), "1536");
  assert.is(formatBytes(1536 * 1024), "1536K");
  assert.is(formatBytes(10 * 1024 ** 3), "10G");
  assert.is(formatBytes(1536 * 1024 ** 2), "1536M");
  assert.is(formatBytes(2 * 1024 ** 4), "2T");
});

format("round-trips through parseBytes", () => {
  for (const n of [0, 1, 1000, 1024, 4096, 123456789, 5 * 1024 ** 3, 3 * 1024 ** 4 + 1, Number.MAX_SAFE_INTEGER]) {
    assert.equal(parseBytes(formatBytes(n)), { ok: true, bytes: n }, String(n));
  }
});

format("refuses what is not a byte count", () => {
  for (const n of [-1, 0.5, NaN, Number.MAX_SAFE_INTEGER + 2]) assert.throws(() => formatBytes(n), RangeError);
});

format.run();
