#!/usr/bin/env node
/**
 * The `nodectl` CLI: composition root for node-local diagnostics (issue #8). Supplies the real
 * runner, stdout/stderr and Ctrl-C; the commands live in cmd/nodectl/, the logic in
 * node-agent/diag/. Exit codes: docs/nodectl.md.
 */
import { SpawnRunner } from "../node-agent/host/spawn-runner.js";
import { runNodectl } from "./nodectl/program.js";

const ac = new AbortController();
process.once("SIGINT", () => ac.abort());
process.once("SIGTERM", () => ac.abort());

process.exitCode = await runNodectl(process.argv.slice(2), {
  runner: new SpawnRunner(),
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
  stdin: process.stdin,
  env: process.env,
  signal: ac.signal,
});
