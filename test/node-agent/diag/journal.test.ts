import { suite } from "uvu";
import * as assert from "uvu/assert";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followJournal, journalFiles, parseDurationMs, parseJournalLine, readJournal, type JournalEntry } from "../../../node-agent/diag/journal.js";

const P = suite("parseJournalLine");

P("reads the agent's fields, flattening a nested result and an error object", () => {
  const e = parseJournalLine(JSON.stringify({ at: "2026-11-22T08:00:00Z", event: "result", commandId: "c1", key: "systemv0/network/g/n/x", generation: 2, result: { ok: false, durationMs: 12, error: { reason: "MissingDevice", message: "eth9 not found" } } }));
  assert.equal(e, { at: "2026-11-22T08:00:00.000Z", event: "result", commandId: "c1", key: "systemv0/network/g/n/x", generation: 2, ok: false, durationMs: 12, error: "MissingDevice: eth9 not found" });
});

P("accepts ts in epoch ms, phase for event, the observed state", () => {
  const e = parseJournalLine(JSON.stringify({ ts: Date.UTC(2026, 10, 22), phase: "started", observed: { state: "Running" } }));
  assert.equal(e, { at: "2026-11-22T00:00:00.000Z", event: "started", state: "Running" });
});

P("rejects lines that are not objects with a time", () => {
  for (const l of ["not json", "[1]", "{}", JSON.stringify({ at: "yesterday", event: "x" })]) assert.is(parseJournalLine(l), undefined, l);
});

const R = suite<{ dir: string }>("readJournal and followJournal");
R.before((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-journal-"));
});
R.after((c) => rmSync(c.dir, { recursive: true, force: true }));

const line = (at: string, id: string) => JSON.stringify({ at, event: "received", commandId: id }) + "\n";

R("reads rotated files oldest first, skips bad lines, filters by since", async (c) => {
  const p = join(c.dir, "journal.jsonl");
  writeFileSync(`${p}.2`, line("2026-11-22T01:00:00Z", "a"));
  writeFileSync(`${p}.1`, line("2026-11-22T02:00:00Z", "b") + "garbage\n");
  writeFileSync(p, line("2026-11-22T03:00:00Z", "c"));
  assert.equal((await journalFiles(p)).map((f) => f.slice(c.dir.length + 1)), ["journal.jsonl.2", "journal.jsonl.1", "journal.jsonl"]);
  assert.equal((await readJournal(p)).map((e) => e.commandId), ["a", "b", "c"]);
  assert.equal((await readJournal(p, { sinceMs: Date.parse("2026-11-22T01:30:00Z") })).map((e) => e.commandId), ["b", "c"]);
  assert.equal(await readJournal(join(c.dir, "none.jsonl")), []);
});

R("follow: sees appended lines (also split across writes) and a rotated journal", async (c) => {
  const p = join(c.dir, "follow.jsonl");
  writeFileSync(p, line("2026-11-22T03:00:00Z", "old"));
  const seen: JournalEntry[] = [];
  const ac = new AbortController();
  const done = followJournal(p, (e) => seen.push(e), { signal: ac.signal, intervalMs: 20 });
  await new Promise((r) => setTimeout(r, 60));
  const l = line("2026-11-22T04:00:00Z", "new1");
  appendFileSync(p, l.slice(0, 10));
  await new Promise((r) => setTimeout(r, 60));
  appendFileSync(p, l.slice(10));
  await new Promise((r) => setTimeout(r, 60));
  writeFileSync(p, line("2026-11-22T05:00:00Z", "n2"));
  await new Promise((r) => setTimeout(r, 80));
  ac.abort();
  await done;
  assert.equal(seen.map((e) => e.commandId), ["new1", "n2"]);
});

const D = suite("parseDurationMs");
D("units and sums; rejects the rest", () => {
  assert.is(parseDurationMs("90s"), 90_000);
  assert.is(parseDurationMs("1h30m"), 5_400_000);
  assert.is(parseDurationMs("2d"), 172_800_000);
  assert.is(parseDurationMs("250ms"), 250);
  for (const bad of ["", "10", "1x", "-5m", "m"]) assert.is(parseDurationMs(bad), undefined, bad);
});

P.run();
R.run();
D.run();
