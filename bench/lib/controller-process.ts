/**
 * `humops controller` in its own process for benchmarks (issue #11), so what it costs (RSS,
 * CPU) is measured without the simulated agents of the bench process. Its JSON log lines are
 * the probe: `round done` (revision, notReady, commandsSent) and `status committed`.
 */
import { createHmac } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnUntilReady, stopProcess, type ServerProcess } from "../../test/helpers/process-control.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const SECRET = "bench-secret";

/** A `round done` log line. */
export interface Round { readonly at: number; readonly revision: string; readonly notReady: number; readonly commandsSent: number; readonly statusChanged: boolean }

/** A running controller process. */
export interface ControllerProcess {
  readonly proc: ServerProcess;
  readonly url: string;
  /** Rounds and status commits seen so far (call `poll()` to read new log lines). */
  readonly rounds: Round[];
  readonly statusCommits: number[];
  /** Reads the log lines printed since the last call. */
  poll(): void;
  /** POSTs a signed push webhook for `head`. */
  webhook(head: string): Promise<void>;
  /** CPU seconds (user + system) used so far, from /proc/PID/stat. */
  cpuSeconds(): number;
  /** Peak resident set size (VmHWM) and current (VmRSS), MiB. */
  memoryMiB(): { peak: number; now: number };
  stop(): Promise<void>;
}

/** Starts `humops controller` on `repo` (a path: ref watch; a URL: fetch on webhook/poll). */
export async function startControllerProcess(o: { repo: string; natsUrl: string; workDir: string; port: number; interval?: string }): Promise<ControllerProcess> {
  writeFileSync(join(o.workDir, "secret"), `${SECRET}\n`);
  const argv = [
    process.execPath, "--import", "tsx", join(ROOT, "cmd/humops.ts"), "controller", "--repo", o.repo, "--nats", o.natsUrl, "--interval", o.interval ?? "30s",
    "--work-dir", join(o.workDir, "ctl"), "--listen", `127.0.0.1:${o.port}`, "--webhook-secret-file", join(o.workDir, "secret"),
  ] as const;
  const { proc } = await spawnUntilReady({ argv, ready: /"msg":"controller started"/, what: "humops controller", timeoutMs: 60_000 });
  const rounds: Round[] = [];
  const statusCommits: number[] = [];
  let offset = 0;
  const pid = proc.pid;
  const tick = Number(process.env["CLK_TCK"] ?? 100);
  return {
    proc,
    url: `http://127.0.0.1:${o.port}`,
    rounds,
    statusCommits,
    poll() {
      const out = proc.output();
      const end = out.lastIndexOf("\n") + 1;
      if (end <= offset) return;
      const now = performance.now();
      for (const line of out.slice(offset, end).split("\n")) {
        if (line.includes('"msg":"round done"')) {
          const l = JSON.parse(line) as { revision: string; notReady: number; commandsSent: number; statusChanged: boolean };
          rounds.push({ at: now, revision: l.revision, notReady: l.notReady, commandsSent: l.commandsSent, statusChanged: l.statusChanged });
        } else if (line.includes('"msg":"status committed"')) statusCommits.push(now);
      }
      offset = end;
    },
    async webhook(head) {
      const body = JSON.stringify({ ref: "refs/heads/main", after: head });
      const sig = createHmac("sha256", SECRET).update(body).digest("hex");
      await fetch(`http://127.0.0.1:${o.port}/hooks/git`, { method: "POST", headers: { "x-hub-signature-256": `sha256=${sig}` }, body });
    },
    cpuSeconds() {
      // Fields 14 and 15 (utime, stime) after the parenthesised command name.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(f[11]) + Number(f[12])) / tick;
    },
    memoryMiB() {
      const s = readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = (k: string): number => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
      return { peak: kb("VmHWM") / 1024, now: kb("VmRSS") / 1024 };
    },
    stop: () => stopProcess(proc.child, 15_000),
  };
}
