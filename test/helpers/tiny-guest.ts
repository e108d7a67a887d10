/**
 * A tiny bootable guest for the VM tests, built at test time from Debian's packages only
 * (linux-image-amd64's kernel and modules, busybox-static, syslinux, mtools, dosfstools),
 * without mounting anything, and cached between runs.
 *
 * The guest's /init loads the virtio and iso9660 modules, reads the NoCloud seed (an ISO9660
 * volume labelled `cidata` on any virtio disk), configures every NIC whose MAC appears in
 * network-config (version 1, as the agent writes it: a static subnet's address and gateway; the
 * guest keeps the kernel's interface names), and prints what it did
 * on the serial console as lines starting with `humops-guest:`. The ACPI power button (QMP
 * `system_powerdown`) makes it log `humops-guest: power button, shutting down` and power off.
 * `humops-guest: power button armed`, then `ready`, are printed only once acpid holds the input
 * device open: acpid opens it after it has started, and a button pressed before that is lost
 * (a flaky "qemu did not exit after system_powerdown", issue #13). So waiting for `ready`
 * before pressing the button is enough.
 * After `ready`, it pings each address listed under a NIC's `nameservers` (the only free-form
 * list a humstack VM manifest carries into the seed), up to 90 s, and logs
 * `humops-guest: ping ADDR ok` (or `failed`): the end-to-end test proves the overlay with it.
 * Every boot logs `humops-guest: booting` (a reboot shows a second one). Built with
 * `ignorePowerButton`, the guest logs `humops-guest: ignoring the power button` and does not
 * react to it (a guest without acpid). After that, a shell runs on the serial console
 * (`setsid cttyhack sh`): the console tests type into it.
 * Like cloud-init, it prints `Cloud-init v. V running 'init' at ...` when it reads a seed and
 * `Cloud-init v. V finished at ...` before `ready` (what guest-facts.ts reads as `done`); it has
 * no qemu-guest-agent.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../node-agent/host/host-runner.js";
import { cpioNewc } from "./initramfs.js";
import type { CpioEntry } from "./initramfs.js";
import { testCacheDir } from "./test-cache.js";

/** Modules the guest loads, in dependency order (`modprobe --show-depends`). */
const MODULES = [
  "drivers/virtio/virtio_ring.ko",
  "drivers/virtio/virtio.ko",
  "drivers/virtio/virtio_pci_modern_dev.ko",
  "drivers/virtio/virtio_pci_legacy_dev.ko",
  "drivers/virtio/virtio_pci.ko",
  "drivers/block/virtio_blk.ko",
  "net/core/failover.ko",
  "drivers/net/net_failover.ko",
  "drivers/net/virtio_net.ko",
  "drivers/cdrom/cdrom.ko",
  "fs/isofs/isofs.ko",
  "drivers/acpi/button.ko",
  "drivers/input/evdev.ko",
];

