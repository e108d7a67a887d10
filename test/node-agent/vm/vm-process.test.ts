// stopVm against a real process standing in for qemu (its argv[0] says qemu-system, as livePid
// checks) and a scripted QMP: the power button is pressed again while the guest runs (a guest
// ignores presses until its handler listens, issue #13), and qemu is quit after the timeout.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopVm } from "../../../node-agent/vm/vm-process.js";
import type { QmpOpener } from "../../../node-agent/vm/vm-process.js";
import type { VmPaths } from "../../../node-agent/vm/vm-layout.js";
import { isAlive } from "../../../node-agent/host/process-liveness.js";

const S = suite<{ dir: string; qemu: ChildProcess; paths: VmPaths }>("stopVm");

S.before.each((c) => {
  c.dir = mkdtempSync(join(tmpdir(), "hm-stopvm-"));
  c.qemu = spawn("sleep", ["60"], { argv0: "qemu-system-x86_64", stdio: "ignore" });
  const f = (n: string) => join(c.dir, n);
  c.paths = { dir: c.dir, stateFile: f("vm.json"), pidFile: f("qemu.pid"), qmpSocket: f("qmp.sock"), consoleLog: f("console.log"), consoleSocket: f("console.sock"), guestAgentSocket: f("qga.sock"), seedDir: f("seed"), seedIso: f("seed.iso") };
  writeFileSync(c.paths.pidFile, `${c.qemu.pid}\n`);
});

S.after.each((c) => {
  c.qemu.kill("SIGKILL");
  rmSync(c.dir, { recursive: true, force: true });
});

/** A QMP whose guest powers off on press number `handledAt` (never when undefined); `quit` stops qemu. */
function scriptedQmp(qemu: ChildProcess, handledAt?: number): { qmp: QmpOpener; commands: string[] } {
  const commands: string[] = [];
  const qmp: QmpOpener = async () => ({
    async execute<T>(command: string): Promise<T> {
      commands.push(command);
      const presses = commands.filter((x) => x === "system_powerdown").length;
      if (command === "quit" || (command === "system_powerdown" && presses === handledAt)) qemu.kill("SIGKILL");
      return {} as T;
    },
    events: () => [],
    close() {},
  });
  return { qmp, commands };
}

S("a guest that missed the first press shuts down on a later one: no quit", async (c) => {
  const { qmp, commands } = scriptedQmp(c.qemu, 3);
  assert.is(await stopVm({ paths: c.paths, uuid: "u" }, 30_000, qmp, 1000), true);
  assert.equal(commands, ["system_powerdown", "system_powerdown", "system_powerdown"]);
  assert.not.ok(isAlive(c.qemu.pid!));
});

S("a guest that ignores the button is quit after the timeout, pressed again meanwhile", async (c) => {
  const { qmp, commands } = scriptedQmp(c.qemu);
  const t0 = Date.now();
  assert.is(await stopVm({ paths: c.paths, uuid: "u" }, 1000, qmp, 300), false);
  assert.ok(Date.now() - t0 >= 1000, "not quit before the timeout");
  // Pressed at 0, 300, 600, 900 ms (fewer on a loaded machine), then quit.
  assert.is(commands.at(-1), "quit");
  assert.ok(commands.length >= 3 && commands.slice(0, -1).every((x) => x === "system_powerdown"), commands.join(" "));
});

S("reports the seconds it waited (PoweringOff progress); a superseding abort ends the wait without quit (issue #11)", async (c) => {
  const { qmp, commands } = scriptedQmp(c.qemu);
  const seen: number[] = [];
  const ac = new AbortController();
  const stopping = stopVm({ paths: c.paths, uuid: "u" }, 30_000, qmp, 10_000, {
    progress: (s) => {
      seen.push(s);
      if (s >= 1) ac.abort(new Error("superseded"));
    },
    signal: ac.signal,
  });
  const err = await stopping.then(() => undefined, (e: unknown) => e);
  assert.instance(err, Error);
  assert.is((err as Error).message, "superseded");
  assert.ok(seen.length >= 2 && seen.at(-1)! >= 1, seen.join(","));
  assert.not.ok(commands.includes("quit"), "not quit: the superseding command stops it itself");
  assert.ok(isAlive(c.qemu.pid!), "left running for the newer command");
});

S.run();
