/**
 * `nodectl console VM`: the serial log qemu writes to `<dataDir>/vms/<hash>/console.log`.
 * The VM is found by its vm.json key, so it works for VMs whose command is gone too.
 */
import { open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ResourceNotFoundError } from "./errors.js";

/** A VM runtime dir found on disk. */
export interface VmDirRef {
  readonly key: string;
  readonly dir: string;
  readonly consoleLog: string;
  readonly consoleSocket: string;
}

/** True when `key` is the VM named by `ref`: its id, `group/ns/id`, or the whole key. */
export function matchesRef(key: string, ref: string): boolean {
  return key === ref || key.endsWith(`/${ref}`);
}

/** Every VM runtime dir under `<dataDir>/vms` that has a vm.json. */
export async function listVmDirs(dataDir: string): Promise<VmDirRef[]> {
  const root = join(dataDir, "vms");
  const out: VmDirRef[] = [];
  for (const d of await readdir(root).catch(() => [] as string[])) {
    try {
      const s = JSON.parse(await readFile(join(root, d, "vm.json"), "utf8")) as { key?: unknown };
      if (typeof s.key === "string") out.push({ key: s.key, dir: join(root, d), consoleLog: join(root, d, "console.log"), consoleSocket: join(root, d, "console.sock") });
    } catch {
      // A dir without a readable vm.json is no VM of ours (or one being created).
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** The VM named by `ref`. Throws ResourceNotFoundError when none or several match. */
export async function findVmDir(dataDir: string, ref: string): Promise<VmDirRef> {
  const all = await listVmDirs(dataDir);
  const hits = all.filter((v) => matchesRef(v.key, ref));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new ResourceNotFoundError(ref, `no VM ${ref} on this node (known: ${all.map((v) => v.key).join(", ") || "none"})`);
  throw new ResourceNotFoundError(ref, `${ref} is ambiguous: ${hits.map((v) => v.key).join(", ")}; give group/namespace/id`);
}

/** The whole console log (empty when qemu has not written one yet). */
export async function readConsole(path: string): Promise<string> {
  return readFile(path, "utf8").catch(() => "");
}

/** Calls `onData` with what is appended to the log from byte `from` on, until `signal` aborts. */
export async function followConsole(path: string, from: number, onData: (text: string) => void, opts: { signal: AbortSignal; intervalMs?: number }): Promise<void> {
  let offset = from;
  while (!opts.signal.aborted) {
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    if (size < offset) offset = 0;
    if (size > offset) {
      const fh = await open(path, "r");
      try {
        const buf = Buffer.alloc(size - offset);
        await fh.read(buf, 0, buf.length, offset);
        offset = size;
        onData(buf.toString("utf8"));
      } finally {
        await fh.close();
      }
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 300));
  }
}
