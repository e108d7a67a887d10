/**
 * Runs one command inside Debian's own kernel (linux-image-amd64) under qemu (TCG), for code
 * that needs kernel features this machine's kernel lacks (802.1Q VLAN). The guest sees the
 * HOST's root filesystem read-only over 9p, with a tmpfs overlay on top (writes stay in the
 * guest), so the repository, node and its node_modules are the host's own. A small busybox
 * initramfs (cached, built without mounting anything) loads the 9p and overlay modules in
 * `modprobe --show-depends` order, mounts the overlay, loads the requested modules (with the
 * host's modprobe inside the root), runs the command there and writes its output and exit code
 * to a second, writable 9p share (a temp dir), then powers off. qemu gets no network device, and
 * runs inside an empty network namespace of its own.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { cpioNewc, moduleLoadOrder } from "./initramfs.js";
import type { CpioEntry } from "./initramfs.js";
import { guestKernelVersion } from "./tiny-guest.js";
import { createNode } from "./netns.js";
import { onExitCleanup } from "./exit-cleanup.js";
import { findExecutable, requireExecutable } from "./process-control.js";
import { testCacheDir } from "./test-cache.js";

/** Modules the initramfs loads to reach the shared root (their dependencies come along). */
const BOOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"];

const INIT = `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
log() { echo "humops-kguest: $*"; }
fail() { log "FAILED: $*"; sync; poweroff -f; }
mkdir -p /proc /sys /dev /lower /rw /newroot
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
log "booting $(uname -r)"
for m in $(cat /modules.list); do insmod /lib/modules/$m || fail "insmod $m"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower || fail "mount 9p hostroot"
mount -t tmpfs -o size=768m rw /rw || fail "mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "mount overlay"
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
# /tmp stays the overlay of the host's /tmp (writes go to the tmpfs upper): a checkout under /tmp must be visible.
mount -t tmpfs run /newroot/run
mkdir -p /newroot/run/humops-out
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=512000 out /newroot/run/humops-out || fail "mount 9p out"
printf '#!/bin/sh\\nexec /bin/chroot /newroot /sbin/modprobe "$@"\\n' > /bin/guest-modprobe
chmod +x /bin/guest-modprobe
echo /bin/guest-modprobe > /proc/sys/kernel/modprobe
for m in $(cat /newroot/run/humops-out/modules); do chroot /newroot /sbin/modprobe "$m" || fail "modprobe $m"; log "loaded $m"; done
log "running"
chroot /newroot /bin/sh /run/humops-out/command.sh > /newroot/run/humops-out/output 2>&1
echo $? > /newroot/run/humops-out/exit-code
log "exit $(cat /newroot/run/humops-out/exit-code)"
sync
umount /newroot/run/humops-out
poweroff -f
`;

/** The guest's kernel and initramfs. */
export interface KernelGuest {
  readonly kernelPath: string;
  readonly initrdPath: string;
  readonly kernelVersion: string;
}

/** Builds (or reuses from the cache) the initramfs; the kernel is /boot/vmlinuz-KVER as installed. */
export async function buildKernelGuest(opts: { cacheDir?: string } = {}): Promise<KernelGuest> {
  requireExecutable("/bin/busybox", "install busybox-static");
  const kver = guestKernelVersion();
  const kernelPath = `/boot/vmlinuz-${kver}`;
  const modules = await moduleLoadOrder(kver, BOOT_MODULES);
  const tag = createHash("sha256").update(kver).update(INIT).update(modules.join()).digest("hex").slice(0, 12);
  const cacheDir = opts.cacheDir ?? testCacheDir();
  const initrdPath = join(cacheDir, `kernel-guest-${tag}.cpio.gz`);
  if (existsSync(initrdPath)) return { kernelPath, initrdPath, kernelVersion: kver };
  mkdirSync(cacheDir, { recursive: true });
  const names = modules.map((m) => m.split("/").at(-1)!);
  const entries: CpioEntry[] = [
    { name: "bin", mode: 0o40755 },
    { name: "lib", mode: 0o40755 },
    { name: "lib/modules", mode: 0o40755 },
    { name: "bin/busybox", mode: 0o100755, data: readFileSync("/bin/busybox") },
    { name: "bin/sh", mode: 0o120777, data: Buffer.from("busybox") },
    { name: "init", mode: 0o100755, data: Buffer.from(INIT) },
    { name: "modules.list", mode: 0o100644, data: Buffer.from(names.join("\n") + "\n") },
    ...modules.map((m, i) => ({ name: `lib/modules/${names[i]!}`, mode: 0o100644, data: readFileSync(m) })),
  ];
  const tmp = `${initrdPath}.${process.pid}.tmp`;
  writeFileSync(tmp, gzipSync(cpioNewc(entries)));
  renameSync(tmp, initrdPath);
  return { kernelPath, initrdPath, kernelVersion: kver };
}

