/** `nodectl events [--follow] [--since DURATION]`: the agent's command journal, newest last. */
import type { Command } from "commander";
import { followJournal, parseDurationMs, readJournal, type JournalEntry } from "../../node-agent/diag/journal.js";
import { loadNodectlTarget } from "../../node-agent/diag/node-config.js";
import type { Paint } from "../../node-agent/diag/table.js";
import { action, EXIT, isJson, paintOf, printJson, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** One journal entry as a human line. */
export function renderEntry(e: JournalEntry, paint: Paint): string {
  const res = e.ok === false || e.error ? paint("red", `FAILED ${e.error ?? ""}`.trim()) : e.ok === true ? paint("green", "ok") : "";
  const parts = [e.at, e.event.padEnd(8), e.op ?? "", e.key ?? "", e.generation !== undefined ? `gen ${e.generation}` : "", e.durationMs !== undefined ? `${e.durationMs}ms` : "", e.state ?? "", res, e.commandId ? paint("dim", e.commandId) : ""];
  return parts.filter((p) => p !== "").join("  ") + "\n";
}

/** Registers `events`. */
export function registerEvents(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("events").description("the agent's command journal: received, started, result, duration, error; newest last"))
    .option("-f, --follow", "keep printing new entries until interrupted")
    .option("--since <duration>", "only entries newer than this, e.g. 90s, 15m, 2h, 1d")
    .action(action(deps, state, async (opts: OutputOpts & { follow?: boolean; since?: string }) => {
      const json = isJson(opts);
      const sinceMs = opts.since === undefined ? undefined : parseDurationMs(opts.since);
      if (opts.since !== undefined && sinceMs === undefined) throw Object.assign(new Error(`--since ${opts.since}: want e.g. 90s, 15m, 2h, 1d`), { code: "USAGE" });
      const target = await loadNodectlTarget(program.opts<{ config?: string }>().config);
      const since = sinceMs === undefined ? undefined : Date.now() - sinceMs;
      const entries = await readJournal(target.journalPath, since === undefined ? {} : { sinceMs: since });
      const paint = paintOf(deps);
      const print = (e: JournalEntry): void => deps.out(json ? JSON.stringify(e) + "\n" : renderEntry(e, paint));
      if (opts.follow) {
        entries.forEach(print);
        await followJournal(target.journalPath, print, { signal: deps.signal ?? new AbortController().signal });
      } else if (json) {
        printJson(deps, { command: "events", journal: target.journalPath, ...(since !== undefined ? { since: new Date(since).toISOString() } : {}), entries });
      } else {
        deps.out(entries.length === 0 ? `no journal entries in ${target.journalPath}\n` : entries.map((e) => renderEntry(e, paint)).join(""));
      }
      return EXIT.ok;
    }));
}
