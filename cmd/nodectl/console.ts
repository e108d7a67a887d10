/** `nodectl console VM [--follow]`: the VM's serial log. */
import type { Command } from "commander";
import { findVmDir, followConsole, readConsole } from "../../node-agent/diag/console-log.js";
import { loadNodectlTarget } from "../../node-agent/diag/node-config.js";
import { action, EXIT, isJson, printJson, withOutput, type NodectlDeps, type OutputOpts, type RunState } from "./io.js";

/** Registers `console`. */
export function registerConsole(program: Command, deps: NodectlDeps, state: RunState): void {
  withOutput(program.command("console").argument("<vm>", "the VM's id or group/namespace/id").description("the VM's serial console log"))
    .option("-f, --follow", "keep printing what the guest writes until interrupted")
    .action(action(deps, state, async (vm: string, opts: OutputOpts & { follow?: boolean }) => {
      const json = isJson(opts);
      const target = await loadNodectlTarget(program.opts<{ config?: string }>().config);
      const ref = await findVmDir(target.env.dataDir, vm);
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
