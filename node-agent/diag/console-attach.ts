/**
 * `nodectl console VM --attach`: an interactive session on the VM's serial console through the
 * unix socket qemu serves (`console.sock`, qemu-args.ts). Keys go to the guest as typed (the
 * terminal in raw mode); Ctrl-] (0x1d) detaches. qemu keeps writing console.log meanwhile.
 */
import { connect } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { ConsoleUnavailableError } from "./errors.js";

/** Ctrl-]: detaches, as in telnet and `virsh console`. */
export const DETACH_BYTE = 0x1d;

/** The terminal side: stdin (raw mode when it is a TTY) and where the guest's output goes. */
export interface ConsoleTerminal {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly out: (text: string) => void;
}

/** How a session ended: the user detached (Ctrl-] or end of input), or qemu closed the console (the VM stopped). */
export type AttachEnd = "detached" | "closed";

/**
 * Connects to `socketPath` and pipes the terminal to it until Ctrl-], the end of input, qemu
 * closing the socket, or `signal`. Throws ConsoleUnavailableError when nothing listens there
 * (the VM is not running). Raw mode is always restored.
 */
export async function attachConsole(socketPath: string, term: ConsoleTerminal, signal?: AbortSignal): Promise<AttachEnd> {
  const sock = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", (e) => reject(new ConsoleUnavailableError(socketPath, `cannot connect to the console at ${socketPath} (is the VM running?): ${e.message}`, { cause: e })));
  });
  const raw = term.input.isTTY === true && typeof term.input.setRawMode === "function";
  const decoder = new StringDecoder("utf8");
  return new Promise<AttachEnd>((resolve) => {
    let done = false;
    const finish = (how: AttachEnd): void => {
      if (done) return;
      done = true;
      term.input.off("data", onKey);
      term.input.off("end", onEnd);
      signal?.removeEventListener("abort", onEnd);
      if (raw) term.input.setRawMode!(false);
      term.input.pause();
      sock.destroy();
      resolve(how);
    };
    const onKey = (chunk: Buffer | string): void => {
      const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      const at = b.indexOf(DETACH_BYTE);
      if (at < 0) {
        sock.write(b);
        return;
      }
      if (at > 0) sock.write(b.subarray(0, at));
      finish("detached");
    };
    const onEnd = (): void => finish("detached");
    sock.on("data", (d: Buffer) => term.out(decoder.write(d)));
    sock.once("close", () => finish("closed"));
    sock.once("error", () => finish("closed"));
    if (raw) term.input.setRawMode!(true);
    term.input.on("data", onKey);
    term.input.once("end", onEnd);
    signal?.addEventListener("abort", onEnd, { once: true });
    term.input.resume();
  });
}
