/**
 * Which `ip netns` entries are pinned anywhere on the machine, read from /proc (issue #13).
 * `ip netns add NAME` creates the file /run/netns/NAME (one tmpfs, seen by everyone) and
 * bind-mounts the namespace on it in the caller's mount namespace only. An agent run inside
 * `ip netns exec NODE` has a private one: while it runs, its routers look, from any other
 * mount namespace, exactly like the empty file a killed agent leaves behind. Only the mount
 * tables tell the two apart: an entry is live when some mount namespace has a mount on it.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The mount point field of a mountinfo line when it is an `ip netns` entry, else undefined. */
export function netnsEntryOfMountinfoLine(line: string): string | undefined {
  const mountPoint = line.split(" ")[4] ?? "";
  return /^(?:\/var)?\/run\/netns\/([^/]+)$/.exec(mountPoint)?.[1];
}

function readOr<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e: unknown) {
    const code = (e as { code?: string }).code;
    // ENOENT/ESRCH/EINVAL: the process exited while we looked (EINVAL: a zombie, whose mount
    // namespace is already gone; others are read through another process). EACCES: not ours to inspect (a non-dumpable process, one in the
    // middle of exec); its namespace link is then skipped, its mount table read if it can be.
    if (code === "ENOENT" || code === "ESRCH" || code === "EINVAL" || code === "EACCES") return undefined;
    throw e;
  }
}

/**
 * The names of the /run/netns entries that some mount namespace of a running process has a
 * mount on: one mountinfo read per mount namespace (the first of its processes still there;
 * a process whose namespace link cannot be read has its own mount table read). A namespace
 * pinned only by a bind mount of a mount namespace, with no process in it, is not seen, nor is
 * a process whose mount table this process may not read. Throws when /proc cannot be listed.
 */
export function mountedNetnsEntries(proc = "/proc"): Set<string> {
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const pid of readdirSync(proc).filter((n) => /^\d+$/.test(n))) {
    const ns = readOr(() => readlinkSync(`${proc}/${pid}/ns/mnt`));
    if (ns !== undefined && seen.has(ns)) continue;
    const info = readOr(() => readFileSync(`${proc}/${pid}/mountinfo`, "utf8"));
    if (info === undefined) continue;
    if (ns !== undefined) seen.add(ns);
    for (const line of info.split("\n")) {
      const name = netnsEntryOfMountinfoLine(line);
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}
