/**
 * The last command per resource on disk (`<dataDir>/state/<url-encoded key>.json`, written
 * atomically), with its result: a restarted agent knows what was declared on this node (the
 * `known` commands its drivers' inventory needs), and nodectl reads it while the agent is
 * down (node-agent/diag/state-reader.ts). A successful delete removes the file.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { CommandResult, NodeCommand } from "../../schemas/protocol/messages.js";
import { parseNodeCommand } from "../../schemas/protocol-validators.js";

/** One state file. */
export interface ResourceState {
  readonly command: NodeCommand;
  readonly result?: CommandResult;
}

/** The state directory. */
export class StateStore {
  readonly #dir: string;
  readonly #log: Logger;

  constructor(dir: string, log: Logger) {
    this.#dir = dir;
    this.#log = log;
  }

  #path(key: string): string {
    return join(this.#dir, `${encodeURIComponent(key)}.json`);
  }

  /** Records the last command of its resource (and its result once known). */
  async save(state: ResourceState): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const path = this.#path(state.command.key);
    const tmp = `${path}.${process.pid}.tmp`;
    // 0600: a command's context can carry the cluster download token.
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, path);
  }

  /** Forgets a resource (after its successful delete). */
  async remove(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  /** The state of one resource; undefined when none (or unreadable: logged). */
  async get(key: string): Promise<ResourceState | undefined> {
    const text = await readFile(this.#path(key), "utf8").catch(() => undefined);
    return text === undefined ? undefined : this.#parse(text, key);
  }

  /** Every resource's state, sorted by key. Unreadable files are logged and skipped. */
  async all(): Promise<ResourceState[]> {
    const names = await readdir(this.#dir).catch(() => [] as string[]);
    const out: ResourceState[] = [];
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      const text = await readFile(join(this.#dir, name), "utf8").catch(() => undefined);
      const s = text === undefined ? undefined : this.#parse(text, name);
      if (s) out.push(s);
    }
    return out.sort((a, b) => a.command.key.localeCompare(b.command.key));
  }

  #parse(text: string, what: string): ResourceState | undefined {
    try {
      const doc = JSON.parse(text) as { command?: unknown; result?: CommandResult };
      const cmd = parseNodeCommand(doc.command);
      if (cmd.ok) return { command: cmd.value, ...(doc.result ? { result: doc.result } : {}) };
    } catch {
      // Reported below.
    }
    this.#log.warn({ file: what }, "ignoring an unreadable state file");
    return undefined;
  }
}
