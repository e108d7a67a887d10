/**
 * What the guest itself says, for a VM's status (`details.guest`): its address as
 * qemu-guest-agent reports it (else the declared one, marked `declared`), and cloud-init's
 * result as the serial console shows it. Cheap: the tail of the console log and, only when the
 * guest has opened the agent channel, one guest agent query with a short timeout.
 */
import { open } from "node:fs/promises";
import { queryGuestInterfaces, type GuestInterface } from "./guest-agent-client.js";

/** cloud-init's result on the current boot. */
export type CloudInitResult = "done" | "error" | "running" | "unknown";

/** `details.guest` of a VM. */
export interface GuestFacts {
  /** The first NIC's IPv4 address. */
  readonly address?: string;
  readonly addressSource?: "guest-agent" | "declared";
  readonly cloudInit: CloudInitResult;
}

/** Where to look. */
export interface GuestFactsInput {
  readonly consoleLog: string;
  /** Byte offset in the console log where the running qemu's output starts. */
  readonly consoleStart: number;
  readonly guestAgentSocket: string;
  /** The guest opened the guest agent channel (QMP query-chardev). */
  readonly guestAgentOpen: boolean;
  /** The first NIC's MAC and declared IPv4 address. */
  readonly mac?: string;
  readonly declaredAddress?: string;
  readonly timeoutMs?: number;
}

/** How much of the console log is read. */
export const CONSOLE_TAIL_BYTES = 64 * 1024;

/** Reads the facts; never throws (a fact that cannot be read is left out or `unknown`). */
export async function readGuestFacts(i: GuestFactsInput): Promise<GuestFacts> {
  const [tail, interfaces] = await Promise.all([
    readTail(i.consoleLog, i.consoleStart, CONSOLE_TAIL_BYTES),
    i.guestAgentOpen ? queryGuestInterfaces(i.guestAgentSocket, i.timeoutMs) : Promise.resolve(undefined),
  ]);
  const reported = interfaces && i.mac ? addressOf(interfaces, i.mac) : undefined;
  const address = reported ? { address: reported, addressSource: "guest-agent" as const } : i.declaredAddress ? { address: i.declaredAddress, addressSource: "declared" as const } : {};
  return { ...address, cloudInit: parseCloudInitResult(tail) };
}

/** The first IPv4 address of the interface with MAC `mac`. */
export function addressOf(interfaces: readonly GuestInterface[], mac: string): string | undefined {
  const nic = interfaces.find((n) => n["hardware-address"]?.toLowerCase() === mac.toLowerCase());
  return nic?.["ip-addresses"]?.find((a) => a["ip-address-type"] === "ipv4")?.["ip-address"];
}

const BOOT = /^.*\bLinux version \d/gm;
const ERROR = /failed stage |Failed to run module |Failed to start .*(cloud-init|cloud-config|cloud-final|[Cc]loud-init)|Cloud-init v\. \S+ .*\b(ERROR|CRITICAL)\b|\[(ERROR|CRITICAL)\]/;
const FINISHED = /Cloud-init v\. \S+ finished at /;
const RUNNING = /Cloud-init v\. \S+ running '/;

/**
 * cloud-init's result in console output: only what follows the last kernel banner counts (an
 * in-guest reboot runs cloud-init again). `error` when a stage or module failed (cloud-init
 * logs `failed stage X` / `Failed to run module X` to the console, systemd `Failed to start`),
 * else `done` once the final message (`Cloud-init v. V finished at ...`) is there, `running`
 * after a stage's welcome line, `unknown` when the console shows no cloud-init at all.
 */
export function parseCloudInitResult(text: string): CloudInitResult {
  const boots = [...text.matchAll(BOOT)];
  const current = boots.length > 0 ? text.slice(boots.at(-1)!.index) : text;
  if (ERROR.test(current)) return "error";
  if (FINISHED.test(current)) return "done";
  if (RUNNING.test(current)) return "running";
  return "unknown";
}

async function readTail(path: string, start: number, maxBytes: number): Promise<string> {
  const f = await open(path, "r").catch(() => undefined);
  if (f === undefined) return "";
  try {
    const { size } = await f.stat();
    const from = Math.max(start <= size ? start : 0, size - maxBytes);
    const buf = Buffer.alloc(size - from);
    await f.read(buf, 0, buf.length, from);
    return buf.toString("latin1");
  } finally {
    await f.close();
  }
}
