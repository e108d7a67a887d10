/**
 * Test helper: answers the net drivers' scoped link read (`ip -d -j -force -batch -` with
 * `addr show dev X` lines) from a full `ip -d -j addr show` output, as the kernel would:
 * one JSON array per existing device, `Device "X" does not exist.` and exit 1 for the others.
 */
import type { RunResult } from "../../../node-agent/host/host-runner.js";

/** The argv of the scoped link read. */
export const LINK_BATCH = ["ip", "-d", "-j", "-force", "-batch", "-"] as const;

/** The reply to a scoped read of the devices named in `stdin`, from the full output `all`. */
export function someLinks(all: string, stdin: string): Partial<RunResult> {
  const links = JSON.parse(all) as Array<{ ifname: string }>;
  const names = stdin.trim().split("\n").map((l) => l.replace("addr show dev ", ""));
  const missing = names.filter((n) => !links.some((l) => l.ifname === n));
  return {
    stdout: names.flatMap((n) => links.filter((l) => l.ifname === n).map((l) => JSON.stringify([l]) + "\n")).join(""),
    exitCode: missing.length > 0 ? 1 : 0,
    stderr: missing.map((n) => `Device "${n}" does not exist.\nCommand failed -:${names.indexOf(n) + 1}\n`).join(""),
  };
}