const INIT = `#!/bin/sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /seed /tmp /etc/acpi/PWRF /var/run /var/log
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "humops-guest: booting $(uname -r)"
for m in $(cat /modules.list); do insmod /lib/modules/$m 2>/dev/null; done
mdev -s
ip link set lo up
seed=""
for d in /dev/vd? /dev/sr?; do
  [ -b "$d" ] || continue
  if mount -t iso9660 -o ro "$d" /seed 2>/dev/null; then
    if [ -f /seed/meta-data ]; then seed="$d"; break; fi
    umount /seed
  fi
done
if [ -z "$seed" ]; then
  echo "humops-guest: no cidata seed found"
else
  iid=$(sed -n 's/^instance-id: *//p' /seed/meta-data | tr -d '"')
  host=$(sed -n 's/^local-hostname: *//p' /seed/meta-data | tr -d '"')
  [ -n "$host" ] && hostname "$host"
  echo "humops-guest: seed $seed instance-id=$iid hostname=$host"
  echo "Cloud-init v. 0-humops-tiny-guest running 'init' at $(date -R). Up $(cut -d' ' -f1 /proc/uptime) seconds."
  users=$(sed -n 's/^ *- *name: *//p' /seed/user-data | tr -d '"' | tr '\\n' ' ')
  echo "humops-guest: users $users"
  awk -f /netcfg.awk /seed/network-config > /tmp/nics
  while read mac addr gw; do
    dev=""
    for n in /sys/class/net/*; do
      [ "$(cat $n/address)" = "$mac" ] && dev=$(basename $n)
    done
    if [ -z "$dev" ]; then echo "humops-guest: no NIC with mac $mac"; continue; fi
    ip link set "$dev" up
    [ "$addr" != "-" ] && ip addr add "$addr" dev "$dev"
    [ "$gw" != "-" ] && ip route add default via "$gw" dev "$dev"
    echo "humops-guest: nic $dev mac $mac address $addr gateway $gw"
  done < /tmp/nics
fi
if [ -f /ignore-power-button ]; then
  echo "humops-guest: ignoring the power button"
else
  printf '#!/bin/sh\\necho "humops-guest: power button, shutting down" > /dev/console\\nsync\\npoweroff -f\\n' > /etc/acpi/PWRF/00000080
  chmod +x /etc/acpi/PWRF/00000080
  echo "PWRF PWRF/00000080" > /etc/acpid.conf
  acpid -f -c /etc/acpi -a /etc/acpid.conf -l /tmp/acpid.log &
  apid=$!
  n=0
  until ls -l /proc/$apid/fd 2>/dev/null | grep -q /dev/input/event; do
    n=$((n + 1))
    if [ $n -gt 600 ] || [ ! -d /proc/$apid ]; then echo "humops-guest: acpid never opened an input device"; break; fi
    usleep 100000
  done
  echo "humops-guest: power button armed (after $n waits of 0.1 s)"
fi
[ -n "$seed" ] && echo "Cloud-init v. 0-humops-tiny-guest finished at $(date -R). Datasource DataSourceNoCloud [seed=$seed].  Up $(cut -d' ' -f1 /proc/uptime) seconds"
echo "humops-guest: ready"
if [ -n "$seed" ]; then
  for t in $(awk -f /nameservers.awk /seed/network-config); do
    ( n=0; while [ $n -lt 90 ]; do
        if ping -c 1 -W 1 "$t" >/dev/null 2>&1; then echo "humops-guest: ping $t ok" > /dev/console; exit 0; fi
        n=$((n + 1)); sleep 1
      done; echo "humops-guest: ping $t failed" > /dev/console ) &
  done
fi
while true; do setsid cttyhack sh; sleep 1; done
`;

/** Reads network-config v1 (each `physical` entry's `mac_address` first, then its static subnet's address and gateway); prints `mac address gateway`. */
const NETCFG_AWK = `
function flush() { if (mac != "") print mac, (addr == "" ? "-" : addr), (gw == "" ? "-" : gw); mac = ""; addr = ""; gw = "" }
$1 == "mac_address:" { flush(); v = $2; gsub(/"/, "", v); mac = tolower(v) }
$1 == "address:" { v = $2; gsub(/"/, "", v); if (addr == "") addr = v }
$1 == "gateway:" { v = $2; gsub(/"/, "", v); gw = v }
END { flush() }
`;

/** Prints the `dns_nameservers` of network-config v1 (the guest pings each: `humops-guest: ping A ok`). */
const NAMESERVERS_AWK = `
/dns_nameservers:/ { ns = 1; next }
ns && /^ *- *"?[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+"? *$/ { v = $2; gsub(/"/, "", v); print v; next }
{ ns = 0 }
`;

/** What a built guest is: a qcow2 disk image and the kernel it runs. */
export interface TinyGuest {
  readonly diskPath: string;
  readonly kernelVersion: string;
}

