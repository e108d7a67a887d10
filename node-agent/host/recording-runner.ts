/**
 * A fake HostRunner for unit tests: records every command and replies from an argv-keyed
 * table. A command with no reply fails the test (UnexpectedCommandError) unless a default is set.
 */
import { UnexpectedCommandError } from "./errors.js";
import type { Command, HostRunner, RunResult } from "./host-runner.js";

/** A scripted reply: a fixed result or a function of the command. */
export type Reply = Partial<RunResult> | ((cmd: Command) => Partial<RunResult>);

/** Records commands; replies by exact argv (joined with NUL) or by a prefix matcher. */
export class RecordingRunner implements HostRunner {
  readonly commands: Command[] = [];
  readonly #exact = new Map<string, Reply>();
  readonly #prefixes: Array<[readonly string[], Reply]> = [];
  readonly #fallback: Reply | undefined;

  /** `fallback`: the reply to any command not in the table; omit to fail on unexpected commands. */
  constructor(opts: { fallback?: Reply } = {}) {
    this.#fallback = opts.fallback;
  }

  /** Replies `reply` to exactly this argv. */
  on(argv: readonly string[], reply: Reply): this {
    this.#exact.set(argv.join("\0"), reply);
    return this;
  }

  /** Replies `reply` to any argv starting with `prefix`. */
  onPrefix(prefix: readonly string[], reply: Reply): this {
    this.#prefixes.push([prefix, reply]);
    return this;
  }

  /** The argv of every command run so far. */
  get argvs(): string[][] {
    return this.commands.map((c) => [...c.argv]);
  }

  async run(cmd: Command): Promise<RunResult> {
    this.commands.push(cmd);
    const reply = this.#exact.get(cmd.argv.join("\0")) ?? this.#matchPrefix(cmd.argv) ?? this.#fallback;
    if (reply === undefined) throw new UnexpectedCommandError(cmd.argv);
    const r = typeof reply === "function" ? reply(cmd) : reply;
    return { exitCode: r.exitCode ?? 0, stdout: r.stdout ?? "", stderr: r.stderr ?? "", durationMs: r.durationMs ?? 0 };
  }

  #matchPrefix(argv: readonly string[]): Reply | undefined {
    for (const [prefix, reply] of this.#prefixes) {
      if (prefix.every((p, i) => argv[i] === p)) return reply;
    }
    return undefined;
  }
}
