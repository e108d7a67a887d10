/**
 * `nodectl console VM [--follow] [--attach|--no-attach] [--force]`: the VM's serial log, and on
 * a terminal an interactive session on its console (Ctrl-] detaches).
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { attachConsole } from "../../node-agent/diag/console-attach.js";
import { findVmDir, followConsole, readConsole, type VmDirRef } from "../../node-agent/diag/console-log.js";
import { ConsoleUnavailableError } from "../../node-agent/diag/errors.js";
import { loadNodectlTarget } from "../../node-agent/diag/node-config.js";
import { livePid } from "../../node-agent/vm/vm-process.js";
import { vmPathsIn } from "../../node-agent/vm/vm-layout.js";
import { action, EXIT, isJson, printJson, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** What is printed of the log before attaching: its end, enough to see the prompt and the last messages. */
const ATTACH_LOG_TAIL_BYTES = 16 * 1024;

interface ConsoleOpts extends OutputOpts {
  readonly follow?: boolean;
  readonly attach?: boolean;
  readonly force?: boolean;
}

/** Registers `console`. */
export function registerConsole(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("console").argument("<vm>", "the VM's id or group/namespace/id").description("the VM's serial console: its log, and on a terminal an interactive session (Ctrl-] detaches)"))
    .option("-f, --follow", "keep printing what the guest writes until interrupted")
    .option("-a, --attach", "attach to the console (the default when stdin and stdout are a terminal)")
    .option("--no-attach", "only print the log, even on a terminal")
    .option("--force", "attach even when stdin is not a terminal (keys are sent as read; end of input detaches)")
    .action(action(deps, state, async (vm: string, opts: ConsoleOpts) => {
      const json = isJson(opts);
      const target = await loadNodectlTarget(program.opts<{ config?: string }>().config);
      const ref = await findVmDir(target.env.dataDir, vm);
      const stdinTTY = deps.stdin?.isTTY === true;
      if (opts.attach === true && (json || opts.follow)) throw usage("--attach prints to the terminal: it cannot be combined with --output json or --follow");
      if (opts.attach === true && !stdinTTY && !opts.force) throw usage("--attach needs a terminal on stdin (use --force to send piped input)");
      const attach = opts.attach ?? (!json && !opts.follow && stdinTTY && deps.isTTY);
      if (attach) return attachTo(ref, deps);
      const text = await readConsole(ref.consoleLog);
      if (json && !opts.follow) {
        printJson(deps, { command: "console", key: ref.key, consoleLog: ref.consoleLog, text });
        return EXIT.ok;
      }
      deps.out(text);
      if (opts.follow) await followConsole(ref.consoleLog, Buffer.byteLength(text), deps.out, { signal: deps.signal ?? new AbortController().signal });
      return EXIT.ok;
    }));
}

function usage(message: string): Error {
  return Object.assign(new Error(message), { code: "USAGE" });
}

async function attachTo(ref: VmDirRef, deps: NodectlDeps): Promise<number> {
  if (deps.stdin === undefined) throw usage("no terminal input to attach with");
  if (!existsSync(ref.consoleSocket)) {
    const running = (await livePid(vmPathsIn(ref.dir))) !== undefined;
    throw new ConsoleUnavailableError(
      ref.consoleSocket,
      running
        ? `VM ${ref.key} was started before interactive consoles existed and has no console socket; its log still works (nodectl console VM --no-attach). Power it off and on (actionState) to get one.`
        : `VM ${ref.key} is not running (no console socket); nodectl console VM --no-attach prints its log`,
    );
  }
  const log = Buffer.from(await readConsole(ref.consoleLog));
  deps.out(log.subarray(Math.max(0, log.length - ATTACH_LOG_TAIL_BYTES)).toString("utf8"));
  deps.err(`\r\nnodectl: attached to the serial console of ${ref.key}; Ctrl-] detaches\r\n`);
  const end = await attachConsole(ref.consoleSocket, { input: deps.stdin, out: deps.out }, deps.signal);
  if (end === "closed") {
    deps.err(`\r\nnodectl: the console closed (the VM stopped)\r\n`);
    return EXIT.problem;
  }
  deps.err(`\r\nnodectl: detached; the log is still written to ${ref.consoleLog}\r\n`);
  return EXIT.ok;
}
