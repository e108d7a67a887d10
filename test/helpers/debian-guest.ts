/**
 * A stock Debian 12 cloud guest for the end-to-end tests of issue #12, built from Debian's
 * packages with debootstrap, without mounting anything, and cached between runs: systemd,
 * cloud-init 22.4 (datasource NoCloud only), openssh-server, sudo, qemu-guest-agent and
 * Debian's kernel, with no user, password, key, hostname or network baked in: everything a
 * login needs comes from the seed humops writes, as with Debian's official cloud images.
 *
 * Two flavours prove the seed on both of cloud-init's renderers on Debian: `ifupdown` (ENI)
 * and `netplan` (netplan.io, as in Debian's official cloud images), each without the other.
 * The disk is an MBR image: a FAT boot partition with syslinux, the kernel and Debian's
 * initramfs (`syslinux --install --offset`, `mcopy -i IMG@@OFFSET`), and an ext4 root made from
 * the debootstrap tree (`mkfs.ext4 -d DIR -E offset=...`), converted to qcow2.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpawnRunner } from "../../node-agent/host/spawn-runner.js";
import { runChecked } from "../../node-agent/host/host-runner.js";
import { testCacheDir } from "./test-cache.js";

/** Which network renderer cloud-init finds in the guest. */
export type DebianGuestFlavour = "ifupdown" | "netplan";

/** A built guest image. */
export interface DebianGuest {
  readonly diskPath: string;
  readonly flavour: DebianGuestFlavour;
  /** Bytes of the qcow2 file. */
  readonly sizeBytes: number;
}

const MIRROR = process.env["HUMOPS_DEBIAN_MIRROR"] ?? "http://deb.debian.org/debian";
const SUITE = "bookworm";
/**
 * One debootstrap for both flavours; each purges the other renderer's package, so cloud-init
 * (which prefers ENI when ifupdown is there) has exactly one to pick.
 */
const PACKAGES = [
  "systemd-sysv", "udev", "dbus", "linux-image-amd64", "initramfs-tools", "cloud-init",
  "openssh-server", "sudo", "qemu-guest-agent", "iproute2", "netbase", "procps", "ca-certificates",
  "ifupdown", "isc-dhcp-client", "netplan.io",
  // cloud-init's locale module runs locale-gen (without it: `update-locale: Error`, status error).
  "locales",
  // debootstrap does not resolve virtual packages: python3-cryptography (cloud-init's oauthlib)
  // needs python3-cffi-backend-api-min/max, which only this one provides.
  "python3-cffi-backend",
];
/** Boot partition: 1 MiB in, 96 MiB long; the root partition follows it. */
const BOOT_START = 2048;
const BOOT_SECTORS = 96 * 2048;
const ROOT_START = BOOT_START + BOOT_SECTORS;
const ROOT_MIB = 2048;

/** What is written into the tree after debootstrap (path -> content). */
function overlayFiles(): Record<string, string> {
  return {
    "etc/fstab": "LABEL=humops-root / ext4 defaults,errors=remount-ro 0 1\n",
    "etc/cloud/cloud.cfg.d/90-humops-datasource.cfg": "datasource_list: [ NoCloud, None ]\n",
    "etc/hostname": "",
    "etc/machine-id": "",
    // Debian's initramfs finds the root by label; virtio_blk is among MODULES=most's drivers.
    "etc/initramfs-tools/conf.d/humops": "MODULES=most\n",
    // cloud-init's default locale is en_US.UTF-8, and Debian's locale-gen ignores the locale
    // cloud-init passes it: generated here, or cc_locale fails (`update-locale: Error`).
    "etc/locale.gen": "en_US.UTF-8 UTF-8\n",
  };
}

function syslinuxCfg(kver: string): string {
  return [
    "DEFAULT debian", "PROMPT 0", "TIMEOUT 0", "LABEL debian",
    `  KERNEL /vmlinuz-${kver}`, `  INITRD /initrd.img-${kver}`,
    "  APPEND root=LABEL=humops-root ro console=ttyS0 panic=-1", "",
  ].join("\n");
}

function cachePath(cacheDir: string, flavour: DebianGuestFlavour): string {
  const tag = createHash("sha256").update(JSON.stringify({ PACKAGES, SUITE, overlay: overlayFiles(), cfg: syslinuxCfg("KVER"), BOOT_SECTORS, ROOT_MIB })).digest("hex").slice(0, 12);
  return join(cacheDir, `debian-${SUITE}-${flavour}-${tag}.qcow2`);
}

/**
 * Builds (or reuses from the cache) the Debian cloud guest of `flavour`. A first build makes
 * both flavours from one debootstrap (minutes: it downloads and unpacks about 150 packages).
 */