/** What to run in the guest. */
export interface KernelGuestCommand {
  /** The command, run with `cwd` as working directory inside the guest (the host's paths). */
  readonly argv: readonly [string, ...string[]];
  readonly cwd: string;
  /** Modules loaded (host's modprobe, inside the guest's root) before the command, e.g. `8021q`. */
  readonly modules?: readonly string[];
  /** Extra environment of the command. */
  readonly env?: Readonly<Record<string, string>>;
  /** Whole run, boot to power-off; default 420 s. */
  readonly timeoutMs?: number;
  /** Guest memory, default 1536 MiB. */
  readonly memoryMiB?: number;
}

/** How a guest run ended. */
export interface KernelGuestResult {
  /** The command's exit code; undefined when the guest never got to write it. */
  readonly exitCode: number | undefined;
  /** The command's stdout and stderr, interleaved. */
  readonly output: string;
  /** The serial console (kernel and init lines `humops-kguest: ...`). */
  readonly console: string;
  readonly kernelVersion: string;
  readonly durationMs: number;
  /** Whether qemu's network namespace was another one than this process's (checked while it ran). */
  readonly qemuNetnsIsolated: boolean;
  readonly timedOut: boolean;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Boots the guest, runs `cmd` in it and resolves once qemu has exited (or was killed at the
 * timeout: `timedOut`). Throws PrerequisiteMissingError when qemu is not installed, and
 * CommandFailedError when the initramfs cannot be built. A failing command is data (exitCode).
 */
export async function runInKernelGuest(cmd: KernelGuestCommand): Promise<KernelGuestResult> {
  const qemu = findExecutable("qemu-system-x86_64", "install qemu-system-x86");
  const guest = await buildKernelGuest();
  const dir = mkdtempSync(join(tmpdir(), "humops-kguest-"));
  const out = join(dir, "out");
  mkdirSync(out);
  const env = Object.entries({ PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", ...cmd.env });
  const script = [...env.map(([k, v]) => `export ${k}=${quote(v)}`), `cd ${quote(cmd.cwd)} || exit 125`, `exec ${cmd.argv.map(quote).join(" ")}`];
  writeFileSync(join(out, "command.sh"), script.join("\n") + "\n");
  writeFileSync(join(out, "modules"), (cmd.modules ?? []).join("\n") + "\n");
  const consoleLog = join(dir, "console.log");
  const jail = await createNode("kguest");
  const started = Date.now();
  try {
    const args = qemuArgs(guest, out, consoleLog, cmd.memoryMiB ?? 1536);
    const q = spawn("ip", ["netns", "exec", jail.netns, qemu, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    q.stderr.on("data", (d) => (stderr += d));
    const release = onExitCleanup(() => q.pid !== undefined && q.kill("SIGKILL"), { leakName: `qemu pid ${q.pid}` });
    const exited = new Promise<void>((res) => q.once("exit", () => res()));
    const isolated = waitIsolation(q.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      q.kill("SIGKILL");
    }, cmd.timeoutMs ?? 420_000);
    await exited;
    clearTimeout(timer);
    release();
    const read = (p: string): string => (existsSync(p) ? readFileSync(p, "latin1") : "");
    const code = read(join(out, "exit-code")).trim();
    return {
      exitCode: code === "" ? undefined : Number(code),
      output: read(join(out, "output")),
      console: read(consoleLog) + (stderr ? `\n[qemu stderr]\n${stderr}` : ""),
      kernelVersion: guest.kernelVersion,
      durationMs: Date.now() - started,
      qemuNetnsIsolated: await isolated,
      timedOut,
    };
  } finally {
    await jail.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** qemu's argv: TCG, one vCPU, no network device at all, serial to a file, the two 9p shares. */
function qemuArgs(guest: KernelGuest, out: string, consoleLog: string, memoryMiB: number): string[] {
  return [
    "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", String(memoryMiB),
    "-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-nic", "none",
    "-serial", `file:${consoleLog}`, "-monitor", "none",
    "-kernel", guest.kernelPath, "-initrd", guest.initrdPath, "-append", "console=ttyS0 panic=-1 quiet",
    "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
    "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
    "-fsdev", `local,id=out,path=${out},security_model=none,multidevs=remap`,
    "-device", "virtio-9p-pci,fsdev=out,mount_tag=out",
  ];
}

/** Whether `pid`, once it has exec'ed qemu, is in another network namespace than this process. */
async function waitIsolation(pid: number | undefined): Promise<boolean> {
  if (pid === undefined) return false;
  const mine = statSync("/proc/self/ns/net").ino;
  for (let i = 0; i < 100; i++) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("qemu")) return statSync(`/proc/${pid}/ns/net`).ino !== mine;
    } catch {
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
