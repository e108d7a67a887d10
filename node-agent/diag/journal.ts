/**
 * Reads the agent's command journal (`<dataDir>/journal.jsonl`, rotated to `.1`, `.2`... by
 * the agent when it grows): one JSON object per line per event of a command (received,
 * started, result). Field names are read tolerantly (`at`/`ts`/`time`, `event`/`phase`), so
 * nodectl keeps working across small changes of the agent's writer.
 */
import { open, readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** One journal event, normalized. */
export interface JournalEntry {
  /** ISO time of the event. */
  readonly at: string;
  /** received, started, result (or what the agent wrote). */
  readonly event: string;
  readonly commandId?: string;
  readonly key?: string;
  readonly op?: string;
  readonly generation?: number;
  readonly ok?: boolean;
  readonly durationMs?: number;
  /** `Reason: message` of a failed result. */
  readonly error?: string;
  /** The observed state a result reported. */
  readonly state?: string;
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

function errorText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v !== "object" || v === null) return undefined;
  const e = v as Obj;
  const parts = [str(e["reason"]) ?? str(e["code"]), str(e["message"])].filter((p) => p !== undefined);
  return parts.length > 0 ? parts.join(": ") : JSON.stringify(v);
}

function timeOf(o: Obj): string | undefined {
  const t = o["at"] ?? o["ts"] ?? o["time"] ?? o["timestamp"];
  if (typeof t === "number") return new Date(t).toISOString();
  const s = str(t);
  return s !== undefined && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : undefined;
}

/** Normalizes one journal line; undefined when it is not a JSON object with a time. */
export function parseJournalLine(line: string): JournalEntry | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== "object" || o === null || Array.isArray(o)) return undefined;
  const r = o as Obj;
  const at = timeOf(r);
  if (at === undefined) return undefined;
  const result = typeof r["result"] === "object" && r["result"] !== null ? (r["result"] as Obj) : {};
  const observed = (result["observed"] ?? r["observed"]) as Obj | undefined;
  const fields: Array<[string, unknown]> = [
    ["commandId", str(r["commandId"])],
    ["key", str(r["key"])],
    ["op", str(r["op"])],
    ["generation", num(r["generation"])],
    ["ok", typeof (r["ok"] ?? result["ok"]) === "boolean" ? (r["ok"] ?? result["ok"]) : undefined],
    ["durationMs", num(r["durationMs"] ?? result["durationMs"])],
    ["error", errorText(r["error"] ?? result["error"] ?? (result["ok"] === false ? { reason: result["reason"], message: result["message"] } : undefined))],
    ["state", str(r["state"]) ?? str(observed?.["state"])],
  ];
  const event = str(r["event"]) ?? str(r["phase"]) ?? str(r["stage"]) ?? str(r["type"]) ?? "event";
  return { at, event, ...Object.fromEntries(fields.filter(([, v]) => v !== undefined)) } as JournalEntry;
}

/** The journal files, oldest first: `journal.jsonl.N` ... `.1`, then `journal.jsonl`. */
export async function journalFiles(path: string): Promise<string[]> {
  const base = basename(path);
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  const rotated = names
    .map((n) => ({ n, m: new RegExp(`^${base.replace(/\./g, "\\.")}\\.(\\d+)$`).exec(n) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]))
    .map((x) => join(dirname(path), x.n));
  return [...rotated, ...(names.includes(base) ? [path] : [])];
}

/** Every journal entry at or after `sinceMs` (epoch ms), oldest first. Never throws for a missing journal. */
export async function readJournal(path: string, opts: { sinceMs?: number } = {}): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for (const f of await journalFiles(path)) {
    const text = await readFile(f, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      const e = line.trim() === "" ? undefined : parseJournalLine(line);
      if (e && (opts.sinceMs === undefined || Date.parse(e.at) >= opts.sinceMs)) out.push(e);
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * Calls `onEntry` for every line appended to the journal after now, until `signal` aborts.
 * Polls every `intervalMs`; a journal that shrank (rotated) is read again from its start.
 */
export async function followJournal(path: string, onEntry: (e: JournalEntry) => void, opts: { signal: AbortSignal; intervalMs?: number }): Promise<void> {
  let offset = (await stat(path).catch(() => undefined))?.size ?? 0;
  let rest = "";
  while (!opts.signal.aborted) {
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 300));
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size < offset) offset = 0;
    if (size === offset) continue;
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      const lines = (rest + buf.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        const e = parseJournalLine(l);
        if (e) onEntry(e);
      }
    } finally {
      await fh.close();
    }
  }
}

/** Parses a duration like `90s`, `15m`, `2h`, `1d`, `1h30m` into milliseconds; undefined when invalid. */
export function parseDurationMs(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (!/^(\d+(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}
