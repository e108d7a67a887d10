/**
 * The host-command port: every command the agent runs on its node is data (an argv array),
 * executed by one HostRunner. Builders in net/, storage/, vm/ return Command[]; tests assert
 * on those arrays, and the real runner never builds a shell string.
 */
import { CommandFailedError } from "./errors.js";

/** One host command: an argv array, optional stdin, optional timeout. */
export interface Command {
  readonly argv: readonly [string, ...string[]];
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

/** What a command did. A non-zero exit code is data here, not an exception. */
export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Options for one run. */
export interface RunOptions {
  readonly signal?: AbortSignal;
}

/** Runs host commands. Implementations: SpawnRunner (real), RecordingRunner (tests), PrintingRunner (dry run). */
export interface HostRunner {
  /** Runs `cmd` and resolves with its result whatever the exit code; rejects only when it cannot be started or is aborted. */
  run(cmd: Command, opts?: RunOptions): Promise<RunResult>;
}

/**
 * Runs `cmd` and requires exit code 0.
 * Throws CommandFailedError (with argv, exitCode, stderr) otherwise; the caller decides whether that is transient.
 */
export async function runChecked(runner: HostRunner, cmd: Command, opts?: RunOptions): Promise<RunResult> {
  const res = await runner.run(cmd, opts);
  if (res.exitCode !== 0) {
    throw new CommandFailedError({ argv: cmd.argv, exitCode: res.exitCode, stderr: res.stderr });
  }
  return res;
}

/** Shorthand to build a Command from argv parts. */
export function cmd(...argv: [string, ...string[]]): Command {
  return { argv };
}
