/**
 * A minimal QMP (QEMU Machine Protocol) client over the VM's unix socket: the agent's way to
 * ask a running qemu who it is (`query-uuid`), how it is (`query-status`), to press the
 * power button (`system_powerdown`), reset it (`system_reset`) or stop it (`quit`). Events
 * (RESET, SHUTDOWN...) the session receives are kept for `events()`.
 */
import { connect, type Socket } from "node:net";

/** A QMP error reply or a transport failure. */
export class QmpError extends Error {
  override readonly name = "QmpError";
  readonly code = "QMP_ERROR" as const;
}

/** An asynchronous QMP event, e.g. `{ event: "RESET", data: { guest: true } }`. */
export interface QmpEvent {
  readonly event: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** One QMP session; `close()` when done. */
export interface QmpSession {
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T>;
  /** The events received so far in this session, oldest first. */
  events(): readonly QmpEvent[];
  close(): void;
}

/** Opens a session on `socketPath` (capabilities negotiated); rejects within `timeoutMs`. */
export function openQmp(socketPath: string, timeoutMs = 3000): Promise<QmpSession> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const timer = setTimeout(() => fail(new QmpError(`QMP ${socketPath}: no greeting within ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    sock.once("error", (e) => fail(new QmpError(`QMP ${socketPath}: ${e.message}`, { cause: e })));
    const session = new LineSession(sock, timeoutMs);
    session
      .next()
      .then(async (greeting) => {
        if (!("QMP" in greeting)) throw new QmpError(`QMP ${socketPath}: unexpected greeting`);
        await session.execute("qmp_capabilities");
        clearTimeout(timer);
        resolve(session);
      })
      .catch((e: unknown) => fail(e instanceof Error ? e : new QmpError(String(e))));
  });
}

class LineSession implements QmpSession {
  readonly #sock: Socket;
  readonly #timeoutMs: number;
  #buf = "";
  #waiters: Array<(msg: Record<string, unknown>) => void> = [];
  #queue: Array<Record<string, unknown>> = [];
  readonly #events: QmpEvent[] = [];

  constructor(sock: Socket, timeoutMs: number) {
    this.#sock = sock;
    this.#timeoutMs = timeoutMs;
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => this.#onData(d));
  }

  #onData(d: string): void {
    this.#buf += d;
    let nl: number;
    while ((nl = this.#buf.indexOf("\n")) >= 0) {
      const line = this.#buf.slice(0, nl).trim();
      this.#buf = this.#buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if ("event" in msg) {
        this.#events.push(msg as unknown as QmpEvent);
        continue;
      }
      const w = this.#waiters.shift();
      if (w) w(msg);
      else this.#queue.push(msg);
    }
  }

  next(): Promise<Record<string, unknown>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpError(`QMP: no reply within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.#waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  async execute<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    this.#sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n");
    const reply = await this.next();
    if ("error" in reply) {
      const err = reply["error"] as { desc?: string };
      throw new QmpError(`QMP ${command}: ${err.desc ?? "error"}`);
    }
    return reply["return"] as T;
  }

  events(): readonly QmpEvent[] {
    return this.#events;
  }

  close(): void {
    this.#sock.destroy();
  }
}
