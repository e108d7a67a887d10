/**
 * The agent's command journal: one JSON line per event of a command (`received`, `started`,
 * `result`, `duplicate`, `rejected`, `superseded`) in `<dataDir>/journal.jsonl`, rotated to `.1`...`.N` past
 * a size, so it never grows without bound. nodectl reads it (node-agent/diag/journal.ts).
 * Writes are queued in order; a failed write is logged, never fatal for a command.
 */
import { appendFile, mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { CommandResult } from "../../schemas/protocol/messages.js";

/** One journal line. */
export interface JournalRecord {
  /** ISO time. */
  readonly at: string;
  readonly event: "received" | "started" | "result" | "duplicate" | "rejected" | "superseded" | "stale-epoch";
  readonly commandId?: string;
  readonly key?: string;
  readonly op?: string;
  readonly generation?: number;
  /** The sender's leadership epoch (on `received` and `stale-epoch` lines; issue #15). */
  readonly epoch?: number;
  readonly ok?: boolean;
  readonly durationMs?: number;
  readonly error?: { readonly reason: string; readonly message: string };
  /** On a `superseded` line of a running operation: the command that superseded it (issue #11). */
  readonly supersededBy?: string;
  /** On a `duplicate` line of a command that joined the same operation running under another commandId. */
  readonly joined?: string;
  /** The full result (on `result` lines): a restarted agent answers re-sent commandIds from it. */
  readonly result?: CommandResult;
}

/** Options of a Journal. */
export interface JournalOptions {
  readonly path: string;
  /** Rotate when the file would grow past this; default 10 MiB. */
  readonly maxBytes?: number;
  /** Rotated files kept (`.1` newest); default 2. */
  readonly keep?: number;
  readonly log: Logger;
}

/** Append-only, size-bounded command journal. */
export class Journal {
  readonly #o: Required<JournalOptions>;
  #size: number | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(o: JournalOptions) {
    this.#o = { maxBytes: 10 * 1024 * 1024, keep: 2, ...o };
  }

  /** Queues one record (time added when missing); resolves once written. */
  write(rec: Omit<JournalRecord, "at"> & { at?: string }): Promise<void> {
    const line = `${JSON.stringify({ at: new Date().toISOString(), ...rec })}\n`;
    this.#tail = this.#tail.then(() => this.#append(line)).catch((err: unknown) => {
      this.#o.log.warn({ err, path: this.#o.path }, "journal write failed");
    });
    return this.#tail;
  }

  /** Waits for queued writes. */
  flush(): Promise<void> {
    return this.#tail;
  }

  /** Every `result` record still in the journal (rotated files first, oldest first). */
  async results(): Promise<CommandResult[]> {
    const out: CommandResult[] = [];
    for (const file of this.#files().reverse()) {
      const text = await readFile(file, "utf8").catch(() => "");
      for (const line of text.split("\n")) {
        const rec = parseLine(line);
        if (rec?.event === "result" && rec.result !== undefined) out.push(rec.result);
      }
    }
    return out;
  }

  #files(): string[] {
    return [this.#o.path, ...Array.from({ length: this.#o.keep }, (_, i) => `${this.#o.path}.${i + 1}`)];
  }

  async #append(line: string): Promise<void> {
    if (this.#size === undefined) {
      await mkdir(dirname(this.#o.path), { recursive: true });
      this.#size = (await stat(this.#o.path).catch(() => undefined))?.size ?? 0;
    }
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.#o.maxBytes) await this.#rotate();
    await appendFile(this.#o.path, line);
    this.#size += bytes;
  }

  async #rotate(): Promise<void> {
    const files = this.#files();
    await rm(files.at(-1)!, { force: true });
    for (let i = files.length - 2; i >= 0; i--) {
      await rename(files[i]!, files[i + 1]!).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
    }
    this.#size = 0;
  }
}

function parseLine(line: string): JournalRecord | undefined {
  if (line.trim() === "") return undefined;
  try {
    return JSON.parse(line) as JournalRecord;
  } catch {
    return undefined;
  }
}
