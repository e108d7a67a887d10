/**
 * Reads the agent's last command per resource from `<dataDir>/state/` (written by the agent
 * runtime, one JSON file per resource), so nodectl knows what is declared on this node while
 * the agent is down. Tolerant by design: a file is either the ResourceCommand itself or an
 * object holding it under `command`; a last command whose `op` is a delete declares nothing;
 * unreadable files are reported, not fatal.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isApiType } from "../../schemas/kinds.js";
import type { ResourceCommand } from "../../schemas/protocol-types.js";

/** What the state dir holds. */
export interface LastCommands {
  readonly commands: readonly ResourceCommand[];
  /** Files that could not be read or are not a command, with why. */
  readonly unreadable: readonly { readonly path: string; readonly error: string }[];
  /** False when the state dir does not exist (no agent ever ran with this data dir). */
  readonly exists: boolean;
}

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await jsonFiles(p)));
    else if (e.isFile() && e.name.endsWith(".json")) out.push(p);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The command a state file declares; undefined for a delete; throws TypeError when it is not one. */
export function commandOfStateFile(doc: unknown): ResourceCommand | undefined {
  if (!isRecord(doc)) throw new TypeError("not a JSON object");
  const cmd = isRecord(doc["command"]) ? doc["command"] : doc;
  const op = doc["op"] ?? cmd["op"];
  if (op === "delete" || op === "remove") return undefined;
  if (typeof cmd["key"] !== "string" || !isApiType(cmd["apiType"]) || typeof cmd["id"] !== "string") {
    throw new TypeError("no key, apiType and id: not a resource command");
  }
  return {
    ...(cmd as unknown as ResourceCommand),
    annotations: isRecord(cmd["annotations"]) ? (cmd["annotations"] as Record<string, string>) : {},
    spec: isRecord(cmd["spec"]) ? cmd["spec"] : {},
    context: isRecord(cmd["context"]) ? cmd["context"] : {},
    generation: typeof cmd["generation"] === "number" ? cmd["generation"] : 0,
  };
}

/** Reads every last command under `stateDir`, sorted by key. Never throws. */
export async function readLastCommands(stateDir: string): Promise<LastCommands> {
  let files: string[];
  try {
    files = await jsonFiles(stateDir);
  } catch (e: unknown) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return { commands: [], unreadable: missing ? [] : [{ path: stateDir, error: (e as Error).message }], exists: !missing };
  }
  const commands = new Map<string, ResourceCommand>();
  const unreadable: Array<{ path: string; error: string }> = [];
  for (const f of files.sort()) {
    try {
      const cmd = commandOfStateFile(JSON.parse(await readFile(f, "utf8")));
      if (cmd) commands.set(cmd.key, cmd);
    } catch (e: unknown) {
      unreadable.push({ path: f, error: (e as Error).message });
    }
  }
  return { commands: [...commands.values()].sort((a, b) => a.key.localeCompare(b.key)), unreadable, exists: true };
}
