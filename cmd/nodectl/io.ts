/**
 * What every nodectl subcommand shares: injected dependencies (runner, output streams, TTY,
 * environment) so tests run the real commands in-process, opening the node view, printing
 * JSON or tables, and mapping errors to the exit codes of docs/nodectl.md.
 */
import type { Command } from "commander";
import { pino, type Logger } from "pino";
import type { HostRunner } from "../../node-agent/host/host-runner.js";
import { loadNodectlTarget } from "../../node-agent/diag/node-config.js";
import { openNodeView, type NodeView } from "../../node-agent/diag/node-view.js";
import { painter, type Paint } from "../../node-agent/diag/table.js";

/** Exit codes (docs/nodectl.md). */
export const EXIT = { ok: 0, problem: 1, usage: 2, config: 3, notFound: 4, failed: 5 } as const;

/** What nodectl needs from the world. */
export interface NodectlDeps {
  readonly runner: HostRunner;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTTY: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log?: Logger;
  /** Aborts --follow loops (Ctrl-C in the CLI, the test's end in tests). */
  readonly signal?: AbortSignal;
  /** The terminal's input, for `console --attach` (process.stdin in the CLI). */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

/** A run's mutable outcome, shared by the subcommands of one program. */
export interface RunState {
  exitCode: number;
}

/** Options common to every subcommand. */
export interface OutputOpts {
  readonly output?: string;
}

/** True when `--output json` was asked for; throws on an unknown format. */
export function isJson(opts: OutputOpts): boolean {
  if (opts.output === undefined || opts.output === "table") return false;
  if (opts.output === "json") return true;
  throw Object.assign(new Error(`--output ${opts.output}: want table or json`), { code: "USAGE" });
}

/** Adds `--output` to a subcommand. */
export function withOutput(cmd: Command): Command {
  return cmd.option("-o, --output <format>", "table (default) or json");
}

/** The logger: silent unless NODECTL_LOG names a level; always on stderr. */
export function loggerOf(deps: NodectlDeps): Logger {
  return deps.log ?? pino({ level: deps.env["NODECTL_LOG"] ?? "silent" }, pino.destination(2));
}

/** Loads the agent config named by the root `--config` and asks the agent for its status. */
export async function openView(deps: NodectlDeps, program: Command): Promise<NodeView> {
  const { config } = program.opts<{ config?: string }>();
  const target = await loadNodectlTarget(config);
  return openNodeView({ target, runner: deps.runner, log: loggerOf(deps) });
}

/** The painter for this run. */
export function paintOf(deps: NodectlDeps): Paint {
  return painter(deps.isTTY, deps.env);
}

/** Prints `doc` as one JSON document. */
export function printJson(deps: NodectlDeps, doc: unknown): void {
  deps.out(JSON.stringify(doc, null, 2) + "\n");
}

/** The line saying the agent is down and where the answer came from instead. */
export function unreachableNote(view: NodeView, paint: Paint): string {
  if (view.agent.reachable) return "";
  return paint("yellow", `${view.agent.error}; showing what the disk and the host tell\n`);
}

/** Maps an error to its exit code (by `code`) and prints it on stderr. */
export function exitCodeOf(e: unknown, deps: NodectlDeps): number {
  const code = (e as { code?: unknown }).code;
  deps.err(`nodectl: ${(e as Error).message ?? String(e)}\n`);
  if (code === "CONFIG_INVALID") return EXIT.config;
  if (code === "RESOURCE_NOT_FOUND") return EXIT.notFound;
  if (code === "USAGE") return EXIT.usage;
  if (code === "CONSOLE_UNAVAILABLE") return EXIT.problem;
  return EXIT.failed;
}

/** Wraps a subcommand action: runs it, records its exit code, turns errors into exit codes. */
export function action<A extends unknown[]>(deps: NodectlDeps, state: RunState, fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      state.exitCode = await fn(...args);
    } catch (e: unknown) {
      state.exitCode = exitCodeOf(e, deps);
    }
  };
}
