/**
 * A memory cgroup for a benchmark child process: with a limit below a file's size, the page
 * cache that process may hold is smaller than the file (the kernel must write back and reclaim
 * while it writes), as on a node whose memory is mostly taken by VMs. cgroup v1 (`memory`
 * hierarchy, `memory.limit_in_bytes`) or v2 (`memory.max`), under this process's own cgroup.
 * Needs root; undefined (with the reason) when neither can be made here.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A cgroup made for the benchmark; `add(pid)` moves a process in, `remove()` deletes it once empty. */
export interface MemoryCgroup {
  readonly version: "v1" | "v2";
  readonly path: string;
  readonly limitBytes: number;
  add(pid: number): void;
  remove(): void;
}

/** The cgroup directories to try for this process: [version, dir, limit file]. */
function candidates(): Array<["v1" | "v2", string, string]> {
  const lines = readFileSync("/proc/self/cgroup", "utf8").trim().split("\n");
  const out: Array<["v1" | "v2", string, string]> = [];
  for (const line of lines) {
    const [, controllers, path] = line.split(":", 3) as [string, string, string];
    if (controllers.split(",").includes("memory")) out.push(["v1", join("/sys/fs/cgroup/memory", path), "memory.limit_in_bytes"]);
    if (controllers === "") {
      out.push(["v2", join("/sys/fs/cgroup", path), "memory.max"]);
      out.push(["v2", join("/sys/fs/cgroup/unified", path), "memory.max"]);
    }
  }
  return out;
}

/** Makes `hm-bench-<pid>` with `limitBytes` under the first hierarchy that allows it. */
export function makeMemoryCgroup(limitBytes: number): MemoryCgroup | { readonly unavailable: string } {
  const errors: string[] = [];
  for (const [version, parent, limitFile] of candidates()) {
    const dir = join(parent, `hm-bench-${process.pid}`);
    try {
      mkdirSync(dir);
    } catch (e: unknown) {
      errors.push(`${dir}: ${(e as Error).message}`);
      continue;
    }
    try {
      writeFileSync(join(dir, limitFile), String(limitBytes));
    } catch (e: unknown) {
      errors.push(`${join(dir, limitFile)}: ${(e as Error).message}`);
      rmdirSync(dir);
      continue;
    }
    return {
      version,
      path: dir,
      limitBytes,
      add: (pid) => writeFileSync(join(dir, "cgroup.procs"), String(pid)),
      remove: () => rmdirSync(dir),
    };
  }
  return { unavailable: errors.join("; ") || "no memory cgroup hierarchy in /proc/self/cgroup" };
}
