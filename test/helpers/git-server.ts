/**
 * A real git smart-HTTP server for tests: a Node http server on 127.0.0.1 that runs Debian's
 * `git http-backend` as a CGI per request, over a temp dir of bare repositories. Clones,
 * fetches and pushes by isomorphic-git and by the git CLI both work against it. Optional
 * basic auth lets the controller's credentials be tested. Spawning git here is test
 * infrastructure, not a host command of the product, so node:child_process is used directly.
 */
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireExecutable } from "./process-control.js";
import { testTag } from "./test-tag.js";
import { onExitCleanup } from "./exit-cleanup.js";
import { parseCgiHead } from "./cgi.js";

const BACKEND = "/usr/lib/git-core/git-http-backend";

/** Options of startGitServer. */
export interface GitServerOptions {
  /** Require HTTP basic auth with these credentials (401 otherwise). */
  readonly auth?: { readonly user: string; readonly password: string };
}

/** One request the server answered, for assertions (e.g. "the controller fetched"). */
export interface GitRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
}

/** A running git server. */
export interface GitServer {
  /** The directory holding the bare repositories. */
  readonly dir: string;
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  /** Every request answered so far, in order. */
  readonly requests: readonly GitRequest[];
  /** The clone URL of a repository (`http://127.0.0.1:PORT/NAME`). */
  url(repoName: string): string;
  /** Creates an empty bare repo with HEAD -> refs/heads/main and pushes allowed; returns its path. */
  createBareRepo(name: string): string;
  /** Closes the server (and open connections) and removes `dir`. */
  stop(): Promise<void>;
}

/** Repository names: plain, so that they cannot escape the project root. */
function checkRepoName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes("..")) {
    throw new RangeError(`repository name ${JSON.stringify(name)}: want [A-Za-z0-9][A-Za-z0-9._-]*`);
  }
}

function isAuthorized(req: IncomingMessage, auth: GitServerOptions["auth"]): boolean {
  if (!auth) return true;
  const header = req.headers.authorization ?? "";
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m?.[1]) return false;
  return Buffer.from(m[1], "base64").toString() === `${auth.user}:${auth.password}`;
}

function cgiEnv(req: IncomingMessage, dir: string, remoteUser: string | undefined): NodeJS.ProcessEnv {
  const url = new URL(req.url ?? "/", "http://localhost");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"],
    GIT_PROJECT_ROOT: dir,
    GIT_HTTP_EXPORT_ALL: "1",
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ""),
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
  };
  if (req.headers["content-length"] !== undefined) env["CONTENT_LENGTH"] = req.headers["content-length"];
  // git-http-backend inflates gzip request bodies itself when told the encoding.
  if (req.headers["content-encoding"]) env["HTTP_CONTENT_ENCODING"] = req.headers["content-encoding"];
  const proto = req.headers["git-protocol"];
  if (typeof proto === "string") env["GIT_PROTOCOL"] = proto;
  if (remoteUser !== undefined) {
    env["REMOTE_USER"] = remoteUser;
    env["AUTH_TYPE"] = "Basic";
  }
  return env;
}

/** Runs git-http-backend for one request, streaming the body in and the CGI response out. */
function serveCgi(req: IncomingMessage, res: ServerResponse, env: NodeJS.ProcessEnv, done: (s: number) => void): void {
  const cgi = spawn(BACKEND, [], { env, stdio: ["pipe", "pipe", "pipe"] });
  // A client that goes away (or stop()) must not leave a backend running.
  res.once("close", () => {
    if (cgi.exitCode === null && cgi.signalCode === null) cgi.kill("SIGKILL");
  });
  req.pipe(cgi.stdin);
  cgi.stdin.on("error", () => undefined); // the backend may answer before reading everything
  let head = Buffer.alloc(0);
  let stderr = "";
  let status = 200;
  cgi.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  cgi.stdout.on("data", (chunk: Buffer) => {
    if (res.headersSent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const parsed = parseCgiHead(head);
    if (!parsed) return;
    status = parsed.status;
    res.writeHead(parsed.status, parsed.headers);
    if (parsed.body.length > 0) res.write(parsed.body);
  });
  cgi.on("close", (code) => {
    if (!res.headersSent) {
      status = 500;
      res.writeHead(500, { "content-type": "text/plain" });
      res.write(`git-http-backend exited ${code}: ${stderr}`);
    }
    res.end();
    done(status);
  });
}

/**
 * Starts the server on 127.0.0.1 with a free port.
 * Throws PrerequisiteMissingError when git-http-backend is not installed (Debian package git).
 */
export async function startGitServer(opts: GitServerOptions = {}): Promise<GitServer> {
  requireExecutable(BACKEND, "install the Debian package git");
  const dir = mkdtempSync(join(tmpdir(), `humops-git-${testTag()}-`));
  const requests: GitRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const record = (status: number): void => {
      requests.push({ method: req.method ?? "", path: url.pathname, query: url.search, status });
    };
    if (!isAuthorized(req, opts.auth)) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="humops-test"' }).end("authentication required\n");
      return record(401);
    }
    serveCgi(req, res, cgiEnv(req, dir, opts.auth?.user), record);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return gitServerHandle({ server, dir, port, requests });
}

function gitServerHandle(s: { server: Server; dir: string; port: number; requests: GitRequest[] }): GitServer {
  const baseUrl = `http://127.0.0.1:${s.port}`;
  // A server the test forgot to stop must not keep the process alive: unref it, and at exit
  // remove its repositories and report the leak.
  s.server.unref();
  const release = onExitCleanup(() => rmSync(s.dir, { recursive: true, force: true }), {
    leakName: `git server ${baseUrl}`,
  });
  return {
    dir: s.dir,
    baseUrl,
    requests: s.requests,
    url(name) {
      checkRepoName(name);
      return `${baseUrl}/${name}`;
    },
    createBareRepo(name) {
      checkRepoName(name);
      const path = join(s.dir, name);
      execFileSync("git", ["init", "--quiet", "--bare", "--initial-branch=main", path]);
      execFileSync("git", ["-C", path, "config", "http.receivepack", "true"]);
      return path;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        s.server.close(() => resolve());
        s.server.closeAllConnections();
      });
      rmSync(s.dir, { recursive: true, force: true });
      release();
    },
  };
}