/** The kernel version of linux-image-amd64 on this machine (the newest in /lib/modules with a /boot/vmlinuz). */
export function guestKernelVersion(): string {
  const versions = readdirSync("/lib/modules").filter((v) => existsSync(`/boot/vmlinuz-${v}`)).sort();
  const v = versions.at(-1);
  if (!v) throw new Error("no kernel in /boot: install linux-image-amd64 (bash ci/setup)");
  return v;
}

/** Builds (or reuses from the cache) the tiny guest's qcow2 image. */
export async function buildTinyGuest(opts: { cacheDir?: string; ignorePowerButton?: boolean } = {}): Promise<TinyGuest> {
  const kver = guestKernelVersion();
  const ignore = opts.ignorePowerButton === true;
  const tag = createHash("sha256").update(kver).update(INIT).update(NETCFG_AWK).update(NAMESERVERS_AWK).update(MODULES.join()).update(ignore ? "ignore-power-button" : "").digest("hex").slice(0, 12);
  const cacheDir = opts.cacheDir ?? testCacheDir();
  const diskPath = join(cacheDir, `tiny-guest-${tag}.qcow2`);
  if (existsSync(diskPath)) return { diskPath, kernelVersion: kver };
  mkdirSync(cacheDir, { recursive: true });
  const work = join(tmpdir(), `humops-guest-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  try {
    writeFileSync(join(work, "initrd"), buildInitramfs(kver, ignore));
    writeFileSync(join(work, "syslinux.cfg"), "DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd\n  APPEND console=ttyS0 panic=-1\n");
    await makeBootDisk(work, kver);
    renameSync(join(work, "disk.qcow2"), diskPath);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { diskPath, kernelVersion: kver };
}

async function makeBootDisk(work: string, kver: string): Promise<void> {
  const r = new SpawnRunner();
  const raw = join(work, "disk.raw");
  await runChecked(r, { argv: ["truncate", "-s", "48M", raw] });
  await runChecked(r, { argv: ["mkfs.vfat", "-n", "HUMOPSGUEST", raw] });
  await runChecked(r, { argv: ["syslinux", "--install", raw] });
  for (const [src, dst] of [
    [`/boot/vmlinuz-${kver}`, "::vmlinuz"],
    [join(work, "initrd"), "::initrd"],
    [join(work, "syslinux.cfg"), "::syslinux.cfg"],
  ] as const) {
    await runChecked(r, { argv: ["mcopy", "-i", raw, src, dst] });
  }
  await runChecked(r, { argv: ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, join(work, "disk.qcow2")] });
}

/** A gzipped newc cpio archive: busybox, /init, the awk scripts, the modules (and the ignore-power-button marker). */
function buildInitramfs(kver: string, ignorePowerButton: boolean): Buffer {
  const entries: CpioEntry[] = [
    { name: "bin", mode: 0o40755 },
    { name: "lib", mode: 0o40755 },
    { name: "lib/modules", mode: 0o40755 },
    { name: "bin/busybox", mode: 0o100755, data: readFileSync("/bin/busybox") },
    { name: "bin/sh", mode: 0o120777, data: Buffer.from("busybox") },
    { name: "init", mode: 0o100755, data: Buffer.from(INIT) },
    { name: "netcfg.awk", mode: 0o100644, data: Buffer.from(NETCFG_AWK) },
    { name: "nameservers.awk", mode: 0o100644, data: Buffer.from(NAMESERVERS_AWK) },
    { name: "modules.list", mode: 0o100644, data: Buffer.from(MODULES.map((m) => m.split("/").at(-1)).join("\n") + "\n") },
    ...(ignorePowerButton ? [{ name: "ignore-power-button", mode: 0o100644, data: Buffer.from("") }] : []),
  ];
  for (const m of MODULES) {
    const src = `/lib/modules/${kver}/kernel/${m}`;
    entries.push({ name: `lib/modules/${m.split("/").at(-1)}`, mode: 0o100644, data: readFileSync(src) });
  }
  return gzipSync(cpioNewc(entries));
}
