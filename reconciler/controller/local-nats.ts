/**
 * The nats-server child of `humops up`: started on loopback with a port it picks itself and
 * JetStream under the given directory, stopped by its pid. Not used by `humops controller`,
 * which connects to a NATS the operator runs.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** nats-server is not installed. */
export class NatsServerMissingError extends Error {
  override readonly name = "NatsServerMissingError";
  readonly code = "NATS_SERVER_MISSING" as const;
  constructor() {
    super("nats-server was not found on PATH: install it with `apt-get install nats-server` (or run `bash ci/setup`)");
  }
}

/** A running nats-server child. */
export interface LocalNats {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The nats-server executable on PATH, or undefined. */
export function findNatsServer(path = process.env["PATH"] ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    const bin = join(dir, "nats-server");
    try {
      accessSync(bin, constants.X_OK);
      return bin;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Starts nats-server with JetStream in `storeDir`; rejects when it does not come up within 15 s. */
export async function startLocalNats(storeDir: string): Promise<LocalNats> {
  const bin = findNatsServer();
  if (bin === undefined) throw new NatsServerMissingError();
  mkdirSync(storeDir, { recursive: true });
  // Its own process group: a Ctrl-C in the terminal reaches `humops up`, which stops the
  // controller and the agent while NATS is still there, then stops NATS by pid.
  const child = spawn(bin, ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", storeDir], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  const killOnExit = (): void => {
    if (child.exitCode === null) child.kill("SIGTERM");
  };
  process.once("exit", killOnExit);
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${out.slice(-500)}`)), 15_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /Listening for client connections on [\d.]+:(\d+)[\s\S]*Server is ready/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${out.slice(-500)}`));
    });
  });
  child.stdout.removeAllListeners("data").resume();
  child.stderr.removeAllListeners("data").resume();
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener("exit", killOnExit);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        process.kill(child.pid!, "SIGTERM");
      }),
  };
}