export async function buildDebianGuest(opts: { flavour: DebianGuestFlavour; cacheDir?: string; log?: (line: string) => void }): Promise<DebianGuest> {
  const cacheDir = opts.cacheDir ?? testCacheDir();
  const diskPath = cachePath(cacheDir, opts.flavour);
  if (!existsSync(diskPath)) await buildAll(cacheDir, opts.log ?? (() => undefined));
  return { diskPath, flavour: opts.flavour, sizeBytes: statSync(diskPath).size };
}

async function buildAll(cacheDir: string, say: (line: string) => void): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const work = join(tmpdir(), `humops-debian-${process.pid}-${Date.now()}`);
  const root = join(work, "root");
  mkdirSync(work, { recursive: true });
  const r = new SpawnRunner();
  try {
    say(`debootstrap ${SUITE} from ${MIRROR}`);
    await runChecked(r, { argv: ["debootstrap", "--variant=minbase", `--include=${PACKAGES.join(",")}`, "--components=main", SUITE, root, MIRROR], timeoutMs: 40 * 60_000 });
    for (const [path, content] of Object.entries(overlayFiles())) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    // A guest whose host keys or machine id are baked in would share them with every copy.
    for (const f of readdirSync(join(root, "etc/ssh"))) if (f.startsWith("ssh_host_")) rmSync(join(root, "etc/ssh", f));
    rmSync(join(root, "var/lib/dbus/machine-id"), { force: true });
    const kver = kernelOf(root);
    await runChecked(r, { argv: ["chroot", root, "locale-gen"], timeoutMs: 5 * 60_000 });
    await runChecked(r, { argv: ["chroot", root, "update-initramfs", "-u", "-k", kver], timeoutMs: 10 * 60_000 });
    await runChecked(r, { argv: ["chroot", root, "apt-get", "clean"] });
    rmSync(join(root, "var/lib/apt/lists"), { recursive: true, force: true });
    mkdirSync(join(root, "var/lib/apt/lists/partial"), { recursive: true });
    const other: Record<DebianGuestFlavour, string> = { ifupdown: "netplan.io", netplan: "ifupdown" };
    for (const flavour of ["ifupdown", "netplan"] as const) {
      say(`disk image (${flavour})`);
      const tree = join(work, `root-${flavour}`);
      await runChecked(r, { argv: ["cp", "-a", root, tree] });
      await runChecked(r, { argv: ["chroot", tree, "dpkg", "--purge", other[flavour]], timeoutMs: 5 * 60_000 });
      await makeDisk(r, work, tree, kver);
      rmSync(tree, { recursive: true, force: true });
      renameSync(join(work, "disk.qcow2"), cachePath(cacheDir, flavour));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function kernelOf(root: string): string {
  const k = readdirSync(join(root, "boot")).filter((f) => f.startsWith("vmlinuz-")).map((f) => f.slice("vmlinuz-".length)).sort().at(-1);
  if (k === undefined) throw new Error(`debootstrap left no kernel in ${root}/boot`);
  return k;
}

async function makeDisk(r: SpawnRunner, work: string, root: string, kver: string): Promise<void> {
  const raw = join(work, "disk.raw");
  rmSync(raw, { force: true });
  const totalSectors = ROOT_START + ROOT_MIB * 2048;
  await runChecked(r, { argv: ["truncate", "-s", String(totalSectors * 512), raw] });
  await runChecked(r, { argv: ["sfdisk", "--no-reread", "--no-tell-kernel", raw], stdin: `label: dos\nstart=${BOOT_START}, size=${BOOT_SECTORS}, type=c, bootable\nstart=${ROOT_START}, type=83\n` });
  const bootOff = BOOT_START * 512;
  await runChecked(r, { argv: ["mkfs.vfat", "-F", "16", "--offset", String(BOOT_START), "-n", "HUMOPSBOOT", raw, String(BOOT_SECTORS / 2)] });
  writeFileSync(join(work, "syslinux.cfg"), syslinuxCfg(kver));
  for (const [src, dst] of [
    [join(root, "boot", `vmlinuz-${kver}`), `::vmlinuz-${kver}`],
    [join(root, "boot", `initrd.img-${kver}`), `::initrd.img-${kver}`],
    [join(work, "syslinux.cfg"), "::syslinux.cfg"],
  ] as const) {
    await runChecked(r, { argv: ["mcopy", "-i", `${raw}@@${bootOff}`, src, dst] });
  }
  await runChecked(r, { argv: ["syslinux", "--install", "--offset", String(bootOff), raw] });
  await runChecked(r, { argv: ["dd", "if=/usr/lib/syslinux/mbr/mbr.bin", `of=${raw}`, "bs=440", "count=1", "conv=notrunc"] });
  await runChecked(r, { argv: ["mkfs.ext4", "-q", "-F", "-L", "humops-root", "-d", root, "-E", `offset=${ROOT_START * 512}`, raw, `${ROOT_MIB}M`] });
  await runChecked(r, { argv: ["qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-c", raw, join(work, "disk.qcow2")] });
}
