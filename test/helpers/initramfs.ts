/**
 * Initramfs building blocks shared by the test guests (tiny-guest.ts, kernel-guest.ts): the newc
 * cpio encoder and the insmod order of kernel modules, read from Debian's kernel with
 * `modprobe -S KVER --show-depends`. Pure file work: nothing is mounted.
 */
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../node-agent/host/host-runner.js";

/** One file, directory or symlink (data = target) of a cpio archive. */
export interface CpioEntry {
  readonly name: string;
  readonly mode: number;
  readonly data?: Buffer;
}

/** Encodes entries as a newc cpio archive (the initramfs format), ending with TRAILER!!!. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  let ino = 1;
  for (const e of [...entries, { name: "TRAILER!!!", mode: 0 }]) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const fields = [ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from("070701" + fields.map((f) => f.toString(16).padStart(8, "0")).join(""));
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  return Buffer.concat(parts);
}

/**
 * The .ko files `modules` need on kernel `kver`, dependencies first and each once, in the order
 * `modprobe -S KVER --show-depends` prints them (the order to insmod them in). Modules built
 * into the kernel are left out. Throws CommandFailedError when modprobe does not know a module
 * (wrong kernel version, or linux-image-amd64 missing: bash ci/setup).
 */
export async function moduleLoadOrder(kver: string, modules: readonly string[]): Promise<string[]> {
  const r = new SpawnRunner();
  const out: string[] = [];
  for (const m of modules) {
    const res = await runChecked(r, { argv: ["modprobe", "-S", kver, "--show-depends", m] });
    for (const line of res.stdout.split("\n")) {
      const path = /^insmod (\S+\.ko)\b/.exec(line.trim())?.[1];
      if (path !== undefined && !out.includes(path)) out.push(path);
    }
  }
  return out;
}
