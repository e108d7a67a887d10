/**
 * nodectl's side of the agent socket: one JSON-line request, one response. A socket that is
 * missing, refuses, is not ours to open (EACCES: not root) or stays silent past the timeout
 * means the agent is unreachable; the caller then falls back to reading the disk and the host.
 */
import { createConnection } from "node:net";
import { AgentUnreachableError, DiagProtocolError } from "./errors.js";
import { DIAG_PROTOCOL_VERSION, type DiagMethod, type DiagMethods } from "./protocol.js";

let nextId = 1;

/**
 * Sends `method` to the agent listening on `socketPath` and resolves with its result.
 * Throws AgentUnreachableError (no agent there, no permission, timeout) or DiagProtocolError
 * (the agent answered with an error or garbage).
 */
export function requestAgent<M extends DiagMethod>(
  socketPath: string,
  method: M,
  params: DiagMethods[M]["params"],
  opts: { timeoutMs?: number } = {},
): Promise<DiagMethods[M]["result"]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buf = "";
    const fail = (e: Error): void => {
      sock.destroy();
      reject(e);
    };
    sock.setTimeout(opts.timeoutMs ?? 5000, () => fail(new AgentUnreachableError(socketPath, `the agent did not answer on ${socketPath} within ${opts.timeoutMs ?? 5000} ms`)));
    sock.on("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "ENOENT" ? "no socket (agent not running?)" : e.code === "EACCES" ? "permission denied (nodectl must run as root)" : e.code === "ECONNREFUSED" ? "connection refused (agent not running)" : e.message;
      fail(new AgentUnreachableError(socketPath, `agent not reachable on ${socketPath}: ${why}`, { cause: e }));
    });
    sock.on("connect", () => sock.write(JSON.stringify({ v: DIAG_PROTOCOL_VERSION, id, method, params }) + "\n"));
    sock.setEncoding("utf8");
    sock.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      sock.end();
      let res: { id?: unknown; ok?: unknown; result?: unknown; error?: { code?: string; message?: string } };
      try {
        res = JSON.parse(buf.slice(0, nl)) as typeof res;
      } catch (e: unknown) {
        return reject(new DiagProtocolError(`the agent sent a line that is not JSON: ${(e as Error).message}`, { cause: e }));
      }
      if (res.ok === true && res.id === id) return resolve(res.result as DiagMethods[M]["result"]);
      reject(new DiagProtocolError(`agent answered ${method} with ${res.error?.code ?? "an unexpected reply"}: ${res.error?.message ?? JSON.stringify(res)}`));
    });
  });
}
