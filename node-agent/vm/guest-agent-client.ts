/**
 * Asks qemu-guest-agent, over the VM's guest agent socket, for the guest's interfaces
 * (`guest-network-get-interfaces`). The protocol is QMP-like JSON lines without a greeting;
 * `guest-sync` with a fresh id first skips anything a previous client left unread. Everything
 * is bounded by one short timeout: a guest without an agent never answers.
 */
import { connect } from "node:net";

/** One interface as qemu-guest-agent reports it. */
export interface GuestInterface {
  readonly name: string;
  readonly "hardware-address"?: string;
  readonly "ip-addresses"?: readonly { readonly "ip-address-type": "ipv4" | "ipv6"; readonly "ip-address": string; readonly prefix: number }[];
}

/** The guest's interfaces, or undefined when the agent does not answer within `timeoutMs`. */
export function queryGuestInterfaces(socketPath: string, timeoutMs = 2000): Promise<GuestInterface[] | undefined> {
  return new Promise((resolve) => {
    const sock = connect(socketPath);
    const syncId = Math.floor(Math.random() * 2 ** 31);
    let buf = "";
    let synced = false;
    const done = (v: GuestInterface[] | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on("error", () => done(undefined));
    sock.on("connect", () => sock.write(JSON.stringify({ execute: "guest-sync", arguments: { id: syncId } }) + "\n"));
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        const msg = parseLine(line);
        if (msg === undefined) continue;
        if (!synced) {
          if (msg["return"] !== syncId) continue;
          synced = true;
          sock.write(JSON.stringify({ execute: "guest-network-get-interfaces" }) + "\n");
        } else {
          done(Array.isArray(msg["return"]) ? (msg["return"] as GuestInterface[]) : undefined);
          return;
        }
      }
    });
  });
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
