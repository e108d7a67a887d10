/**
 * Whether a process still runs, read from /proc: the agent starts daemons (qemu) that outlive
 * it and are reaped by PID 1, which on some inits leaves an exited one as a zombie for a while.
 */
import { readFileSync } from "node:fs";

/** True when `pid` exists and is not a zombie (state Z) or dead (state X). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
