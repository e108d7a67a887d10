/**
 * `nodectl doctor` checks of the storage side: qemu-img present, the disk and image
 * directories writable with free space, and (when configured) the Ceph config readable and
 * the pool reachable.
 */
import { constants } from "node:fs";
import { access, stat, statfs } from "node:fs/promises";
import { dirname } from "node:path";
import type { NodeEnvironment } from "../driver.js";
import type { HostRunner } from "../host/host-runner.js";
import { qemuImgVersion } from "./qemu-img.js";
import { rbdList } from "./rbd.js";

/** One doctor check: what was checked, whether it passed, what was seen, how to fix it. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

/** Below this much free space a storage directory fails the check. */
export const MIN_FREE_BYTES = 1024 ** 3;

async function checkQemuImg(runner: HostRunner): Promise<DoctorCheck> {
  try {
    const res = await runner.run(qemuImgVersion());
    const line = res.stdout.split("\n")[0] ?? "";
    if (res.exitCode === 0) return { name: "qemu-img", ok: true, detail: line.trim() };
    return { name: "qemu-img", ok: false, detail: res.stderr.trim(), fix: "apt-get install qemu-utils" };
  } catch (e: unknown) {
    return { name: "qemu-img", ok: false, detail: (e as Error).message, fix: "apt-get install qemu-utils" };
  }
}

/** `dir`, or its nearest existing ancestor (the agent creates the rest on first use). */
async function existingAncestor(dir: string): Promise<string> {
  for (let d = dir; ; d = dirname(d)) {
    try {
      await stat(d);
      return d;
    } catch (e: unknown) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || dirname(d) === d) throw e;
    }
  }
}

async function checkDir(name: string, dir: string): Promise<DoctorCheck> {
  try {
    const existing = await existingAncestor(dir);
    if (!(await stat(existing)).isDirectory()) throw new Error(`${existing} is not a directory`);
    await access(existing, constants.W_OK);
    const s = await statfs(existing);
    const free = s.bavail * s.bsize;
    const gib = (free / 1024 ** 3).toFixed(1);
    if (free < MIN_FREE_BYTES) return { name, ok: false, detail: `${dir}: only ${gib} GiB free`, fix: `free space under ${dir} or point the agent config elsewhere` };
    return { name, ok: true, detail: `${dir} writable, ${gib} GiB free` };
  } catch (e: unknown) {
    return { name, ok: false, detail: `${dir}: ${(e as Error).message}`, fix: `create ${dir} writable by the agent, or set it in the agent config` };
  }
}

async function checkCeph(env: NodeEnvironment, runner: HostRunner): Promise<DoctorCheck[]> {
  const ceph = env.ceph;
  if (!ceph) return [];
  const checks: DoctorCheck[] = [];
  try {
    await access(ceph.confPath, constants.R_OK);
    checks.push({ name: "ceph config", ok: true, detail: `${ceph.confPath} readable` });
  } catch (e: unknown) {
    return [{ name: "ceph config", ok: false, detail: `${ceph.confPath}: ${(e as Error).message}`, fix: "install the cluster's ceph.conf (and keyring) on this node" }];
  }
  const res = await runner.run({ ...rbdList(ceph), timeoutMs: 15_000 });
  checks.push(
    res.exitCode === 0
      ? { name: "ceph pool", ok: true, detail: `pool ${ceph.pool} reachable` }
      : { name: "ceph pool", ok: false, detail: `rbd ls ${ceph.pool}: ${res.stderr.trim().split("\n").pop() ?? `exit ${res.exitCode}`}`, fix: `check the monitors in ${ceph.confPath}, the client key, and that pool ${ceph.pool} exists (rbd pool init ${ceph.pool})` },
  );
  return checks;
}

/** Runs every storage check; never throws (a failure is a check with ok: false). */
export async function storageDoctorChecks(env: NodeEnvironment, runner: HostRunner): Promise<DoctorCheck[]> {
  return [
    await checkQemuImg(runner),
    await checkDir("block storage dir", env.blockStorageDir),
    await checkDir("image dir", env.imageDir),
    ...(await checkCeph(env, runner)),
  ];
}
